/// The gateway's admission rules, in total and per client address: open connections, requests
/// in flight, and request-body bytes held in memory. Pure counting (no I/O, no clock), so the
/// rules are unit-tested directly; the gateway acts on the answers.
///
/// - Connections: one address may hold `perClientConnections` (429, then close, beyond). The
///   last `healthReserve` slots under `maxConnections` are given only to `/health` (any other
///   request on them gets 503), so a full gateway still answers its health check; beyond
///   `maxConnections`, 503 and close.
/// - Requests in flight: one address may have `perClientRequests` being answered at once (429).
/// - Body memory: a request's body is read only once its size (the announced `Content-Length`,
///   `maxBody` for a chunked one) is reserved against `bodyMemory` in total and
///   `perClientBodyMemory` per address; until then its connection is not read (the kernel and
///   the client hold the bytes). One request at a time may always proceed, whatever its size.
struct Admission {
    struct Limits {
        var maxConnections = 10_000
        var healthReserve = 16
        var perClientConnections = 256
        var perClientRequests = 128
        var bodyMemory = 64 << 20
        var perClientBodyMemory = 32 << 20
    }

    enum ConnectionVerdict: Equatable {
        case accept
        /// Only `/health` may be asked on it.
        case healthOnly
        /// The gateway is full (503).
        case full
        /// This address holds its share of connections (429).
        case clientFull
    }

    let limits: Limits
    private(set) var connections = 0
    private var connectionsByClient: [String: Int] = [:]
    private var requestsByClient: [String: Int] = [:]
    private(set) var bodyHeld = 0
    private var bodyByClient: [String: Int] = [:]

    init(limits: Limits) { self.limits = limits }

    func connections(of client: String) -> Int { connectionsByClient[client] ?? 0 }
    func requests(of client: String) -> Int { requestsByClient[client] ?? 0 }
    func bodyHeld(by client: String) -> Int { bodyByClient[client] ?? 0 }

    /// A new connection from `client`; counted unless refused.
    mutating func openConnection(_ client: String) -> ConnectionVerdict {
        guard connections < limits.maxConnections else { return .full }
        guard connections(of: client) < limits.perClientConnections else { return .clientFull }
        connections += 1
        connectionsByClient[client, default: 0] += 1
        let reserve = min(limits.healthReserve, limits.maxConnections / 10)
        return connections > limits.maxConnections - reserve ? .healthOnly : .accept
    }

    mutating func closeConnection(_ client: String) {
        connections -= 1
        Self.decrement(&connectionsByClient, client, by: 1)
    }

    /// A request from `client` is about to be handled; false: it has too many in flight (429).
    mutating func startRequest(_ client: String) -> Bool {
        guard requests(of: client) < limits.perClientRequests else { return false }
        requestsByClient[client, default: 0] += 1
        return true
    }

    mutating func finishRequest(_ client: String) {
        Self.decrement(&requestsByClient, client, by: 1)
    }

    /// Reserves `bytes` of body memory for `client`; false: wait for memory to free.
    mutating func reserveBody(_ bytes: Int, for client: String) -> Bool {
        let mine = bodyHeld(by: client)
        let fits = bodyHeld + bytes <= limits.bodyMemory && mine + bytes <= limits.perClientBodyMemory
        guard fits || bodyHeld == 0 else { return false }
        bodyHeld += bytes
        bodyByClient[client, default: 0] += bytes
        return true
    }

    mutating func releaseBody(_ bytes: Int, for client: String) {
        bodyHeld -= bytes
        Self.decrement(&bodyByClient, client, by: bytes)
    }

    private static func decrement(_ counts: inout [String: Int], _ key: String, by amount: Int) {
        let left = (counts[key] ?? 0) - amount
        counts[key] = left > 0 ? left : nil
    }
}
