import CStrataSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A sandboxed child started by `strata_sandbox_spawn`: leader of its own process
/// group, limited, in its own network namespace.
///
/// posix_spawn cannot enter a namespace or switch user, so the C helper forks and
/// does those steps itself before execve; Swift code cannot run safely between
/// fork and exec in a process with other threads.
struct SandboxProcess {
  let pid: pid_t
  let isolation: NetworkIsolation

  /// How the child ended and what it used.
  struct Ending {
    var exit: SandboxExit
    var cpuSeconds: Double
  }

  static func spawn(
    executable: String, arguments: [String], environment: [String: String], workspace: SandboxWorkspace,
    limits: SandboxLimits, user: SandboxUser?
  ) throws(SandboxError) -> SandboxProcess {
    // Close-on-exec, so another thread's spawn in the meantime does not inherit them.
    let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
    let output = open(workspace.stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let errors = open(workspace.stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    defer { [input, output, errors].filter { $0 >= 0 }.forEach { close($0) } }
    guard input >= 0, output >= 0, errors >= 0 else { throw .workspaceFailed(path: workspace.root, errno: errno) }

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
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
            spec.max_processes = Int64(limits.maxProcesses ?? 0)
            spec.max_open_files = Int64(limits.maxOpenFiles ?? 0)
            spec.run_as_uid = user.map { Int32(bitPattern: $0.uid) } ?? -1
            spec.run_as_gid = user.map { Int32(bitPattern: $0.gid) } ?? -1
            return strata_sandbox_spawn(&spec, &result)
          }
        }
      }
    }
    guard status == 0 else {
      throw SandboxError.spawn(stage: result.stage, errno: result.error, firstErrno: result.first_error)
    }
    let isolation: NetworkIsolation =
      UInt32(bitPattern: result.isolation) == STRATA_SANDBOX_ISOLATION_USER_NET.rawValue
      ? .userAndNetworkNamespace : .networkNamespace
    return SandboxProcess(pid: result.pid, isolation: isolation)
  }

  /// The ending once the child has exited (and is reaped), else nil.
  func poll() -> Ending? { reap(options: WNOHANG) }

  /// Waits for the child to exit; used after a SIGKILL, so it is short.
  func wait() -> Ending {
    while true {
      if let ending = reap(options: 0) { return ending }
    }
  }

  /// SIGKILL to every process still in the group: the program's children and
  /// grandchildren, unless one moved itself out with setsid or setpgid.
  func killGroup() { kill(-pid, SIGKILL) }

  private func reap(options: Int32) -> Ending? {
    var status: Int32 = 0
    var usage = rusage()
    while true {
      let reaped = wait4(pid, &status, options, &usage)
      if reaped == pid {
        let cpu = Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime)
        return Ending(exit: SandboxExit(waitStatus: status), cpuSeconds: cpu)
      }
      if reaped == -1 && errno == EINTR { continue }
      // ECHILD: someone else reaped it; nothing more can be learned.
      if reaped == -1 { return Ending(exit: .signalled(SIGKILL), cpuSeconds: 0) }
      return nil
    }
  }

  private static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
}
