/// Why an invocation failed, so the gateway can answer a fitting HTTP status.
public enum FailureCode: String, Sendable {
    case notFound = "not_found"
    case badRequest = "bad_request"
    case tooLarge = "too_large"
    case overloaded
    case noWorker = "no_worker"
    case timeout
    case failed
    case noEngine = "no_engine"
    case `internal`

    public var httpStatus: Int {
        switch self {
        case .notFound: return 404
        case .badRequest: return 400
        case .tooLarge: return 413
        case .overloaded, .noWorker, .noEngine: return 503
        case .timeout: return 504
        case .failed, .internal: return 500
        }
    }
}
