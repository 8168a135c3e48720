/// A pipe between us and a child, asked of `ProcessSpawner.spawn(_:pipes:)`: which of the
/// child's descriptors it lands on (one end may serve several, e.g. stdout and stderr) and which
/// way the bytes flow.
public struct ChildPipe: Sendable {
    public enum Direction: Sendable {
        /// We write, the child reads.
        case toChild
        /// The child writes, we read.
        case fromChild
    }

    public let childDescriptors: [Int32]
    public let direction: Direction

    public init(_ direction: Direction, on childDescriptors: Int32...) {
        self.direction = direction
        self.childDescriptors = childDescriptors
    }
}
