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

    /// One function in the answer, as JSON.
    var view: View {
        View(function: function, total: total,
             states: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
             recent: recent.map { View.Recent(state: $0.state, submittedAt: $0.submittedAt) },
             lastAt: recent.first?.submittedAt, lastState: recent.first?.state)
    }

    struct View: Encodable {
        struct Recent: Encodable {
            let state: InvocationState
            let submittedAt: Double
            enum CodingKeys: String, CodingKey {
                case state
                case submittedAt = "submitted_at"
            }
        }

        let function: String
        let total: Int
        let states: [String: Int]
        let recent: [Recent]
        let lastAt: Double?
        let lastState: InvocationState?

        enum CodingKeys: String, CodingKey {
            case function, total, states, recent
            case lastAt = "last_at"
            case lastState = "last_state"
        }
    }

    /// `GET /invocations/summary`'s answer.
    struct Answer: Encodable {
        let window: Int
        let since: Double
        let functions: [View]
    }
}
