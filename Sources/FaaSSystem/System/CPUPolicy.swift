import Glibc

/// The kernel scheduling policy a daemon runs under. Threads it starts later and processes it
/// spawns (workers, runtimes, compilers) inherit it.
///
/// `batch` (SCHED_BATCH) is the default: an invoke crosses four processes on few CPUs, and
/// under the normal policy every message wakes its reader at once, preempting the writer
/// mid-batch; the machine then spends its time switching between processes that each handle
/// one message. A woken batch task waits for the writer's turn to end instead, finds several
/// messages, and answers them in one write. An idle CPU still runs it at once, so a lone call
/// is not slowed (`scripts/bench` shows both).
public enum CPUPolicy: String, Sendable, CaseIterable {
    case batch
    case normal

    /// Linux's SCHED_BATCH (uapi sched.h); glibc declares it only under _GNU_SOURCE.
    private static let schedBatch: Int32 = 3

    /// Sets it for the calling thread, unless it is already the one (a systemd unit's
    /// `CPUSchedulingPolicy=` sets it before exec, where a seccomp filter may then refuse the call).
    public func apply() throws {
        if sched_getscheduler(0) == policyNumber { return }
        var parameters = sched_param()
        parameters.sched_priority = 0
        try syscall("sched_setscheduler") { sched_setscheduler(0, policyNumber, &parameters) }
    }

    private var policyNumber: Int32 { self == .batch ? Self.schedBatch : SCHED_OTHER }
}
