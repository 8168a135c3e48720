/// Decides when the server adds a worker or retires one. Pure: the server passes in what it
/// sees (its workers, the calls waiting for one, the time), so the rules are unit-tested with
/// a fake clock; the server only carries the decision out (spawn one more, retire one).
///
/// - Up: when a call has waited for a worker longer than `upAfter`, or every worker is busy,
///   add workers (as many as calls wait, at most `maxStep` per decision) up to `maximum`;
///   workers still starting count as added.
/// - Down: when no call waits, retire the worker idle longest once it has been idle for
///   `idleRetire` seconds, one per decision, never below `minimum`.
struct WorkerScaler {
    struct Policy: Equatable {
        var minimum: Int
        var maximum: Int
        var upAfter: Double
        var idleRetire: Double
        var maxStep = 4
    }

    struct Snapshot {
        /// Workers running (registered or starting).
        var alive: Int
        /// Of those, not yet ready (not registered with the load balancer).
        var starting: Int
        /// Of those, with a job.
        var busy: Int
        /// Calls waiting for a worker, and how long the oldest has waited.
        var waiting: Int
        var oldestWait: Double?
        /// Idle workers: slot id and since when.
        var idle: [(id: Int, since: Double)]
    }

    enum Decision: Equatable {
        case hold
        case add(Int)
        case retire(id: Int)
    }

    let policy: Policy

    func decide(_ state: Snapshot, now: Double) -> Decision {
        let waitedTooLong = (state.oldestWait ?? 0) > policy.upAfter
        let allBusy = state.alive > 0 && state.busy >= state.alive
        if (waitedTooLong || allBusy) && state.alive < policy.maximum {
            let wanted = max(1, state.waiting) - state.starting
            let count = min(wanted, policy.maxStep, policy.maximum - state.alive)
            return count > 0 ? .add(count) : .hold
        }
        guard state.waiting == 0, state.alive > policy.minimum, state.starting == 0 else { return .hold }
        guard let longest = state.idle.min(by: { $0.since < $1.since }), now - longest.since >= policy.idleRetire else { return .hold }
        return .retire(id: longest.id)
    }

    /// The default maximum: `perCPU` workers per CPU this process may use (its affinity and
    /// the cgroup's `cpu.max` quota), never below the minimum.
    static func defaultMaximum(minimum: Int, perCPU: Int = 4, cpus: Double = CPUBudget.available()) -> Int {
        max(minimum, Int((cpus * Double(perCPU)).rounded(.up)))
    }
}
