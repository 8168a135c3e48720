/// At most `jobs` compilers at once: each deploy that compiles takes a slot (its index names
/// its cgroup), the next ones wait in a bounded queue, in order, and the rest are refused.
final class CompileSlots {
    let jobs: Int
    let queueLimit: Int
    private var free: [Int]
    private var waiting: [(Int) -> Void] = []

    init(jobs: Int, queuePerJob: Int = 16) {
        self.jobs = jobs
        queueLimit = jobs * queuePerJob
        free = Array((0..<jobs).reversed())
    }

    /// Runs `start` with a slot now or once one is free; false (and `start` never runs) when
    /// the queue is full.
    func acquire(_ start: @escaping (Int) -> Void) -> Bool {
        if let slot = free.popLast() {
            start(slot)
            return true
        }
        guard waiting.count < queueLimit else { return false }
        waiting.append(start)
        return true
    }

    /// Gives `slot` back: the longest-waiting deploy gets it.
    func release(_ slot: Int) {
        if waiting.isEmpty {
            free.append(slot)
        } else {
            waiting.removeFirst()(slot)
        }
    }

    var queued: Int { waiting.count }
}
