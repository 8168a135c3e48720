import FaaSProtocol

/// What happens after an attempt of an async invocation: its final state, or another attempt.
/// Infrastructure failures (server unreachable or gone, worker death) are retried up to the
/// invocation's limit; a function's own failure or timeout only when the caller asked for
/// retries (`&retries=`); a request that can never succeed (unknown function) never.
enum RetryPolicy {
    enum Decision: Equatable {
        case final(InvocationState)
        case retry(after: Double)
    }

    static func decide(_ result: ResultMessage, attempts: Int, maxRetries: Int, retryFailures: Bool) -> Decision {
        let final: InvocationState
        let infrastructure: Bool
        if result.ok {
            return .final(.succeeded)
        }
        switch result.code ?? .internal {
        case .noWorker, .overloaded, .internal:
            final = .failed
            infrastructure = true
        case .timeout:
            final = .timedOut
            infrastructure = false
        case .failed:
            final = .failed
            infrastructure = false
        case .notFound, .badRequest, .tooLarge, .noEngine:
            return .final(.failed)
        }
        guard attempts <= maxRetries, infrastructure || retryFailures else { return .final(final) }
        return .retry(after: backoff(attempt: attempts))
    }

    /// 0.5 s, 1 s, 2 s, ... up to a minute.
    static func backoff(attempt: Int) -> Double {
        min(60, 0.5 * Double(1 << min(max(attempt - 1, 0), 10)))
    }
}
