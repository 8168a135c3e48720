/// Invokes waiting for a worker: one FIFO per function, served round robin across the functions
/// that have calls waiting (not one FIFO for all: a function with a thousand calls queued does
/// not make another's single call wait behind them). `capacity` bounds the total, so a burst
/// beyond what the platform can absorb is turned away (503) instead of growing memory.
public struct FairQueue<Element> {
    public let capacity: Int
    private var queues: [String: BoundedQueue<Element>] = [:]
    /// Functions with calls waiting, in turn order; `turn` is the index of the next one.
    private var ring: [String] = []
    private var turn = 0
    public private(set) var count = 0

    public init(capacity: Int) { self.capacity = capacity }

    public var isEmpty: Bool { count == 0 }
    /// Functions with calls waiting.
    public var functionsWaiting: Int { ring.count }
    /// The function whose calls wait, when only one has any.
    public var soleFunction: String? { ring.count == 1 ? ring[0] : nil }
    /// Calls of `key` waiting.
    public func waiting(_ key: String) -> Int { queues[key]?.count ?? 0 }

    /// Queues `element` behind the other calls of `key`; false when the queue is full.
    public mutating func append(_ element: Element, for key: String) -> Bool {
        guard count < capacity else { return false }
        if queues[key] == nil {
            queues[key] = BoundedQueue(capacity: capacity)
            ring.append(key)
        }
        _ = queues[key]?.append(element)
        count += 1
        return true
    }

    /// The oldest call of the next function in turn whose head `eligible` accepts (a function
    /// at its worker limit is passed over, keeping its place); that function's turn then passes.
    public mutating func popNext(where eligible: (String, Element) -> Bool) -> (key: String, element: Element)? {
        for step in 0..<ring.count {
            let index = (turn + step) % ring.count
            let key = ring[index]
            guard let head = queues[key]?.first, eligible(key, head) else { continue }
            _ = queues[key]?.popFirst()
            count -= 1
            if queues[key]?.isEmpty ?? true {
                queues[key] = nil
                ring.remove(at: index)
                turn = ring.isEmpty ? 0 : index % ring.count
            } else {
                turn = (index + 1) % ring.count
            }
            return (key, head)
        }
        return nil
    }

    /// Takes out every waiting call `shouldRemove` selects (order of the rest kept).
    public mutating func removeAll(where shouldRemove: (Element) -> Bool) -> [Element] {
        var removed: [Element] = []
        for key in ring {
            guard var queue = queues[key] else { continue }
            var kept = BoundedQueue<Element>(capacity: capacity)
            for element in queue.removeAll() {
                if shouldRemove(element) { removed.append(element) } else { _ = kept.append(element) }
            }
            queues[key] = kept
        }
        count -= removed.count
        let current = ring.isEmpty ? nil : ring[turn]
        ring.removeAll { queues[$0]?.isEmpty ?? true }
        for key in queues.keys where queues[key]?.isEmpty ?? true { queues[key] = nil }
        turn = current.flatMap { ring.firstIndex(of: $0) } ?? 0
        if turn >= ring.count { turn = 0 }
        return removed
    }

    /// Empties the queue.
    public mutating func removeAll() -> [Element] {
        removeAll { _ in true }
    }
}
