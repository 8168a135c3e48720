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
    /// Calls taken back from a dead worker, waiting for a registered worker (`requeueWaiting`).
    private var requeued: [UInt64] = []
    private var nextID: UInt64 = 1
    private var stopping = false
    /// Gateways' pings waiting for the load balancer's pong, by the id sent to it.
    private var pings: [UInt64: (client: UInt64, clientID: UInt64, timer: TimerQueue.ID)] = [:]
    /// How long a ping waits for the load balancer.
    private let pingDeadline = 1.0

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
        scheduleScaling()
        log.info("listening", ["socket": options.socketPath, "workers": options.workerCount, "max_workers": options.scaling.maximum,
                               "worker": options.workerPath])
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
                if slot.pid == pid, !self.stopping, !slot.retired {
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
        guard slot.isAlive, !slot.registered, !slot.retired, slot.jobs.isEmpty else { return }
        slot.registered = balancer.send(.registerWorker(RegisterWorkerMessage(workerID: slot.id, pid: slot.pid)))
        slot.idleSince = EventLoop.now()
        sendRequeued()
    }

    private func workerExited(_ slot: WorkerSlot, pid: pid_t, status: ExitStatus) {
        guard slot.pid == pid else { return }
        let uptime = EventLoop.now() - slot.startedAt
        if stopping {
            log.info("worker stopped", ["worker_id": slot.id, "pid": pid, "status": status])
        } else if slot.retired {
            log.info("worker retired", ["worker_id": slot.id, "pid": pid, "workers": slots.filter { $0.isAlive && $0.pid != pid }.count])
        } else {
            // The requests it was running, by id: their callers' answers carry the same ids.
            let requests = slot.jobs.compactMap { self.pending[$0]?.requestID }.joined(separator: ",")
            log.warn("worker exited", ["worker_id": slot.id, "pid": pid, "status": status, "uptime_s": String(format: "%.3f", uptime),
                                       "request_id": requests.isEmpty ? "-" : requests])
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
        let waiting = slot.jobs.dropFirst()
        if let running = slot.jobs.first {
            answer(running, .failure(id: nil, .internal, "the worker running this function died (\(status))"))
        }
        slot.jobs = []
        if slot.registered {
            balancer.send(.unregisterWorker(UnregisterWorkerMessage(workerID: slot.id, pid: pid)))
            slot.registered = false
        }
        // After the replacement below has registered: with a pool of one, the load balancer
        // would otherwise have no worker to give them.
        defer { requeueWaiting(Array(waiting), failure: "the worker this call was queued at died before running it (\(status))") }
        guard !stopping else {
            if slots.allSatisfy({ !$0.isAlive }) { loop.stop() }
            return
        }
        if slot.retired { return }
        // A worker that dies right after starting is restarted with growing delays.
        slot.quickDeaths = uptime < 1 ? slot.quickDeaths + 1 : 0
        let delay = slot.quickDeaths == 0 ? 0 : min(0.05 * pow(2, Double(slot.quickDeaths)), 5)
        scheduleRespawn(slot, after: delay)
    }

    /// Calls that never ran (queued at a worker that died first, or forwarded to a worker
    /// replaced meanwhile) go back to the load balancer, with what is left of their time limit.
    /// `failure` answers them when that cannot be done (shutting down, no load balancer).
    private func requeueWaiting(_ ids: [UInt64], failure: String) {
        for id in ids where pending[id] != nil {
            guard !stopping, balancer.isConnected, pending[id]?.payload != nil else {
                answer(id, .failure(id: nil, .noWorker, failure))
                continue
            }
            pending[id]?.stage = .atBalancer
            requeued.append(id)
        }
        sendRequeued()
    }

    /// Sends the calls `requeueWaiting` took back once the load balancer has a worker to give
    /// them: with a pool of one, only when the replacement has registered.
    private func sendRequeued() {
        guard !requeued.isEmpty, slots.contains(where: \.registered) else { return }
        let now = EventLoop.now()
        for id in requeued {
            guard let invoke = pending[id], case .atBalancer = invoke.stage else { continue }
            var routing = invoke.routing
            routing.timeout = max(0.001, invoke.timeLeft(now: now))
            balancer.send(.invoke(routing))
        }
        requeued = []
    }

    /// Requeued calls still waiting for a worker to register when their time limit is up.
    private func expireRequeued(now: Double) {
        requeued.removeAll { id in
            guard let invoke = pending[id] else { return true }
            guard invoke.timeLeft(now: now) <= 0 else { return false }
            answer(id, .failure(id: nil, .timeout, "timed out after \(invoke.routing.timeout ?? invoke.timeout) s waiting for a worker to replace the one that died"))
            return true
        }
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
        // The job queued behind it runs now: its copies are no longer needed here.
        if let next = slot.jobs.first {
            pending[next]?.payload = nil
            pending[next]?.context = nil
        }
        if let resultID = result.id, resultID != id {
            log.warn("worker answered out of order; replacing it", ["worker_id": slot.id, "expected": id, "got": resultID])
            answer(id, .failure(id: nil, .internal, "the worker broke protocol and was replaced"))
            slot.process?.kill()
            return
        }
        slot.process?.cancelDeadline()
        slot.timedJob = nil
        armDeadline(slot)
        if slot.jobs.isEmpty { slot.idleSince = EventLoop.now() }
        // The load balancer hears first (its write leaves first at the end of this turn): the
        // worker's next job waits on its answer, the caller only on ours.
        if slot.registered {
            balancer.send(.workerDone(WorkerDoneMessage(workerID: slot.id, pid: pid, id: id)))
        }
        answer(id, result)
        if !slot.registered {
            if slot.retired {
                if slot.jobs.isEmpty { stopRetired(slot) }
            } else {
                registerWithBalancer(slot)
            }
        }
    }

    /// Arms the kill timer for the job now at the head of the worker's queue.
    private func armDeadline(_ slot: WorkerSlot) {
        guard slot.timedJob == nil, let head = slot.jobs.first, let invoke = pending[head], let process = slot.process else { return }
        slot.timedJob = head
        process.setDeadline(after: invoke.timeout + killGrace) { [unowned self, unowned slot, unowned process] in
            slot.timedJob = nil
            self.log.warn("job over its time limit; killing its worker", ["worker_id": slot.id, "pid": process.pid, "timeout_s": invoke.timeout,
                                                                          "request_id": invoke.requestID ?? "-"])
            self.answer(head, .failure(id: nil, .timeout, "timed out after \(invoke.timeout) s"))
            // At once, not the worker's gentle teardown: a WebAssembly call cannot be interrupted.
            process.kill()
        }
    }

    // MARK: scaling (the decisions are WorkerScaler's; here: spawn one more, retire one)

    private lazy var scaler = WorkerScaler(policy: options.scaling)

    private func scheduleScaling() {
        loop.schedule(after: 0.1) { [unowned self] in
            guard !self.stopping else { return }
            self.expireRequeued(now: EventLoop.now())
            self.scale()
            self.scheduleScaling()
        }
    }

    private func scale() {
        guard balancer.isConnected else { return }
        let now = EventLoop.now()
        let alive = slots.filter { $0.isAlive && !$0.retired }
        let waiting = pending.values.filter { if case .atBalancer = $0.stage { return true } else { return false } }
        let snapshot = WorkerScaler.Snapshot(
            alive: alive.count, starting: alive.filter { !$0.registered && $0.jobs.isEmpty }.count, busy: alive.filter { !$0.jobs.isEmpty }.count,
            waiting: waiting.count, oldestWait: waiting.map { now - $0.since }.max(),
            idle: alive.filter { $0.registered && $0.jobs.isEmpty }.map { (id: $0.id, since: $0.idleSince) })
        switch scaler.decide(snapshot, now: now) {
        case .hold:
            break
        case .add(let count):
            log.info("scaling up", ["adding": count, "workers": alive.count + count, "waiting": waiting.count])
            for _ in 0..<count {
                // A retired slot is reused once its process is gone; otherwise a new one.
                let slot = slots.first { $0.retired && !$0.isAlive } ?? WorkerSlot(id: slots.count)
                if slot.id == slots.count { slots.append(slot) }
                slot.retired = false
                slot.quickDeaths = 0
                spawn(slot)
            }
        case .retire(let id):
            let slot = slots[id]
            log.info("scaling down: retiring an idle worker", ["worker_id": id, "pid": slot.pid, "workers": alive.count - 1])
            slot.retired = true
            if slot.registered {
                balancer.send(.unregisterWorker(UnregisterWorkerMessage(workerID: slot.id, pid: slot.pid)))
                slot.registered = false
            }
            // A job the load balancer forwarded before it read the unregister still runs here.
            if slot.jobs.isEmpty { stopRetired(slot) }
        }
    }

    /// Ends a retired worker: its stdin closes (it exits), TERM then KILL if it lingers.
    private func stopRetired(_ slot: WorkerSlot) {
        slot.channel?.close("retired")
        slot.process?.terminate()
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
        case .pong(let pong):
            answerPing(pong.id, .ok)
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
            // The worker died after the load balancer chose it: the call never ran, so it goes
            // back to the load balancer like the calls queued at that worker.
            balancer.send(.workerDone(WorkerDoneMessage(workerID: forward.workerID, pid: forward.pid, id: id)))
            requeueWaiting([id], failure: "the chosen worker restarted before the call reached it; try again")
            return
        }
        var job = forward.job
        job.payload = invoke.payload ?? []
        job.context = invoke.context
        // A job queued behind another keeps them until it runs (`requeueWaiting`).
        if slot.jobs.isEmpty {
            invoke.payload = nil
            invoke.context = nil
        }
        // The load balancer lowered the limit by the time the invoke waited for a worker.
        if let left = job.timeout { invoke.timeout = min(invoke.timeout, left) }
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
        if case .ping(let ping) = message { return relayPing(ping, client: client) }
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
        let context = invoke.context
        // The load balancer gets what it chooses by, not the payload (kept in `pending`).
        invoke.id = id
        invoke.timeout = timeout
        invoke.payload = nil
        invoke.context = nil
        pending[id] = PendingInvoke(client: client, clientID: clientID, timeout: timeout, since: EventLoop.now(), stage: .atBalancer,
                                    routing: invoke, payload: payload, context: context, requestID: context?.requestID,
                                    bodyForm: invoke.bodyForm)
        balancer.send(.invoke(invoke))
    }

    /// A gateway's ping: answered once the load balancer answered ours, or after
    /// `pingDeadline` without it (so a stopped load balancer is named, not waited for).
    private func relayPing(_ ping: PingMessage, client: UInt64) {
        guard balancer.isConnected else {
            clients[client]?.send(.pong(PongMessage(id: ping.id, loadBalancer: .unreachable)))
            return
        }
        let id = nextID
        nextID += 1
        let timer = loop.schedule(after: pingDeadline) { [unowned self] in self.answerPing(id, .timeout) }
        pings[id] = (client, ping.id, timer)
        balancer.send(.ping(PingMessage(id: id)))
    }

    private func answerPing(_ id: UInt64, _ state: PongMessage.PartState) {
        guard let ping = pings.removeValue(forKey: id) else { return }
        if state != .timeout { loop.cancel(ping.timer) }
        let alive = slots.filter { $0.isAlive && !$0.retired }
        clients[ping.client]?.send(.pong(PongMessage(id: ping.clientID, loadBalancer: state, workers: PongMessage.WorkerCounts(
            busy: alive.filter { !$0.jobs.isEmpty }.count, idle: alive.filter { $0.registered && $0.jobs.isEmpty }.count,
            starting: alive.filter { !$0.registered && $0.jobs.isEmpty }.count))))
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
