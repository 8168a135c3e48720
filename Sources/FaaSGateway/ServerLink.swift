import FaaSCore

/// The gateway's one multiplexed connection to the server: many invokes in flight, matched to
/// their results by id. Reconnects by itself; while it is down, invokes fail at once (503).
final class ServerLink {
    typealias Completion = (ResultMessage) -> Void

    private let path: String
    private let loop: EventLoop
    private let log: Logger
    private var channel: MessageChannel?
    private var waiting: [UInt64: (completion: Completion, deadline: Double)] = [:]
    private var nextID: UInt64 = 1
    private var stopped = false

    init(path: String, loop: EventLoop, log: Logger) {
        self.path = path
        self.loop = loop
        self.log = log
    }

    var isConnected: Bool { channel != nil }
    var inFlight: Int { waiting.count }

    func connect() {
        guard !stopped, channel == nil else { return }
        let fd: FileDescriptor
        do {
            fd = try Socket.connectUnix(path: path)
        } catch {
            log.debug("server not reachable: \(error)")
            loop.schedule(after: 0.2) { [unowned self] in self.connect() }
            return
        }
        let channel = MessageChannel(connection: Connection(loop: loop, socket: fd))
        channel.onMessage = { [unowned self] message in self.received(message) }
        channel.onClose = { [unowned self] why in
            self.channel = nil
            self.log.warn("server connection lost", ["reason": why, "in_flight": self.waiting.count])
            self.failAll(.noWorker, "the server connection was lost")
            self.loop.schedule(after: 0.1) { [unowned self] in self.connect() }
        }
        do {
            try channel.start()
        } catch {
            log.error("cannot watch server connection", ["error": error])
            return
        }
        self.channel = channel
        log.info("connected to server", ["socket": path])
    }

    /// Sends an invoke; `completion` runs exactly once, with the result or a failure.
    /// `deadline` (monotonic seconds) bounds the wait even if the server never answers.
    func invoke(fn: String, payload: [UInt8], timeout: Double, memory: Int?, completion: @escaping Completion) {
        guard let channel else {
            completion(.failure(id: nil, .noWorker, "the server is unavailable"))
            return
        }
        let id = nextID
        nextID += 1
        waiting[id] = (completion, EventLoop.now() + timeout + 5)
        channel.send(.invoke(InvokeMessage(id: id, fn: fn, payload: payload, timeout: timeout, memory: memory)))
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
        stopped = true
        failAll(.noWorker, "the gateway is shutting down")
        channel?.close("shutdown")
    }

    private func received(_ message: WireMessage) {
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
