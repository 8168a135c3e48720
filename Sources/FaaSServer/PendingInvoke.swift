import FaaSProtocol

/// An invoke the server has accepted and not yet answered.
struct PendingInvoke {
    enum Stage {
        case atBalancer
        case atWorker(slot: Int)
    }

    /// The connection (gateway) that asked, and its id for the request.
    let client: UInt64
    let clientID: UInt64
    var timeout: Double
    /// When the server accepted it: how long it has waited for a worker, for scaling up.
    let since: Double
    var stage: Stage
    /// What the load balancer was sent (no payload, no context): sent again if the call was
    /// queued at a worker that died before starting it.
    let routing: InvokeMessage
    /// Kept here while the load balancer picks a worker (it gets the invoke without it);
    /// attached to the job, then dropped once the job runs (kept while it is queued behind
    /// another at its worker, to be sent elsewhere if that worker dies first).
    var payload: [UInt8]?
    /// The request behind it: kept from the load balancer like the payload.
    var context: InvocationContext?
    /// The request's id, kept after the context goes to the worker: for this daemon's log lines.
    var requestID: String? = nil
    /// How the client sent its payload; its result goes back the same way.
    let bodyForm: BodyForm

    /// What is left at `now` of the call's time limit, counted from when the server accepted it.
    func timeLeft(now: Double) -> Double { (routing.timeout ?? timeout) - (now - since) }
}
