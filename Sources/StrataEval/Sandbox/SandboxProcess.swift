import CStrataSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A sandboxed child started by `strata_sandbox_spawn`: a small reaper, leader of
/// its own process group, whose child is bubblewrap, all under the resource
/// limits, which children inherit.
///
/// The C helper forks and sets the limits itself before execve, because Swift
/// code cannot run safely between fork and exec in a process with other threads.
/// The reaper exists for the CPU time: bubblewrap's monitor exits without waiting
/// for its init, which the reaper (a subreaper) then waits for, so the reaper's
/// rusage holds the program's. Killing the group kills bubblewrap, which ends the
/// PID namespace inside (`--die-with-parent`) and every process the program started.
///
/// The reaper also holds the read end of a lifeline pipe whose write end only this
/// object holds: if strata ends any way at all (SIGKILL, a crash, a second Ctrl-C)
/// the reaper sees end of file and kills its group, so no program outlives strata.
/// Once the reaper is reaped its group is empty (as a subreaper it waited for every
/// descendant), so the group is never signalled after that: its id may be reused.
final class SandboxProcess {
  let pid: pid_t
  private let lifeline: Int32
  private var reaped = false

  private init(pid: pid_t, lifeline: Int32) {
    self.pid = pid
    self.lifeline = lifeline
  }

  deinit { if lifeline >= 0 { close(lifeline) } }

  /// How the child ended and what it used.
  struct Ending {
    var exit: SandboxExit
    var cpuSeconds: Double
  }

  static func spawn(
    executable: String, arguments: [String], workspace: SandboxWorkspace, limits: SandboxLimits
  ) throws(SandboxError) -> SandboxProcess {
    // Close-on-exec, so another thread's spawn in the meantime does not inherit them.
    let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
    let output = open(workspace.stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let errors = open(workspace.stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    defer { [input, output, errors].filter { $0 >= 0 }.forEach { close($0) } }
    guard input >= 0, output >= 0, errors >= 0 else { throw .workspaceFailed(path: workspace.root, errno: errno) }

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    // bubblewrap gets an empty environment; the program's is in its arguments.
    let envp: [UnsafeMutablePointer<CChar>?] = [nil]
    defer {
      argv.forEach { free($0) }
    }
    var result = strata_sandbox_result()
    let status = executable.withCString { path in
      workspace.work.withCString { workdir in
        argv.withUnsafeBufferPointer { argvBuffer in
          envp.withUnsafeBufferPointer { envpBuffer in
            var spec = strata_sandbox_spec()
            spec.path = path
            spec.argv = argvBuffer.baseAddress
            spec.envp = envpBuffer.baseAddress
            spec.workdir = workdir
            spec.stdin_fd = input
            spec.stdout_fd = output
            spec.stderr_fd = errors
            spec.cpu_seconds = Int64(limits.cpuSeconds ?? 0)
            spec.address_space_bytes = Int64(limits.memoryBytes ?? 0)
            spec.file_size_bytes = Int64(limits.fileSizeBytes ?? 0)
            spec.max_open_files = Int64(limits.maxOpenFiles ?? 0)
            return strata_sandbox_spawn(&spec, &result)
          }
        }
      }
    }
    guard status == 0 else { throw SandboxError.spawn(stage: result.stage, errno: result.error) }
    return SandboxProcess(pid: result.pid, lifeline: result.lifeline_fd)
  }

  /// The ending once the child has exited (and is reaped), else nil.
  func poll() -> Ending? { reap(options: WNOHANG) }

  /// Waits for the child to exit; used after a SIGKILL, so it is short.
  func wait() -> Ending {
    while true {
      if let ending = reap(options: 0) { return ending }
    }
  }

  /// SIGKILL to bubblewrap's process group. Inside, the program runs in a new
  /// session (`--new-session`), out of this group, but bubblewrap's death ends the
  /// PID namespace and so every process in it.
  func killGroup() {
    if !reaped { kill(-pid, SIGKILL) }
  }

  private func reap(options: Int32) -> Ending? {
    var status: Int32 = 0
    var usage = rusage()
    while true {
      let reaped = wait4(pid, &status, options, &usage)
      if reaped == pid {
        self.reaped = true
        let cpu = Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime)
        return Ending(exit: SandboxExit(bubblewrapWaitStatus: status), cpuSeconds: cpu)
      }
      if reaped == -1 && errno == EINTR { continue }
      // ECHILD: someone else reaped it; nothing more can be learned.
      if reaped == -1 {
        self.reaped = true
        return Ending(exit: .signalled(SIGKILL), cpuSeconds: 0)
      }
      return nil
    }
  }

  private static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
}
