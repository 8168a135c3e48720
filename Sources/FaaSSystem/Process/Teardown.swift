import Glibc

/// How a child is stopped, declared once per kind of child: a first signal, a grace period,
/// then SIGKILL; to the process alone or to its whole process group (what it forked too).
/// `ChildProcess.terminate` is the one place that carries it out.
public struct Teardown: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        case process
        /// The child leads a process group of its own (set at spawn); signals go to the group.
        case group
    }

    public var signal: Int32
    /// Seconds between `signal` and SIGKILL; unused when `signal` is SIGKILL.
    public var grace: Double
    public var scope: Scope

    public init(signal: Int32 = SIGTERM, grace: Double, scope: Scope = .process) {
        self.signal = signal
        self.grace = grace
        self.scope = scope
    }

    /// SIGKILL at once.
    public static func kill(_ scope: Scope = .process) -> Teardown {
        Teardown(signal: SIGKILL, grace: 0, scope: scope)
    }
}
