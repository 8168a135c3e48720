/// Where an invocation is. `queued` and `running` are the only states it leaves; each of the
/// others is final, and an invocation reaches exactly one of them.
enum InvocationState: String, CaseIterable, Sendable, Encodable {
    case queued
    case running
    case succeeded
    case failed
    case timedOut = "timed_out"
    case cancelled

    var isFinal: Bool { self != .queued && self != .running }
}
