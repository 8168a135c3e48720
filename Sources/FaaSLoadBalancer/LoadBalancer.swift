import FaaSSystem
import FaaSProtocol
import Glibc

/// Runs the load balancer until SIGTERM/SIGINT.
public func runLoadBalancer(_ options: LoadBalancerOptions) throws {
    Allocator.keepLargeBuffers()
    let loop = try EventLoop()
    let balancer = LoadBalancer(options: options, loop: loop)
    try balancer.start()
    try loop.run()
    balancer.shutdown()
}

/// Picks a worker for every invoke. Each connected server has its own pool of workers and its
/// own fair queue of invokes waiting for one (`Scheduler`: per-function limits, round robin);
/// jobs go back to the server that owns the worker.
final class LoadBalancer {
    private final class ServerPeer {
        let channel: MessageChannel
        var scheduler: Scheduler

        init(channel: MessageChannel, options: LoadBalancerOptions) {
            self.channel = channel
            self.scheduler = Scheduler(strategy: options.strategy, queueSize: options.queueSize, queueTimeout: options.queueTimeout,
                                       defaultShare: options.functionConcurrency, burstBelow: options.burstBelow)
        }
    }

    private let options: LoadBalancerOptions
    private let loop: EventLoop
    private let log: Logger
    private var listener: FileDescriptor?
    private var peers: [ObjectIdentifier: ServerPeer] = [:]

    init(options: LoadBalancerOptions, loop: EventLoop) {
        self.options = options
        self.loop = loop
        self.log = Logger(daemon: "load-balancer", level: options.logLevel)
    }

    func start() throws {
        let listener = try Socket.listenUnix(path: options.socketPath)
        self.listener = listener
        try loop.register(listener, .readable) { [unowned self] _ in self.acceptServers() }
        try loop.onSignals([SIGTERM, SIGINT]) { [unowned self] signal in
            self.log.info("stopping", ["signal": signal])
            self.loop.stop()
        }
        scheduleQueueSweep()
        log.info("listening", ["socket": options.socketPath, "strategy": options.strategy.rawValue, "queue": options.queueSize,
                               "function_concurrency": options.functionConcurrency == 0 ? "half the pool" : String(options.functionConcurrency),
                               "burst_below_s": options.burstBelow])
    }

    func shutdown() {
        for peer in peers.values {
            failQueued(peer, .noWorker, "load balancer is shutting down")
            peer.channel.close("shutdown")
        }
        if let listener {
            loop.unregister(listener)
            listener.close()
            unlink(options.socketPath)
        }
    }

    private func acceptServers() {
        guard let listener else { return }
        while true {
            let accepted: IOResult<FileDescriptor>
            do {
                accepted = try Socket.accept(listener)
            } catch {
                log.error("accept failed", ["error": error])
                return
            }
            guard case .processed(let fd) = accepted else { return }
            let channel = MessageChannel(connection: Connection(loop: loop, socket: fd))
            let peer = ServerPeer(channel: channel, options: options)
            let key = ObjectIdentifier(peer)
            peers[key] = peer
            channel.onMessage = { [unowned self, unowned peer] message in self.handle(message, from: peer) }
            channel.onClose = { [unowned self] why in
                guard let peer = self.peers.removeValue(forKey: key) else { return }
                self.log.info("server disconnected", ["reason": why, "workers": peer.scheduler.pool.workers.count])
                self.failQueued(peer, .noWorker, "server disconnected")
            }
            do {
                try channel.start()
                log.info("server connected", ["fd": fd.rawValue])
            } catch {
                log.error("cannot watch server connection", ["error": error])
                channel.close("\(error)")
            }
        }
    }

    private func handle(_ message: WireMessage, from peer: ServerPeer) {
        switch message {
        case .registerWorker(let register):
            peer.scheduler.register(id: register.workerID, pid: register.pid)
            log.info("worker registered", ["worker_id": register.workerID, "pid": register.pid])
            dispatchQueued(peer)
        case .unregisterWorker(let unregister):
            peer.scheduler.unregister(id: unregister.workerID, pid: unregister.pid)
            log.info("worker unregistered", ["worker_id": unregister.workerID, "pid": unregister.pid])
            if peer.scheduler.pool.isEmpty { failQueued(peer, .noWorker, "no worker is running") }
        case .workerDone(let done):
            peer.scheduler.done(id: done.workerID, pid: done.pid, job: done.id, now: EventLoop.now())
            dispatchQueued(peer)
        case .invoke(let invoke):
            route(invoke, from: peer)
        case .ping(let ping):
            peer.channel.send(.pong(PongMessage(id: ping.id)))
        case .job, .forwardToWorker, .result, .pong:
            log.warn("unexpected message from server; dropping the connection")
            peer.channel.close("protocol error: unexpected message")
        }
    }

    private func route(_ invoke: InvokeMessage, from peer: ServerPeer) {
        // Only the id, the function and the limits are needed here; a payload a server sent
        // anyway is not kept (the server attaches its own copy to the job).
        var invoke = invoke
        invoke.payload = nil
        switch peer.scheduler.submit(invoke, now: EventLoop.now()) {
        case .forward(let worker, let job):
            forward(job, to: worker, via: peer)
        case .queued:
            break
        case .refused(let code, let why):
            peer.channel.send(.result(.failure(id: invoke.id, code, why)))
        }
    }

    private func forward(_ job: JobMessage, to worker: WorkerPool.Worker, via peer: ServerPeer) {
        peer.channel.send(.forwardToWorker(ForwardToWorkerMessage(workerID: worker.id, pid: worker.pid, job: job)))
    }

    private func dispatchQueued(_ peer: ServerPeer) {
        for (worker, job) in peer.scheduler.dispatch(now: EventLoop.now()) {
            forward(job, to: worker, via: peer)
        }
    }

    private func failQueued(_ peer: ServerPeer, _ code: FailureCode, _ why: String) {
        for id in peer.scheduler.removeAllWaiting() {
            peer.channel.send(.result(.failure(id: id, code, why)))
        }
    }

    /// Invokes that waited as long as they may (their own time limit, or the queue timeout)
    /// are answered rather than kept; checked often enough for short time limits.
    private func scheduleQueueSweep() {
        loop.schedule(after: min(0.1, options.queueTimeout / 2)) { [unowned self] in
            let now = EventLoop.now()
            for peer in self.peers.values where !peer.scheduler.queue.isEmpty {
                for expired in peer.scheduler.expire(now: now) {
                    peer.channel.send(.result(.failure(id: expired.id, expired.code, expired.why)))
                }
            }
            self.scheduleQueueSweep()
        }
    }
}
