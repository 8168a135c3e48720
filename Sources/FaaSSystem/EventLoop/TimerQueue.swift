/// One-shot timers in a binary min-heap. Cancelling only forgets the callback; the heap entry
/// is skipped when it surfaces, which keeps cancel O(1) for the common per-request timeout.
public struct TimerQueue {
    public typealias ID = UInt64

    private struct Entry {
        let deadline: Double
        let id: ID
    }

    private var heap: [Entry] = []
    private var callbacks: [ID: () -> Void] = [:]
    private var nextID: ID = 1

    public init() {}

    /// The earliest live deadline (dropping cancelled entries on the way).
    public mutating func nextDeadline() -> Double? {
        while let top = heap.first, callbacks[top.id] == nil { popTop() }
        return heap.first?.deadline
    }

    public mutating func add(deadline: Double, _ body: @escaping () -> Void) -> ID {
        let id = nextID
        nextID += 1
        callbacks[id] = body
        heap.append(Entry(deadline: deadline, id: id))
        siftUp(heap.count - 1)
        return id
    }

    public mutating func cancel(_ id: ID) {
        callbacks.removeValue(forKey: id)
    }

    /// Removes and returns the earliest timer due by `now`. The caller runs it outside this
    /// mutation, so a callback may add or cancel timers.
    public mutating func popExpired(now: Double) -> (() -> Void)? {
        while let top = heap.first, top.deadline <= now {
            popTop()
            if let body = callbacks.removeValue(forKey: top.id) { return body }
        }
        return nil
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent].deadline <= heap[child].deadline { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            if left >= heap.count { break }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].deadline < heap[left].deadline { smallest = left + 1 }
            if heap[parent].deadline <= heap[smallest].deadline { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
