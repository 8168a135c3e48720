/// Why a function's cgroup cannot be made. Callers answer 503 naming it: a memory limit that
/// cannot be enforced is refused, not ignored.
public enum CgroupError: Error, CustomStringConvertible, Equatable {
    /// Neither a delegated v2 subtree nor writable v1 memory, pids and cpu hierarchies.
    case unavailable(String)
    case write(path: String, value: String, errno: Int32)
    /// Found at start (no cgroup, no seccomp filter) and refused on every call since: the text
    /// already says why, in full.
    case confinementUnusable(String)

    public var description: String {
        switch self {
        case .unavailable(let why):
            return "no usable cgroup to enforce memory, process and CPU limits (\(why)): run the worker as root on a host with the "
                + "v1 memory, pids and cpu controllers, or under systemd with Delegate=yes (cgroup v2); FAAS_SANDBOX=none turns isolation off"
        case .confinementUnusable(let why):
            return why
        case .write(let path, let value, let code):
            return "cannot write \(value) to \(path): errno \(code)"
        }
    }
}
