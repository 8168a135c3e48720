import FaaSSystem

/// One `follow=1` stream: where it is in its function's log, and its poll timer. Woken by
/// `FunctionLogs` when this gateway wrote the function's lines; polls otherwise.
final class LogFollower {
    let function: String
    let session: HTTPSession
    private var position: FunctionLogStore.Position
    private unowned let logs: FunctionLogs
    private var timer: TimerQueue.ID?
    private var reading = false
    private var again = false
    private var stopped = false

    init(function: String, session: HTTPSession, position: FunctionLogStore.Position, logs: FunctionLogs) {
        self.function = function
        self.session = session
        self.position = position
        self.logs = logs
    }

    func schedulePoll() {
        guard !stopped else { return }
        timer = logs.schedule(after: FunctionLogs.pollInterval) { [weak self] in
            self?.timer = nil
            self?.wake()
            self?.schedulePoll()
        }
    }

    /// Reads what is new and sends it; one read at a time (a wake meanwhile reads again after).
    func wake() {
        guard !stopped else { return }
        guard !reading else { again = true; return }
        reading = true
        logs.read(function: function, from: position) { [weak self] outcome in
            guard let self, !self.stopped else { return }
            self.reading = false
            if case .success(let (lines, position)) = outcome {
                self.position = position
                if !lines.isEmpty { self.session.sendChunk(lines) }
            }
            if self.again {
                self.again = false
                self.wake()
            }
        }
    }

    func stop() {
        stopped = true
        if let timer { logs.cancel(timer) }
        timer = nil
    }
}
