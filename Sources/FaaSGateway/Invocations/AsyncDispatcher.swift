import FaaSSystem
import FaaSProtocol

/// Takes due queued invocations from the database and runs them through the server, on the
/// same link as sync calls, never more than `asyncConcurrency` at once (so async work leaves
/// the workers sync calls need). Each attempt ends in a final state or a retry with back-off.
final class AsyncDispatcher {
    private unowned let invocations: Invocations
    private let server: ServerLink
    private unowned let loop: EventLoop
    private let log: Logger
    private let limit: Int
    private(set) var inFlight = 0
    private var claiming = false
    private var started = false

    init(invocations: Invocations, server: ServerLink, loop: EventLoop, log: Logger) {
        self.invocations = invocations
        self.server = server
        self.loop = loop
        self.log = log
        self.limit = invocations.options.asyncConcurrency
    }

    func start() {
        started = true
        tick()
    }

    /// A poll for due retries (their back-off ends) and for a server that came back.
    private func tick() {
        pump()
        loop.schedule(after: 0.25) { [weak self] in self?.tick() }
    }

    /// Claims as many due invocations as there is room for. While the server is unreachable
    /// nothing is claimed: waiting for it costs no attempt.
    func pump() {
        guard started, !claiming, server.isConnected, inFlight < limit else { return }
        claiming = true
        let room = limit - inFlight
        invocations.database({ try $0.claim(limit: room, now: InvocationStore.now()) }) { [weak self] result in
            guard let self else { return }
            self.claiming = false
            switch result {
            case .success(let records):
                for record in records { self.run(record) }
                if records.count == room { self.pump() }
            case .failure(let error):
                self.log.error("cannot claim queued invocations", ["error": error])
            }
        }
    }

    private func run(_ record: InvocationRecord) {
        inFlight += 1
        let started = EventLoop.now()
        // Records from before request ids ran under their invocation id.
        let context = InvocationContext(requestID: record.requestID ?? record.id)
        server.invoke(fn: record.functionID, payload: record.payload, timeout: record.timeout ?? 10, memory: record.memory,
                      concurrency: invocations.concurrencyOf(record.functionID), context: context) { [weak self] result in
            guard let self else { return }
            self.inFlight -= 1
            self.invocations.onResult(record, result)
            if !result.ok {
                self.log.info("async invocation attempt failed", ["id": record.id, "request_id": context.requestID, "fn": record.functionID,
                                                                  "code": (result.code ?? .internal).rawValue])
            }
            self.settle(record, result, duration: EventLoop.now() - started)
        }
    }

    private func settle(_ record: InvocationRecord, _ result: ResultMessage, duration: Double) {
        let decision = RetryPolicy.decide(result, attempts: record.attempts, maxRetries: record.maxRetries, retryFailures: record.retryFailures)
        let id = record.id
        switch decision {
        case .final(let state):
            invocations.database({ try $0.finish(id: id, state: state, result: result, duration: duration, now: InvocationStore.now()) }) { [weak self] outcome in
                guard let self else { return }
                switch outcome {
                case .success(true):
                    self.invocations.countFinished(state)
                    self.invocations.finished(hasCallback: record.callbackURL != nil)
                case .success(false):
                    self.log.warn("result for an invocation no longer running ignored", ["id": id])
                case .failure(let error):
                    // It stays `running`; the next gateway start queues it again.
                    self.log.error("cannot record an invocation's result", ["id": id, "error": error])
                }
                self.pump()
            }
        case .retry(let delay):
            invocations.countRetry()
            log.info("async invocation retried", ["id": id, "request_id": record.requestID ?? id, "attempt": record.attempts, "in": delay, "error": result.error ?? "-"])
            let at = InvocationStore.now() + delay
            invocations.database({ try $0.retry(id: id, at: at, error: result.error) }) { [weak self] outcome in
                if case .failure(let error) = outcome { self?.log.error("cannot requeue an invocation", ["id": id, "error": error]) }
                self?.pump()
            }
        }
    }
}
