/// A FIFO queue with a fixed capacity: `append` refuses when full, so a burst beyond what the
/// platform can absorb is turned away (503) instead of growing memory without bound.
public struct BoundedQueue<Element> {
    public let capacity: Int
    private var storage: [Element] = []
    private var head = 0

    public init(capacity: Int) { self.capacity = capacity }

    public var count: Int { storage.count - head }
    public var isEmpty: Bool { count == 0 }
    public var first: Element? { isEmpty ? nil : storage[head] }

    public mutating func append(_ element: Element) -> Bool {
        guard count < capacity else { return false }
        storage.append(element)
        return true
    }

    public mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = storage[head]
        head += 1
        if head > 1024 && head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        } else if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
        return element
    }

    public mutating func removeAll() -> [Element] {
        let rest = Array(storage[head...])
        storage.removeAll()
        head = 0
        return rest
    }
}
