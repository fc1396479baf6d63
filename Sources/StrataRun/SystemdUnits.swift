import Foundation

/// The systemd service and timer that run a sweep unattended (`strata schedule install`).
///
/// The service resumes the newest unfinished run of its matrix or starts a new one
/// (`--resume auto`), stops at a cell boundary before its budget runs out, and is
/// stopped with SIGINT, which strata turns into a clean stop (the server is stopped,
/// the run marked interrupted, and the next night resumes it). Its stop timeout is
/// longer than a cell's stop so systemd never SIGKILLs a strata that is stopping.
public struct SystemdUnits: Sendable, Equatable {
  public var name: String
  /// The strata executable, by absolute path (units run without a login shell's PATH).
  public var executable: String
  public var projectDirectory: String
  public var matrix: String
  public var database: String
  public var onCalendar: String
  public var maxDuration: String?
  /// `KEY=value` lines the service reads (HF_TOKEN, STRATA_CACHE…): optional, and kept out of the unit.
  public var environmentFile: String
  public var user: Bool
  public var nice: Int
  public var stopTimeoutSeconds: Int
  public var extraArguments: [String]

  public init(
    name: String = "strata-sweep", executable: String, projectDirectory: String, matrix: String, database: String,
    onCalendar: String, maxDuration: String? = nil, environmentFile: String? = nil, user: Bool = false,
    nice: Int = 10, stopTimeoutSeconds: Int = 300, extraArguments: [String] = []
  ) {
    self.name = name
    self.executable = executable
    self.projectDirectory = projectDirectory
    self.matrix = matrix
    self.database = database
    self.onCalendar = onCalendar
    self.maxDuration = maxDuration
    self.environmentFile = environmentFile ?? "\(projectDirectory)/strata.env"
    self.user = user
    self.nice = nice
    self.stopTimeoutSeconds = stopTimeoutSeconds
    self.extraArguments = extraArguments
  }

  /// Where the units go: the system's unit directory, or the user's.
  public static func directory(user: Bool, home: String, environment: [String: String]) -> String {
    guard user else { return "/etc/systemd/system" }
    let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "\(home)/.config"
    return "\(config)/systemd/user"
  }

  public var serviceName: String { "\(name).service" }
  public var timerName: String { "\(name).timer" }

  /// systemd splits ExecStart= on spaces and expands `%` and `$`: each word is quoted and escaped.
  static func word(_ text: String) -> String {
    let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "%", with: "%%").replacingOccurrences(of: "$", with: "$$")
    return "\"\(escaped)\""
  }

  public var command: [String] {
    [executable, "run", "--resume", "auto", "--project", projectDirectory, "--db", database]
      + (maxDuration.map { ["--max-duration", $0] } ?? []) + extraArguments + [matrix]
  }

  public var service: String {
    """
    # Written by `strata schedule install`; `strata schedule remove` deletes it.
    [Unit]
    Description=strata sweep of \(matrix)
    Documentation=man:systemd.service(5)

    [Service]
    Type=exec
    WorkingDirectory=\(projectDirectory)
    EnvironmentFile=-\(environmentFile)
    ExecStart=\(command.map(Self.word).joined(separator: " "))
    # strata turns SIGINT into a clean stop: the server is stopped, the run marked
    # interrupted, and the next start resumes it.
    KillSignal=SIGINT
    KillMode=mixed
    TimeoutStopSec=\(stopTimeoutSeconds)
    # 3 is a partial run (the budget left cells for the next night): not a failure.
    SuccessExitStatus=3
    Nice=\(nice)
    StandardOutput=journal
    StandardError=journal

    """
  }

  public var timer: String {
    """
    # Written by `strata schedule install`; `strata schedule remove` deletes it.
    [Unit]
    Description=Start \(serviceName) on its calendar

    [Timer]
    OnCalendar=\(onCalendar)
    # A night missed while the machine was off runs at the next boot.
    Persistent=true
    Unit=\(serviceName)

    [Install]
    WantedBy=timers.target

    """
  }
}
