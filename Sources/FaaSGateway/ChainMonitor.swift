import FaaSSystem

/// Pings the chain every `interval` and remembers when it last answered whole, so an invoke
/// can fail fast (503) while the server or load balancer is stopped instead of hanging until
/// the queue timeout. Slow is not dead: only a chain silent for `staleAfter` counts as down.
final class ChainMonitor {
    private let link: ServerLink
    private let loop: EventLoop
    private let log: Logger
    let interval: Double
    let deadline: Double
    let staleAfter: Double
    private var lastHealthy: Double
    private(set) var last: ChainCheck = .healthy
    private var inFlight = false

    init(link: ServerLink, loop: EventLoop, log: Logger, interval: Double = 0.5, deadline: Double = 1.5, staleAfter: Double = 2) {
        self.link = link
        self.loop = loop
        self.log = log
        self.interval = interval
        self.deadline = deadline
        self.staleAfter = staleAfter
        lastHealthy = EventLoop.now()
    }

    func start() {
        loop.schedule(after: interval) { [weak self] in
            guard let self else { return }
            self.probe()
            self.start()
        }
    }

    /// Why an invoke should be refused now, or nil. A server that is not connected at all is
    /// the link's own (immediate) refusal; this covers a connected chain that stopped answering.
    func failFastReason(now: Double) -> String? {
        guard link.isConnected, !last.isHealthy, now - lastHealthy > staleAfter else { return nil }
        return last.detail
    }

    /// One ping now, reported to `completion` (and remembered).
    func check(_ completion: @escaping (ChainCheck) -> Void) {
        link.ping(deadline: deadline) { [weak self] outcome in
            self?.record(outcome)
            completion(outcome)
        }
    }

    private func probe() {
        guard !inFlight else { return }
        inFlight = true
        check { [weak self] _ in self?.inFlight = false }
    }

    private func record(_ outcome: ChainCheck) {
        if outcome != last {
            if outcome.isHealthy { log.info("chain healthy again") } else { log.warn("chain unhealthy", ["part": outcome.part ?? "", "detail": outcome.detail]) }
        }
        last = outcome
        if outcome.isHealthy { lastHealthy = EventLoop.now() }
    }
}
