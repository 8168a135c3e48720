/// `--sandbox` / `FAAS_SANDBOX`: how JS and Python functions are isolated.
public enum SandboxMode: String, Sendable, CaseIterable {
    /// Each function in its own bubblewrap sandbox, as a user of its own (`SandboxPolicy`).
    case bwrap
    /// Only the rlimits: functions run as the worker's user with its view of the host
    /// (development only).
    case off = "none"

    public static var names: String { allCases.map(\.rawValue).joined(separator: " or ") }
}
