/// An invoke the server has accepted and not yet answered.
struct PendingInvoke {
    enum Stage {
        case atBalancer
        case atWorker(slot: Int)
    }

    /// The connection (gateway) that asked, and its id for the request.
    let client: UInt64
    let clientID: UInt64
    let timeout: Double
    var stage: Stage
}
