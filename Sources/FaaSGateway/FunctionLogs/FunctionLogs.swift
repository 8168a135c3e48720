import FaaSSystem
import FaaSHTTP

/// Function logs on the gateway's loop: each call's log lines are stamped and batched here, and
/// written by one thread of their own (`FunctionLogStore`), so the invoke path only appends to
/// an array. Followers (`GET /function/N/logs?follow=1`) are woken when this gateway wrote their
/// function's lines, and poll the file now and then for lines other gateways wrote.
final class FunctionLogs {
    private unowned let loop: EventLoop
    private let log: Logger
    private let completions: LoopCompletionQueue
    private let thread: SerialWorkThread
    /// Used on `thread` only.
    private let store: FunctionLogStore
    /// Most of one call's log kept (the store's rotation size: more would rotate away at once).
    private let maxPerCall: Int
    private var pending: [String: [UInt8]] = [:]
    private var flushScheduled = false
    private var followers: [ObjectIdentifier: LogFollower] = [:]
    private var stopped = false
    /// How often a follower looks at its file without being woken (other gateways' lines).
    static let pollInterval = 1.0

    init(directory: String, maxBytes: Int, loop: EventLoop, log: Logger) throws {
        self.loop = loop
        self.log = log
        store = try FunctionLogStore(directory: directory, maxBytes: maxBytes)
        maxPerCall = maxBytes
        completions = try LoopCompletionQueue(loop: loop)
        thread = SerialWorkThread(name: "faas-function-logs", completions: completions)
    }

    var followerCount: Int { followers.count }

    /// Appends a call's log (`ResultMessage.log`) to the function's log, stamped now.
    func append(function name: String, version: Int, requestID: String, log text: String?) {
        guard var text, !text.isEmpty, !stopped else { return }
        text = FunctionLogEntries.bounded(text, maxBytes: maxPerCall)
        let lines = FunctionLogEntries.encode(text, time: UTCTimestamp.now(), requestID: requestID, version: version)
        guard !lines.isEmpty else { return }
        pending[name, default: []].append(contentsOf: lines)
        if !flushScheduled {
            flushScheduled = true
            loop.schedule(after: 0.05) { [weak self] in self?.flush() }
        }
    }

    private func flush() {
        flushScheduled = false
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = [:]
        let store = self.store
        thread.submit({ () -> [(String, String)] in
            var failures: [(String, String)] = []
            for (name, lines) in batch {
                do { try store.append(name, lines) } catch { failures.append((name, "\(error)")) }
            }
            return failures
        }) { [weak self] failures in
            guard let self else { return }
            for (name, error) in failures { self.log.error("cannot write a function's log", ["function": name, "error": error]) }
            for follower in self.followers.values where batch[follower.function] != nil { follower.wake() }
        }
    }

    /// The last `count` lines at or after `since`, oldest first.
    func tail(function name: String, count: Int, since: String?, completion: @escaping (Result<[UInt8], any Error>) -> Void) {
        let store = self.store
        thread.submit({ Result { try store.tail(name, count: count, since: since) } }, completion: completion)
    }

    /// Streams the tail, then every line appended, to `session` until it closes.
    func follow(function name: String, count: Int, since: String?, session: HTTPSession, head: HTTPResponse) {
        let store = self.store
        thread.submit({ Result { (try store.tail(name, count: count, since: since), store.end(name)) } }) { [weak self] outcome in
            guard let self else { return }
            guard !session.isClosed else { return }
            switch outcome {
            case .failure(let error):
                self.log.error("cannot read a function's log", ["function": name, "error": error])
                session.respond(HTTPResponse.jsonError(status: .internalServerError, message: "cannot read the function's log"), keepAlive: false)
            case .success(let (lines, position)):
                session.startStream(head)
                session.sendChunk(lines)
                let follower = LogFollower(function: name, session: session, position: position, logs: self)
                self.followers[ObjectIdentifier(session)] = follower
                follower.schedulePoll()
            }
        }
    }

    /// Reads what follows `position` on the logs' thread.
    func read(function name: String, from position: FunctionLogStore.Position,
              completion: @escaping (Result<(lines: [UInt8], position: FunctionLogStore.Position), any Error>) -> Void) {
        let store = self.store
        thread.submit({ Result { try store.read(name, from: position) } }, completion: completion)
    }

    func schedule(after seconds: Double, _ body: @escaping () -> Void) -> TimerQueue.ID { loop.schedule(after: seconds, body) }
    func cancel(_ timer: TimerQueue.ID) { loop.cancel(timer) }

    /// The session closed (the client left): its follower, if any, goes with its timer.
    func sessionClosed(_ session: HTTPSession) {
        followers.removeValue(forKey: ObjectIdentifier(session))?.stop()
    }

    /// A function was deleted: its pending lines, its files, and its followers' streams end.
    func delete(function name: String) {
        pending[name] = nil
        let store = self.store
        thread.enqueue { store.delete(name) }
        for (key, follower) in followers where follower.function == name {
            followers[key] = nil
            follower.stop()
            follower.session.endStream()
        }
    }

    /// The gateway drains: every stream ends, so no follower holds the shutdown.
    func endStreams() {
        for follower in followers.values {
            follower.stop()
            follower.session.endStream()
        }
        followers = [:]
    }

    /// Writes what is pending and stops the thread (the loop has stopped).
    func shutdown() {
        guard !stopped else { return }
        stopped = true
        let batch = pending
        pending = [:]
        let store = self.store
        let log = self.log
        thread.enqueue {
            for (name, lines) in batch {
                do { try store.append(name, lines) } catch { log.error("cannot write a function's log", ["function": name, "error": error]) }
            }
        }
        thread.stop()
    }
}
