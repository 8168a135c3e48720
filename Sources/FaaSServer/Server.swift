import FaaSSystem
import FaaSProtocol
import Foundation
import Glibc

/// Runs the server until SIGTERM/SIGINT, then shuts down gracefully.
public func runServer(_ options: ServerOptions) throws {
    Allocator.keepLargeBuffers()
    let loop = try EventLoop()
    let server = Server(options: options, loop: loop)
    try server.start()
    try loop.run()
    server.finish()
}

/// Pre-forks the workers and relays: `invoke` from gateways to the load balancer,
/// `forward_to_worker` from the load balancer to a worker's stdin pipe, and each worker's result
/// back to the gateway that asked (plus `worker_done` to the load balancer).
final class Server {
    private let options: ServerOptions
    private let loop: EventLoop
    private let log: Logger
    private var listener: FileDescriptor?
    /// Gateways by connection number: numbers are never reused, so a result can only reach
    /// the connection that asked.
    private var clients: [UInt64: MessageChannel] = [:]
    private var nextClient: UInt64 = 1
    private let balancer: ReconnectingChannel
    private var slots: [WorkerSlot]
    private var pending: [UInt64: PendingInvoke] = [:]
    private var nextID: UInt64 = 1
    private var stopping = false

    /// Seconds past a job's own limit before the server kills its worker. The worker enforces
    /// the limit itself (runtime deadlines for JS/Python, epoch traps with wasmtime's API) and
    /// answers 504 in time; this is the backstop for a worker that cannot (a WebAssembly call
    /// through the standard API) or does not answer, generous enough that a loaded machine
    /// never races the worker's own answer.
    private let killGrace = 2.0
    /// How a worker is stopped: its stdin is closed first (it exits by itself), then TERM,
    /// then KILL for one that does not listen.
    private static let workerTeardown = Teardown(signal: SIGTERM, grace: 3)

    init(options: ServerOptions, loop: EventLoop) {
        self.options = options
        self.loop = loop
        self.log = Logger(daemon: "server", level: options.logLevel)
        self.slots = (0..<options.workerCount).map { WorkerSlot(id: $0) }
        self.balancer = ReconnectingChannel(path: options.balancerSocketPath, peer: "load balancer", loop: loop, log: log)
    }

    func start() throws {
        try FileManager.default.createDirectory(atPath: options.functionsDirectory, withIntermediateDirectories: true)
        guard access(options.workerPath, X_OK) == 0 else {
            throw SpawnError.failed(options.workerPath, errno: ENOENT)
        }
        try loop.onSignals([SIGTERM, SIGINT]) { [unowned self] signal in self.beginShutdown(signal) }
        let listener = try Socket.listenUnix(path: options.socketPath)
        self.listener = listener
        try loop.register(listener, .readable) { [unowned self] _ in self.acceptClients() }
        for slot in slots { spawn(slot) }
        connectBalancer()
        log.info("listening", ["socket": options.socketPath, "workers": options.workerCount, "worker": options.workerPath])
        if options.sandboxOff { log.warn(CommonSettings.sandboxOffWarning) }
    }

    // MARK: workers

    private func spawn(_ slot: WorkerSlot) {
        guard !stopping else { return }
        do {
            let request = SpawnRequest(executable: options.workerPath, arguments: options.workerArguments(id: slot.id),
                                       environment: options.workerEnvironment)
            let process = try ChildProcess(request, pipes: [ChildPipe(.toChild, on: 0), ChildPipe(.fromChild, on: 1)],
                                           teardown: Self.workerTeardown, loop: loop)
            guard let connection = process.connection else { return }
            let pid = process.pid
            slot.process = process
            slot.pid = pid
            slot.startedAt = EventLoop.now()
            slot.jobs = []
            let channel = MessageChannel(connection: connection)
            slot.channel = channel
            channel.onMessage = { [unowned self, unowned slot] message in self.workerSaid(message, slot: slot, pid: pid) }
            channel.onClose = { [unowned self, unowned slot, weak process] why in
                // A worker breaking protocol is killed; its exit then comes through `onExit`.
                if slot.pid == pid, !self.stopping {
                    self.log.warn("worker pipe closed", ["worker_id": slot.id, "pid": pid, "reason": why])
                    process?.kill()
                }
            }
            process.onExit = { [unowned self, unowned slot] status in self.workerExited(slot, pid: pid, status: status) }
            try channel.start()
            log.info("worker started", ["worker_id": slot.id, "pid": pid])
            registerWithBalancer(slot)
        } catch {
            log.error("cannot start worker", ["worker_id": slot.id, "error": error])
            scheduleRespawn(slot, after: 1)
        }
    }

    private func registerWithBalancer(_ slot: WorkerSlot) {
        guard slot.isAlive, !slot.registered, slot.jobs.isEmpty else { return }
        slot.registered = balancer.send(.registerWorker(RegisterWorkerMessage(workerID: slot.id, pid: slot.pid)))
    }

