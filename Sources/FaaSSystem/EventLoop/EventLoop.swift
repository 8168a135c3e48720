import Glibc
import CFaaSSystem

/// A single-threaded epoll event loop in the spirit of redis' `ae`: descriptors with handlers,
/// one-shot timers, signals read from a signalfd, and tasks deferred to the next turn.
/// Everything runs on the thread that calls `run()`; handlers never run concurrently.
public final class EventLoop {
    public struct Interest: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Interest(rawValue: EPOLLIN.rawValue)
        public static let writable = Interest(rawValue: EPOLLOUT.rawValue)
    }

    /// What epoll reported; hang-ups and errors count as readable so the reader sees EOF/errno.
    public struct Readiness: Sendable {
        public let readable: Bool
        public let writable: Bool
        /// Both directions are gone (EPOLLHUP / EPOLLERR): reported even with no interest set.
        public let hangup: Bool
    }

    public typealias Handler = (Readiness) -> Void

    private struct Registration {
        let generation: UInt32
        let handler: Handler
    }

    private let epoll: FileDescriptor
    private var registrations: [Int32: Registration] = [:]
    private var nextGeneration: UInt32 = 1
    private var timers = TimerQueue()
    private var deferred: [() -> Void] = []
    private var signalFD: FileDescriptor?
    private var signalHandlers: [Int32: (Int32) -> Void] = [:]
    /// The loop's own blocking-work thread and the queue its results come back through,
    /// started on first use (`runBlocking`, `completions()`).
    private var blockingThread: SerialWorkThread?
    private var completionQueue: LoopCompletionQueue?
    private var running = false

    /// One read buffer for every connection on this loop: reads are handed out synchronously,
    /// so thousands of idle connections cost no buffer memory.
    public let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    public init() throws {
        epoll = FileDescriptor(rawValue: try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) })
    }

    deinit {
        // Work already queued (a folder being removed) finishes before the loop's memory goes.
        blockingThread?.stop()
        readBuffer.deallocate()
        signalFD?.close()
        epoll.close()
    }

    /// Seconds on the monotonic clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: descriptors

    public func register(_ fd: FileDescriptor, _ interest: Interest, handler: @escaping Handler) throws {
        let generation = nextGeneration
        nextGeneration &+= 1
        var event = epoll_event()
        event.events = Self.epollEvents(interest)
        event.data.u64 = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd.rawValue))
        try syscall("epoll_ctl(ADD)") { epoll_ctl(epoll.rawValue, EPOLL_CTL_ADD, fd.rawValue, &event) }
        registrations[fd.rawValue] = Registration(generation: generation, handler: handler)
    }

    public func modify(_ fd: FileDescriptor, _ interest: Interest) throws {
        guard let registration = registrations[fd.rawValue] else { return }
        var event = epoll_event()
        event.events = Self.epollEvents(interest)
        event.data.u64 = UInt64(registration.generation) << 32 | UInt64(UInt32(bitPattern: fd.rawValue))
        try syscall("epoll_ctl(MOD)") { epoll_ctl(epoll.rawValue, EPOLL_CTL_MOD, fd.rawValue, &event) }
    }

    /// Peer shutdowns wake readers only: a paused reader must not spin on a level-triggered RDHUP.
    private static func epollEvents(_ interest: Interest) -> UInt32 {
        interest.rawValue | (interest.contains(.readable) ? EPOLLRDHUP.rawValue : 0)
    }

    /// Forgets a descriptor. Call before closing it: events already fetched for it in this turn
    /// are dropped thanks to the generation tag, even if the number is reused at once.
    public func unregister(_ fd: FileDescriptor) {
        guard registrations.removeValue(forKey: fd.rawValue) != nil else { return }
        var event = epoll_event()
        _ = epoll_ctl(epoll.rawValue, EPOLL_CTL_DEL, fd.rawValue, &event)
    }

    // MARK: timers and tasks

    @discardableResult
    public func schedule(after seconds: Double, _ body: @escaping () -> Void) -> TimerQueue.ID {
        timers.add(deadline: EventLoop.now() + max(0, seconds), body)
    }

    public func cancel(_ timer: TimerQueue.ID) {
        timers.cancel(timer)
    }

    /// Runs `body` at the start of the next turn, after the current handler returns.
    public func execute(_ body: @escaping () -> Void) {
        deferred.append(body)
    }

    /// Runs `work` on the loop's blocking-work thread (started on first use), then
    /// `completion` with its result back on this loop: disk work that may block (fsync, flock,
    /// removing a tree) must not stall every peer of a single-threaded daemon.
    /// The one mechanism for blocking work: a `SerialWorkThread` reporting through this loop's
    /// `LoopCompletionQueue` (a daemon that needs a thread of its own, such as the invocation
    /// database, makes another `SerialWorkThread` on the same queue).
    public func runBlocking<T: Sendable>(_ work: @escaping @Sendable () -> T, then completion: @escaping (T) -> Void) {
        if blockingThread == nil, let queue = try? completions() {
            blockingThread = SerialWorkThread(name: "faas-blocking", completions: queue)
        }
        guard let blockingThread else {
            // No eventfd could be had (no descriptors left): the work still gets done, here.
            let result = work()
            execute { completion(result) }
            return
        }
        blockingThread.submit(work, completion: completion)
    }

    /// This loop's queue for results coming back from other threads (made on first use, on the
    /// loop's thread).
    public func completions() throws -> LoopCompletionQueue {
        if let completionQueue { return completionQueue }
        let queue = try LoopCompletionQueue(loop: self)
        completionQueue = queue
        return queue
    }

    // MARK: signals

    /// Routes `signals` to `handler` through the loop's one signalfd (called again, it adds
    /// signals). The signals are blocked for the whole process; children get the mask back
    /// (the spawner sees to it).
    public func onSignals(_ signals: [Int32], handler: @escaping (Int32) -> Void) throws {
        try Signals.block(signals)
        for signal in signals { signalHandlers[signal] = handler }
        var mask = Signals.set(Array(signalHandlers.keys))
        if let signalFD {
            try syscall("signalfd") { signalfd(signalFD.rawValue, &mask, 0) }
            return
        }
        let fd = FileDescriptor(rawValue: try syscall("signalfd") {
            signalfd(-1, &mask, Int32(SFD_NONBLOCK) | Int32(SFD_CLOEXEC))
        })
        signalFD = fd
        try register(fd, .readable) { [unowned self] _ in self.drainSignals() }
    }

    private func drainSignals() {
        guard let fd = signalFD else { return }
        var info = signalfd_siginfo()
        while true {
            let n = withUnsafeMutableBytes(of: &info) { raw in Glibc.read(fd.rawValue, raw.baseAddress, raw.count) }
            guard n == MemoryLayout<signalfd_siginfo>.size else { return }
            let signal = Int32(info.ssi_signo)
            signalHandlers[signal]?(signal)
        }
    }

    // MARK: running

    public func stop() { running = false }

    public func run() throws {
        running = true
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while running {
            runDeferred()
            if !running { break }
            var timeout: Int32 = -1
            if !deferred.isEmpty {
                timeout = 0
            } else if let deadline = timers.nextDeadline() {
                let wait = (deadline - EventLoop.now()) * 1000
                timeout = wait <= 0 ? 0 : Int32(min(wait.rounded(.up), 60_000))
            }
            let count = try syscall("epoll_wait") { epoll_wait(epoll.rawValue, events, Int32(capacity), timeout) }
            for index in 0..<Int(count) {
                let event = events[index]
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: event.data.u64))
                let generation = UInt32(truncatingIfNeeded: event.data.u64 >> 32)
                guard let registration = registrations[fd], registration.generation == generation else { continue }
                let bad = EPOLLERR.rawValue | EPOLLHUP.rawValue | EPOLLRDHUP.rawValue
                let readiness = Readiness(
                    readable: event.events & (EPOLLIN.rawValue | bad) != 0,
                    writable: event.events & (EPOLLOUT.rawValue | EPOLLERR.rawValue) != 0,
                    hangup: event.events & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                )
                registration.handler(readiness)
            }
            let now = EventLoop.now()
            while let timer = timers.popExpired(now: now) { timer() }
        }
        // Writes queued by the last turn still go out.
        runDeferred()
    }

    private func runDeferred() {
        while !deferred.isEmpty {
            let tasks = deferred
            deferred.removeAll(keepingCapacity: true)
            for task in tasks { task() }
        }
    }
}
