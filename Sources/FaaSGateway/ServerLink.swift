import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm

/// The gateway's one multiplexed connection to the server: many invokes in flight, matched to
/// their results by id. Reconnects by itself; while it is down, invokes fail at once (503).
final class ServerLink {
    typealias Completion = (ResultMessage) -> Void

    private let link: ReconnectingChannel
    private let loop: EventLoop
    private var pings: [UInt64: (completion: (ChainCheck) -> Void, timer: TimerQueue.ID)] = [:]
    private var waiting: [UInt64: (completion: Completion, deadline: Double)] = [:]
    private var nextID: UInt64 = 1
    /// Beyond the function's own limit: the load balancer's queue wait (FAAS_QUEUE_TIMEOUT,
    /// 30 s by default) and a margin, so its 503 arrives before this backstop's 504.
    private let backstopSlack: Double

    init(path: String, loop: EventLoop, log: Logger, queueTimeout: Double) {
        backstopSlack = queueTimeout + 5
        self.loop = loop
        link = ReconnectingChannel(path: path, peer: "server", loop: loop, log: log)
        link.onMessage = { [unowned self] message in self.received(message, log: log) }
        // What the server held is lost with the connection.
        link.onDisconnect = { [unowned self] _ in
            self.failAll(.noWorker, "the server connection was lost")
            for id in Array(self.pings.keys) { self.answerPing(id, .serverUnreachable) }
        }
    }

    var isConnected: Bool { link.isConnected }
    /// The server's workers by state, from its last pong.
    private(set) var workers: PongMessage.WorkerCounts?
    var inFlight: Int { waiting.count }

    func connect() { link.connect() }

    /// Sends an invoke; `completion` runs exactly once, with the result or a failure.
    /// The wait is bounded (timeout + queue timeout + 5 s) even if the server never answers.
    func invoke(fn: String, payload: [UInt8], timeout: Double, memory: Int?, concurrency: Int?, context: InvocationContext? = nil,
                completion: @escaping Completion) {
        let id = nextID
        guard link.send(.invoke(InvokeMessage(id: id, fn: fn, payload: payload, timeout: timeout, memory: memory, concurrency: concurrency,
                                              context: context))) else {
            completion(.failure(id: nil, .noWorker, "the server is unavailable"))
            return
        }
        nextID += 1
        waiting[id] = (completion, EventLoop.now() + timeout + backstopSlack)
    }

    /// Pings the chain; `completion` runs once: the server's pong, or a failure after `deadline`.
    func ping(deadline: Double, completion: @escaping (ChainCheck) -> Void) {
        let id = nextID
        guard link.send(.ping(PingMessage(id: id))) else { return completion(.serverUnreachable) }
        nextID += 1
        let timer = loop.schedule(after: deadline) { [unowned self] in self.answerPing(id, .serverSilent) }
        pings[id] = (completion, timer)
    }

    private func answerPing(_ id: UInt64, _ check: ChainCheck) {
        guard let ping = pings.removeValue(forKey: id) else { return }
        if check != .serverSilent { loop.cancel(ping.timer) }
        ping.completion(check)
    }

    /// Fails invokes whose server never answered in time (a backstop: the server has its own).
    func expireOverdue(now: Double) {
        let overdue = waiting.filter { $0.value.deadline <= now }
        for (id, entry) in overdue {
            waiting.removeValue(forKey: id)
            entry.completion(.failure(id: id, .timeout, "no answer from the server in time"))
        }
    }

    func stop() {
        link.stop()
        failAll(.noWorker, "the gateway is shutting down")
    }

    private func received(_ message: WireMessage, log: Logger) {
        if case .pong(let pong) = message {
            if let counts = pong.workers { workers = counts }
            let state = pong.loadBalancer ?? .ok
            return answerPing(pong.id, state == .ok ? .healthy : .loadBalancer(state))
        }
        guard case .result(let result) = message, let id = result.id else {
            log.warn("unexpected message from server")
            return
        }
        waiting.removeValue(forKey: id)?.completion(result)
    }

    private func failAll(_ code: FailureCode, _ why: String) {
        let all = waiting
        waiting = [:]
        for (id, entry) in all { entry.completion(.failure(id: id, code, why)) }
    }
}