    private func workerExited(_ slot: WorkerSlot, pid: pid_t, status: ExitStatus) {
        guard slot.pid == pid else { return }
        let uptime = EventLoop.now() - slot.startedAt
        if stopping {
            log.info("worker stopped", ["worker_id": slot.id, "pid": pid, "status": status])
        } else {
            log.warn("worker exited", ["worker_id": slot.id, "pid": pid, "status": status, "uptime_s": String(format: "%.3f", uptime)])
        }
        // pid 0 first: the channel's close handler must not signal a pid already reaped.
        slot.pid = 0
        slot.process = nil
        slot.channel?.close("worker exited")
        // The worker's private runtime folder (function copies, shims) goes with it, removed
        // off the loop: a large tree on a slow disk must not hold up relaying.
        let folder = "/tmp/faas-worker-\(pid)"
        loop.runBlocking({ try? FileManager.default.removeItem(atPath: folder) }, then: { _ in })
        slot.channel = nil
        slot.timedJob = nil
        for id in slot.jobs {
            answer(id, .failure(id: nil, .internal, "the worker running this function died (\(status))"))
        }
        slot.jobs = []
        if slot.registered {
            balancer.send(.unregisterWorker(UnregisterWorkerMessage(workerID: slot.id, pid: pid)))
            slot.registered = false
        }
        guard !stopping else {
            if slots.allSatisfy({ !$0.isAlive }) { loop.stop() }
            return
        }
        // A worker that dies right after starting is restarted with growing delays.
        slot.quickDeaths = uptime < 1 ? slot.quickDeaths + 1 : 0
        let delay = slot.quickDeaths == 0 ? 0 : min(0.05 * pow(2, Double(slot.quickDeaths)), 5)
        scheduleRespawn(slot, after: delay)
    }

    private func scheduleRespawn(_ slot: WorkerSlot, after delay: Double) {
        if delay == 0 { spawn(slot); return }
        loop.schedule(after: delay) { [unowned self, unowned slot] in
            if !slot.isAlive { self.spawn(slot) }
        }
    }

    private func workerSaid(_ message: WireMessage, slot: WorkerSlot, pid: pid_t) {
        guard case .result(let result) = message, slot.pid == pid else {
            log.warn("unexpected message from worker; replacing it", ["worker_id": slot.id])
            if slot.pid == pid { slot.process?.kill() }
            return
        }
        guard !slot.jobs.isEmpty else {
            log.warn("worker answered a job it was not given; replacing it", ["worker_id": slot.id])
            slot.process?.kill()
            return
        }
        let id = slot.jobs.removeFirst()
        if let resultID = result.id, resultID != id {
            log.warn("worker answered out of order; replacing it", ["worker_id": slot.id, "expected": id, "got": resultID])
            answer(id, .failure(id: nil, .internal, "the worker broke protocol and was replaced"))
            slot.process?.kill()
            return
        }
        slot.process?.cancelDeadline()
        slot.timedJob = nil
        armDeadline(slot)
        answer(id, result)
        if slot.registered {
            balancer.send(.workerDone(WorkerDoneMessage(workerID: slot.id, pid: pid, id: id)))
        } else {
            registerWithBalancer(slot)
        }
    }

    /// Arms the kill timer for the job now at the head of the worker's queue.
    private func armDeadline(_ slot: WorkerSlot) {
        guard slot.timedJob == nil, let head = slot.jobs.first, let invoke = pending[head], let process = slot.process else { return }
        slot.timedJob = head
        process.setDeadline(after: invoke.timeout + killGrace) { [unowned self, unowned slot, unowned process] in
            slot.timedJob = nil
            self.log.warn("job over its time limit; killing its worker", ["worker_id": slot.id, "pid": process.pid, "timeout_s": invoke.timeout])
            self.answer(head, .failure(id: nil, .timeout, "timed out after \(invoke.timeout) s"))
            // At once, not the worker's gentle teardown: a WebAssembly call cannot be interrupted.
            process.kill()
        }
    }

    // MARK: the load balancer

    private func connectBalancer() {
        balancer.onConnect = { [unowned self] in self.balancerConnected() }
        balancer.onDisconnect = { [unowned self] _ in self.balancerLost() }
        balancer.onMessage = { [unowned self] message in self.balancerSaid(message) }
        balancer.connect()
    }

    private func balancerConnected() {
        for slot in slots { registerWithBalancer(slot) }
    }

    private func balancerLost() {
        for slot in slots { slot.registered = false }
        // What the balancer held is lost with it.
        for (id, invoke) in pending {
            if case .atBalancer = invoke.stage {
                answer(id, .failure(id: nil, .noWorker, "the load balancer went away"))
            }
        }
    }

    private func balancerSaid(_ message: WireMessage) {
        switch message {
        case .forwardToWorker(let forward):
            dispatch(forward)
        case .result(let result):
            guard let id = result.id else { return }
            answer(id, result)
        default:
            log.warn("unexpected message from load balancer; reconnecting")
            balancer.reset("protocol error")
        }
    }

