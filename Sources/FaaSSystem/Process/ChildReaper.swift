import Glibc

/// Reaps children with waitpid(WNOHANG) in a loop, as the SIGCHLD signal may stand for several,
/// and tells whoever watches each pid how it ended. Unwatched children are reaped too, so none
/// lingers as a zombie.
public final class ChildReaper {
    private var watchers: [pid_t: (ExitStatus) -> Void] = [:]

    public init() {}

    public func watch(_ pid: pid_t, _ onExit: @escaping (ExitStatus) -> Void) {
        watchers[pid] = onExit
    }

    /// Call on SIGCHLD (and whenever a child may have ended).
    public func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            watchers.removeValue(forKey: pid)?(ExitStatus(waitStatus: status))
        }
    }
}
