import FaaSSystem
import FaaSProtocol
import FaaSStore
import Foundation

/// The gateway's invocation records and async invocations, on the gateway's loop. Every
/// database call runs on one dedicated thread (`SerialWorkThread`); results come back to the
/// loop through a `LoopCompletionQueue`, so the loop never blocks on SQLite.
final class Invocations {
    let options: InvocationOptions
    private unowned let loop: EventLoop
    private let log: Logger
    private let server: ServerLink
    /// A function's own share of the workers (`&concurrency`), as the gateway's store knows it:
    /// async calls keep to it like sync ones.
    var concurrencyOf: (String) -> Int? = { _ in nil }
    /// Each result an async attempt got (the gateway appends its log to the function's).
    var onResult: (InvocationRecord, ResultMessage) -> Void = { _, _ in }
    private let completions: LoopCompletionQueue
    var completionQueue: LoopCompletionQueue { completions }
    private let thread: SerialWorkThread
    /// Used on `thread` only.
    private let store: InvocationStore
    private var ids = InvocationIDs()
    private(set) var metrics = InvocationMetrics()
    private var syncBatch: [InvocationRecord] = []
    private var syncFlushScheduled = false
    private var stopped = false
    private lazy var dispatcher = AsyncDispatcher(invocations: self, server: server, loop: loop, log: log)
    private lazy var callbacks = CallbackDelivery(invocations: self, loop: loop, log: log, policy: options.callbackPolicy)

    /// Opens (or creates and migrates) the database, and puts back in the queue what a killed
    /// gateway left running. Throws when the database cannot be opened: the gateway does not start.
    init(options: InvocationOptions, loop: EventLoop, server: ServerLink, log: Logger) throws {
        self.options = options
        self.loop = loop
        self.log = log
        self.server = server
        completions = try loop.completions()
        thread = SerialWorkThread(name: "faas-invocations", completions: completions)
        let path = options.databasePath
        let inlineMax = options.inlineMax
        let opened: Result<(InvocationStore, Int), Error> = thread.sync {
            Result {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                let store = try InvocationStore(path: path, inlineMax: inlineMax)
                return (store, try store.requeueRunning())
            }
        }
        switch opened {
        case .success(let (store, requeued)):
            self.store = store
            if requeued > 0 { log.warn("invocations left running by the last gateway are queued again", ["count": requeued]) }
        case .failure(let error):
            thread.stop()
            throw error
        }
        log.info("invocation store open", ["path": path, "async_concurrency": options.asyncConcurrency, "record_sync": options.recordSync])
    }

    func start() {
        dispatcher.start()
        callbacks.start()
        housekeeping()
    }

    /// Writes what is pending and closes the database (the loop has stopped).
    func shutdown() {
        guard !stopped else { return }
        stopped = true
        let batch = syncBatch
        syncBatch = []
        let store = self.store
        let log = self.log
        thread.enqueue {
            do { try store.recordSync(batch) } catch { log.error("cannot record sync invocations", ["error": error]) }
            store.close()
        }
        thread.stop()
    }

    func nextID() -> String { ids.next() }

    /// Runs `job` with the store on the database thread; `completion` gets its result on the loop.
    func database<T>(_ job: @escaping (InvocationStore) throws -> T, completion: @escaping (Result<T, Error>) -> Void) {
        let store = self.store
        thread.submit({ Result { try job(store) } }, completion: completion)
    }

    // MARK: async

    func submit(_ record: InvocationRecord, completion: @escaping (Result<InvocationStore.SubmitOutcome, Error>) -> Void) {
        database({ try $0.submit(record) }) { [weak self] result in
            if case .success(.created) = result {
                self?.metrics.submitted += 1
                self?.dispatcher.pump()
            }
            completion(result)
        }
    }

    /// A final state was recorded: a callback may be due.
    func finished(hasCallback: Bool) {
        if hasCallback { callbacks.pump() }
    }

    func countRetry() { metrics.retries += 1 }
    func countFinished(_ state: InvocationState) { metrics.finished[state.rawValue, default: 0] += 1 }
    func countCallback(delivered: Bool) {
        if delivered { metrics.callbacksDelivered += 1 } else { metrics.callbackFailures += 1 }
    }

    // MARK: sync

    /// Records a finished synchronous call, batched: one transaction per batch on the database
    /// thread, so the invoke path only appends to an array.
    func recordSync(id: String, metadata: FunctionMetadata, caller: String?, result: ResultMessage, submittedAt: Double, duration: Double,
                    requestID: String? = nil) {
        guard options.recordSync, !stopped else { return }
        var record = InvocationRecord(id: id, kind: .sync, function: metadata.name, functionID: metadata.id, version: metadata.version,
                                      state: Self.state(result), caller: caller, submittedAt: submittedAt)
        record.requestID = requestID
        record.finishedAt = submittedAt + duration
        record.duration = duration
        record.result = result
        syncBatch.append(record)
        if syncBatch.count >= 512 {
            flushSync()
        } else if !syncFlushScheduled {
            syncFlushScheduled = true
            loop.schedule(after: 0.05) { [weak self] in self?.flushSync() }
        }
    }

    private func flushSync() {
        syncFlushScheduled = false
        guard !syncBatch.isEmpty else { return }
        let batch = syncBatch
        syncBatch = []
        database({ try $0.recordSync(batch) }) { [weak self] result in
            if case .failure(let error) = result { self?.log.error("cannot record sync invocations", ["error": error, "count": batch.count]) }
        }
    }

    static func state(_ result: ResultMessage) -> InvocationState {
        if result.ok { return .succeeded }
        return result.code == .timeout ? .timedOut : .failed
    }

    // MARK: housekeeping

    /// Every few seconds: queue statistics for /metrics; every minute: pruning past the TTL.
    private func housekeeping(tick: Int = 0) {
        guard !stopped else { return }
        let ttl = options.ttl
        let prune = tick % 30 == 0
        database({ store -> (InvocationStore.QueueStats, Int) in
            let pruned = prune ? try store.prune(before: InvocationStore.now() - ttl) : 0
            return (try store.queueStats(), pruned)
        }) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let (stats, pruned)):
                self.metrics.queue = stats
                self.metrics.pruned += pruned
                if pruned > 0 { self.log.info("pruned finished invocations", ["count": pruned]) }
            case .failure(let error):
                self.log.error("invocation housekeeping failed", ["error": error])
            }
            self.loop.schedule(after: 2) { [weak self] in self?.housekeeping(tick: tick + 1) }
        }
    }

    func renderMetrics(into out: inout PrometheusText) {
        metrics.render(running: dispatcher.inFlight, now: InvocationStore.now(), into: &out)
    }
}
