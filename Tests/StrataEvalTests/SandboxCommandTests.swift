import Testing

@testable import StrataEval

/// The bubblewrap command line is the sandbox's policy; these pin it down.
@Suite("Sandbox command line")
struct SandboxCommandTests {
  func command(identity: SandboxIdentity, prefixes: [String] = []) -> SandboxCommand {
    SandboxCommand(
      tools: SandboxTools(bwrap: "/usr/bin/bwrap", prlimit: "/usr/bin/prlimit", setpriv: "/usr/bin/setpriv"),
      interpreter: SandboxInterpreter(executable: "/opt/py/bin/python3", prefixesOutsideUsr: prefixes),
      programPath: "/tmp/strata-sandbox-1/main.py", workPath: "/tmp/strata-sandbox-1/work",
      environment: ["PATH": "/usr/bin", "HOME": "/sandbox/work"], identity: identity, maxProcesses: 64,
      topLevel: [.link(path: "/bin", target: "usr/bin"), .directory(path: "/lib64")])
  }

  @Test("as root: namespaces without a user namespace, then prlimit and setpriv to the sandbox user")
  func asRoot() {
    let arguments = command(identity: .switchTo(.nobody)).arguments
    for flag in [
      "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session",
    ] {
      #expect(arguments.contains(flag), "\(flag)")
    }
    #expect(!arguments.contains("--unshare-user"))
    let tail = Array(arguments.drop { $0 != "--" })
    #expect(
      tail == [
        "--", "/usr/bin/prlimit", "--nproc=64:64", "--", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
        "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", "/opt/py/bin/python3",
        "-B", "/sandbox/main.py",
      ])
  }

  @Test("as another user: a user namespace, no capabilities, no identity switch")
  func asUser() {
    let arguments = command(identity: .callerInUserNamespace(uid: 1000)).arguments
    #expect(arguments.contains("--unshare-user"))
    #expect(arguments.contains("--cap-drop"))
    #expect(!arguments.contains("/usr/bin/setpriv"))
  }

  @Test("the view of the host: /usr read-only, the layout of /bin and /lib*, the interpreter's prefix, nothing else")
  func mounts() {
    let arguments = command(identity: .switchTo(.nobody), prefixes: ["/root/.pyenv/versions/3.11"]).arguments
    let joined = arguments.joined(separator: " ")
    #expect(joined.contains("--ro-bind /usr /usr"))
    #expect(joined.contains("--symlink usr/bin /bin"))
    #expect(joined.contains("--ro-bind /lib64 /lib64"))
    #expect(
      joined.contains(
        "--perms 0755 --dir /root --perms 0755 --dir /root/.pyenv --perms 0755 --dir /root/.pyenv/versions --ro-bind /root/.pyenv/versions/3.11 /root/.pyenv/versions/3.11"
      ))
    #expect(joined.contains("--ro-bind /tmp/strata-sandbox-1/main.py /sandbox/main.py"))
    #expect(joined.contains("--bind /tmp/strata-sandbox-1/work /sandbox/work"))
    #expect(joined.contains("--clearenv"))
    // The only writable binds are the work directory (and private tmpfs mounts).
    let writable = arguments.indices.filter { arguments[$0] == "--bind" }.map { arguments[$0 + 1] }
    #expect(writable == ["/tmp/strata-sandbox-1/work"])
    for secret in ["/etc/shadow", "/home", "/run", "/var", "/etc/passwd"] {
      #expect(!arguments.contains(secret), "\(secret) is exposed")
    }
  }

  @Test("parents of a path", arguments: [("/a/b/c", ["/a", "/a/b"]), ("/a", []), ("/a/b", ["/a"])])
  func parents(path: String, expected: [String]) {
    #expect(SandboxCommand.parents(of: path) == expected)
  }
}
