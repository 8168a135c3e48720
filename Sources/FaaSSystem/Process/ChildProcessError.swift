/// A `ChildProcess` asked for more than it supports.
public enum ChildProcessError: Error, CustomStringConvertible {
    /// One pipe to the child and one from it at most (one pipe may serve several descriptors).
    case tooManyPipes

    public var description: String {
        switch self {
        case .tooManyPipes: return "a child process takes at most one pipe each way"
        }
    }
}
