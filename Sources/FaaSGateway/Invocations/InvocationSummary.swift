import Foundation

/// One function's invocations as `GET /invocations/summary` answers them: how many ended in
/// each state within the window, and its most recent ones (whatever their age) newest first.
/// The console draws its functions page from this (last invocations, error rate).
struct InvocationSummary: Sendable, Equatable {
    struct Recent: Sendable, Equatable {
        var state: InvocationState
        var submittedAt: Double
    }

    var function: String
    /// Invocations submitted within the window, by state (states with none are left out).
    var counts: [InvocationState: Int]
    /// The most recent invocations, newest first.
    var recent: [Recent]

    var total: Int { counts.values.reduce(0, +) }

    /// The JSON object of one function in the answer.
    func jsonObject() -> [String: Any] {
        var states: [String: Int] = [:]
        for (state, count) in counts { states[state.rawValue] = count }
        var object: [String: Any] = [
            "function": function, "total": total, "states": states,
            "recent": recent.map { ["state": $0.state.rawValue, "submitted_at": $0.submittedAt] as [String: Any] },
        ]
        object["last_at"] = recent.first?.submittedAt
        object["last_state"] = recent.first?.state.rawValue
        return object
    }
}
