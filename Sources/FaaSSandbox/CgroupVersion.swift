/// Which cgroup interface a `CgroupManager` writes.
public enum CgroupVersion: Sendable, Equatable {
    /// The unified hierarchy: one folder, the controllers enabled through a delegated subtree
    /// (the systemd unit's `Delegate=yes`).
    case v2(root: String)
    /// One hierarchy per controller (memory, pids, cpu), each mounted at its own root.
    case v1(memory: String, pids: String, cpu: String)
}
