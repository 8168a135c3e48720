/// The load balancer's view of one server's workers: who is registered, how many jobs each has
/// in flight, and which one the strategy picks next. Pure state, no I/O, so each strategy's
/// choice is unit-tested directly.
public struct WorkerPool {
    public struct Worker: Equatable {
        public let id: Int
        public let pid: Int32
        public var inFlight: Int
        /// Dispatch counter value at the last pick (0: never picked).
        public var lastPicked: UInt64
    }

    public let strategy: Strategy
    /// Jobs a worker may hold at once (it runs one at a time; more would queue in its pipe).
    public let capacity: Int
    /// Sorted by worker id: "first" for FIFO, the ring order for round robin.
    public private(set) var workers: [Worker] = []
    private var cursor = 0
    private var picks: UInt64 = 0

    public init(strategy: Strategy, capacity: Int = 1) {
        self.strategy = strategy
        self.capacity = max(1, capacity)
    }

    public var isEmpty: Bool { workers.isEmpty }
    public var inFlight: Int { workers.reduce(0) { $0 + $1.inFlight } }

    /// Registers (or re-registers, after a restart) a worker. A new pid starts idle.
    public mutating func register(id: Int, pid: Int32) {
        if let index = workers.firstIndex(where: { $0.id == id }) {
            if workers[index].pid != pid { workers[index] = Worker(id: id, pid: pid, inFlight: 0, lastPicked: 0) }
            return
        }
        workers.append(Worker(id: id, pid: pid, inFlight: 0, lastPicked: 0))
        workers.sort { $0.id < $1.id }
    }

    /// Forgets a worker, if `pid` is still the registered process for that id.
    public mutating func unregister(id: Int, pid: Int32) {
        workers.removeAll { $0.id == id && $0.pid == pid }
        if cursor >= workers.count { cursor = 0 }
    }

    /// A job finished. Messages about a replaced process are ignored.
    public mutating func done(id: Int, pid: Int32) {
        guard let index = workers.firstIndex(where: { $0.id == id && $0.pid == pid }) else { return }
        workers[index].inFlight = max(0, workers[index].inFlight - 1)
    }

    /// Picks a worker with room for one more job and counts the job against it; nil when all
    /// are full (the caller queues).
    public mutating func pick() -> Worker? {
        guard let index = chooseIndex() else { return nil }
        picks += 1
        workers[index].inFlight += 1
        workers[index].lastPicked = picks
        return workers[index]
    }

    private func hasRoom(_ worker: Worker) -> Bool { worker.inFlight < capacity }

    private mutating func chooseIndex() -> Int? {
        let count = workers.count
        guard count > 0 else { return nil }
        switch strategy {
        case .rr:
            for step in 0..<count {
                let index = (cursor + step) % count
                if hasRoom(workers[index]) {
                    cursor = (index + 1) % count
                    return index
                }
            }
            return nil
        case .fifo:
            if let idle = workers.firstIndex(where: { $0.inFlight == 0 }) { return idle }
            return workers.firstIndex(where: hasRoom)
        case .weighted:
            var best: Int?
            for index in workers.indices where hasRoom(workers[index]) {
                guard let current = best else { best = index; continue }
                let a = workers[index], b = workers[current]
                if (a.inFlight, a.lastPicked) < (b.inFlight, b.lastPicked) { best = index }
            }
            return best
        }
    }
}