    private func dispatch(_ forward: ForwardToWorkerMessage) {
        let id = forward.job.id
        guard var invoke = pending[id] else {
            // The client left or the job timed out meanwhile; the worker is free again.
            balancer.send(.workerDone(WorkerDoneMessage(workerID: forward.workerID, pid: forward.pid, id: id)))
            return
        }
        let slot = slots.indices.contains(forward.workerID) ? slots[forward.workerID] : nil
        guard let slot, slot.pid == forward.pid, let channel = slot.channel else {
            answer(id, .failure(id: nil, .noWorker, "the chosen worker restarted; try again"))
            balancer.send(.workerDone(WorkerDoneMessage(workerID: forward.workerID, pid: forward.pid, id: id)))
            return
        }
        var job = forward.job
        job.payload = invoke.payload ?? []
        invoke.payload = nil
        invoke.stage = .atWorker(slot: slot.id)
        pending[id] = invoke
        slot.jobs.append(id)
        channel.send(.job(job))
        armDeadline(slot)
    }

    // MARK: clients (gateways)

    private func acceptClients() {
        guard let listener else { return }
        while true {
            let accepted: IOResult<FileDescriptor>
            do { accepted = try Socket.accept(listener) } catch {
                log.error("accept failed", ["error": error])
                return
            }
            guard case .processed(let fd) = accepted else { return }
            let channel = MessageChannel(connection: Connection(loop: loop, socket: fd))
            let key = nextClient
            nextClient += 1
            clients[key] = channel
            channel.onMessage = { [unowned self] message in self.clientSaid(message, client: key) }
            channel.onClose = { [unowned self] why in
                self.clients.removeValue(forKey: key)
                // Its invokes have no one to answer any more; jobs already at a worker finish
                // (their results are dropped), the rest are forgotten now.
                for (id, invoke) in self.pending where invoke.client == key {
                    if case .atBalancer = invoke.stage { self.pending.removeValue(forKey: id) }
                }
                self.log.info("client disconnected", ["reason": why])
            }
            do { try channel.start() } catch {
                log.error("cannot watch client connection", ["error": error])
                channel.close("\(error)")
            }
        }
    }

    private func clientSaid(_ message: WireMessage, client: UInt64) {
        guard case .invoke(var invoke) = message else {
            clients[client]?.close("protocol error: expected invoke")
            return
        }
        let clientID = invoke.id
        if stopping {
            clients[client]?.send(.result(.failure(id: clientID, .noWorker, "server is shutting down")))
            return
        }
        guard balancer.isConnected else {
            clients[client]?.send(.result(.failure(id: clientID, .noWorker, "load balancer unavailable")))
            return
        }
        guard let payload = invoke.payload else {
            clients[client]?.send(.result(.failure(id: clientID, .badRequest, "invoke without a payload")))
            return
        }
        let id = nextID
        nextID += 1
        let timeout = invoke.timeout ?? options.defaultTimeout
        pending[id] = PendingInvoke(client: client, clientID: clientID, timeout: timeout, stage: .atBalancer,
                                    payload: payload, bodyForm: invoke.bodyForm)
        // The load balancer gets what it chooses by, not the payload (kept in `pending`).
        invoke.id = id
        invoke.timeout = timeout
        invoke.payload = nil
        balancer.send(.invoke(invoke))
    }

    /// Sends the result to whoever asked, once; later answers for the same id are dropped.
    private func answer(_ id: UInt64, _ result: ResultMessage) {
        guard let invoke = pending.removeValue(forKey: id) else { return }
        var reply = result
        reply.id = invoke.clientID
        reply.bodyForm = invoke.bodyForm
        clients[invoke.client]?.send(.result(reply))
        if stopping && pending.isEmpty { stopWorkers() }
    }

    // MARK: shutdown

    private func beginShutdown(_ signal: Int32) {
        if stopping {
            log.warn("second signal: stopping now", ["signal": signal])
            for slot in slots { slot.process?.kill() }
            loop.stop()
            return
        }
        stopping = true
        log.info("shutting down", ["signal": signal, "in_flight": pending.count])
        closeListener()
        if pending.isEmpty {
            stopWorkers()
        } else {
            loop.schedule(after: options.shutdownGrace) { [unowned self] in
                for id in Array(self.pending.keys) {
                    self.answer(id, .failure(id: nil, .noWorker, "server shut down before the function finished"))
                }
                self.stopWorkers()
            }
        }
    }

    private var workersStopping = false

    /// Closing a worker's stdin ends it; its teardown (TERM, then KILL) covers one that does
    /// not listen. The loop stops when the last has been reaped, or a second after the KILL.
    private func stopWorkers() {
        guard !workersStopping else { return }
        workersStopping = true
        let alive = slots.filter(\.isAlive)
        if alive.isEmpty { loop.stop(); return }
        for slot in alive {
            slot.channel?.close("shutdown")
            slot.process?.terminate()
        }
        loop.schedule(after: Self.workerTeardown.grace + 1) { [unowned self] in self.loop.stop() }
    }

    private func closeListener() {
        guard let listener else { return }
        loop.unregister(listener)
        listener.close()
        self.listener = nil
        unlink(options.socketPath)
    }

    /// After the loop ends: nothing may outlive the server.
    func finish() {
        closeListener()
        for slot in slots { slot.process?.kill() }
        balancer.stop()
        for client in clients.values { client.close("shutdown") }
    }
}
