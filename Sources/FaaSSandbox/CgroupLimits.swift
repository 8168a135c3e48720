/// What one function's cgroup may use: its runtime, the calls it forks, and the tmpfs pages
/// they write (charged to the cgroup like any other memory).
public struct CgroupLimits: Sendable, Equatable {
    /// memory.max (v2) / memory.limit_in_bytes (v1), bytes; swap is refused.
    public var memoryBytes: Int
    /// pids.max: processes and threads together.
    public var maxProcesses: Int
    /// CPU weight 1...10000 (v2 cpu.weight; v1 cpu.shares = weight * 1024 / 100).
    public var cpuWeight: Int
    /// CPU bandwidth, cores (v2 cpu.max, v1 cpu.cfs_quota_us per cpu.cfs_period_us); nil: no quota.
    public var cpuCores: Double?

    public init(memoryBytes: Int, maxProcesses: Int = 64, cpuWeight: Int = 100, cpuCores: Double? = nil) {
        self.memoryBytes = memoryBytes
        self.maxProcesses = maxProcesses
        self.cpuWeight = cpuWeight
        self.cpuCores = cpuCores
    }

    /// The cores a deploy's `&cpu=` may ask for: the kernel's smallest quota is 1 ms per period.
    public static let cpuCoreRange: ClosedRange<Double> = 0.01...64

    /// The CFS period, microseconds (the kernel's default).
    public static let cpuPeriodMicroseconds = 100_000

    /// v1 cpu.shares for the same weight (the default weight 100 is the default 1024 shares).
    public var cpuShares: Int { max(2, cpuWeight * 1024 / 100) }

    /// Microseconds of CPU per period; nil: no quota.
    public var cpuQuotaMicroseconds: Int? {
        cpuCores.map { max(1_000, Int(($0 * Double(Self.cpuPeriodMicroseconds)).rounded())) }
    }
}
