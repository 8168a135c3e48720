/// What one function's cgroup may use: its runtime, the calls it forks, and the tmpfs pages
/// they write (charged to the cgroup like any other memory).
public struct CgroupLimits: Sendable, Equatable {
    /// memory.max (v2) / memory.limit_in_bytes (v1), bytes; swap is refused.
    public var memoryBytes: Int
    /// pids.max: processes and threads together.
    public var maxProcesses: Int
    /// CPU weight 1...10000 (v2 cpu.weight; v1 cpu.shares = weight * 1024 / 100).
    public var cpuWeight: Int

    public init(memoryBytes: Int, maxProcesses: Int = 64, cpuWeight: Int = 100) {
        self.memoryBytes = memoryBytes
        self.maxProcesses = maxProcesses
        self.cpuWeight = cpuWeight
    }

    /// v1 cpu.shares for the same weight (the default weight 100 is the default 1024 shares).
    public var cpuShares: Int { max(2, cpuWeight * 1024 / 100) }
}
