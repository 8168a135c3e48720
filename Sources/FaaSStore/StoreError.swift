public enum StoreError: Error, CustomStringConvertible, Equatable {
    case duplicateName(String)
    case notFound(String)
    case corrupt(String, String)

    public var description: String {
        switch self {
        case .duplicateName(let name): return "a function named \(name.debugDescription) already exists"
        case .notFound(let name): return "no function \(name.debugDescription)"
        case .corrupt(let id, let why): return "function \(id) has unreadable metadata: \(why)"
        }
    }
}
