import FaaSSystem
import Glibc

/// POSTs finished invocations' results to their `X-Callback-Url`: the result envelope as the
/// body, the invocation in headers. Retried with back-off; every attempt is recorded on the
/// invocation. An address the policy refuses is never connected to.
final class CallbackDelivery {
    static let maxAttempts = 6
    static let concurrency = 16
    /// A delivery not finished by then (the gateway died) is taken again.
    static let lease = 60.0

    private unowned let invocations: Invocations
    private unowned let loop: EventLoop
    private let log: Logger
    private let policy: CallbackPolicy
    private let client: CallbackClient
    private let resolver: SerialWorkThread
    private var inFlight = 0
    private var claiming = false

    init(invocations: Invocations, loop: EventLoop, log: Logger, policy: CallbackPolicy) {
        self.invocations = invocations
        self.loop = loop
        self.log = log
        self.policy = policy
        self.client = CallbackClient(loop: loop)
        // Host names are resolved off the loop, and off the database thread (DNS may be slow).
        self.resolver = SerialWorkThread(name: "faas-callback-dns", completions: invocations.completionQueue)
    }

    func start() { tick() }

    private func tick() {
        pump()
        loop.schedule(after: 0.5) { [weak self] in self?.tick() }
    }

    func pump() {
        guard !claiming, inFlight < Self.concurrency else { return }
        claiming = true
        let room = Self.concurrency - inFlight
        invocations.database({ try $0.claimCallbacks(now: InvocationStore.now(), limit: room, lease: Self.lease) }) { [weak self] result in
            guard let self else { return }
            self.claiming = false
            switch result {
            case .success(let records):
                for record in records { self.deliver(record) }
            case .failure(let error):
                self.log.error("cannot read due callbacks", ["error": error])
            }
        }
    }

    private func deliver(_ record: InvocationRecord) {
        guard let text = record.callbackURL, let url = CallbackURL(text) else {
            return attempted(record, delivered: false, error: "invalid callback URL", final: true)
        }
        inFlight += 1
        resolver.submit({ Self.resolve(url.host) }) { [weak self] address in
            guard let self else { return }
            guard let address else {
                self.inFlight -= 1
                return self.attempted(record, delivered: false, error: "cannot resolve \(url.host)", final: false)
            }
            guard self.policy.allows(host: url.host, address: address) else {
                self.inFlight -= 1
                self.log.warn("callback refused by FAAS_CALLBACK_ALLOW", ["id": record.id, "host": url.host])
                return self.attempted(record, delivered: false, error: "the address of \(url.host) is refused by FAAS_CALLBACK_ALLOW", final: true)
            }
            let headers = [("X-Invocation-Id", record.id), ("X-Invocation-State", record.state.rawValue), ("X-Function-Name", record.function)]
            let body = record.result.map(InvocationRecord.envelope) ?? Array(#"{"ok":false,"error":"cancelled"}"#.utf8)
            self.client.post(url, address: address, headers: headers, body: body) { [weak self] outcome in
                guard let self else { return }
                self.inFlight -= 1
                switch outcome {
                case .delivered: self.attempted(record, delivered: true, error: nil, final: true)
                case .failed(let why): self.attempted(record, delivered: false, error: why, final: false)
                }
                self.pump()
            }
        }
    }

    private func attempted(_ record: InvocationRecord, delivered: Bool, error: String?, final: Bool) {
        invocations.countCallback(delivered: delivered)
        let attempts = record.callbackAttempts + 1
        let state: String
        var nextAt = InvocationStore.now()
        if delivered {
            state = "delivered"
        } else if final || attempts >= Self.maxAttempts {
            state = "failed"
            log.warn("callback given up", ["id": record.id, "attempts": attempts, "error": error ?? "-"])
        } else {
            state = "pending"
            nextAt += RetryPolicy.backoff(attempt: attempts) * 2
        }
        let id = record.id
        invocations.database({ try $0.callbackAttempted(id: id, state: state, nextAt: nextAt, error: error) }) { [weak self] result in
            if case .failure(let error) = result { self?.log.error("cannot record a callback attempt", ["id": id, "error": error]) }
        }
    }

    /// An IPv4 address for `host` (host byte order): a literal, or the first A record.
    static func resolve(_ host: String) -> UInt32? {
        if let literal = CallbackPolicy.parseIPv4(host) { return literal }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        guard let address = first.pointee.ai_addr else { return nil }
        return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
    }
}
