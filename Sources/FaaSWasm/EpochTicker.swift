#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Advances a wasmtime engine's epoch when a call's time is up, on a thread of its own, so the
/// call (its store's epoch deadline is one tick) traps in the worker, which lives on. The thread
/// sleeps until the running call's deadline and ticks only if the call is still running then:
/// a call that ends in time costs no wake-up at all (a 10 ms tick cost 100 wake-ups a second
/// per worker under load). Stopped and joined before the engine is deleted (`stop`).
final class EpochTicker: @unchecked Sendable {
    /// The store's epoch deadline for a call with a time limit: the first tick ends it.
    static let deadlineTicks: UInt64 = 1

    private let engine: OpaquePointer
    private let increment: @convention(c) (OpaquePointer?) -> Void
    // Guarded by `mutex`: calls under way, the running call's deadline, stop request.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var active = 0
    /// CLOCK_MONOTONIC time at which the running call's epoch must advance; nil once ticked or ended.
    private var deadline: timespec?
    /// The time the thread waits until (nil: until woken).
    private var armed: timespec?
    private var stopping = false
    private var thread = pthread_t()
    private var running = false

    init(engine: OpaquePointer, increment: @escaping @convention(c) (OpaquePointer?) -> Void) throws {
        self.engine = engine
        self.increment = increment
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(wake, &attributes)
        pthread_condattr_destroy(&attributes)
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let ticker = Unmanaged<EpochTicker>.fromOpaque(raw!).takeRetainedValue()
            ticker.loop()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<EpochTicker>.fromOpaque(context).release()
            throw WasmError.engineFailed("pthread_create for the epoch ticker: \(String(cString: strerror(rc)))")
        }
        Self.name(thread, "faas-epoch")
        running = true
    }

    /// Names the thread for ps/top -H (at most 15 characters). pthread_setname_np is a GNU
    /// extension the Glibc module does not declare: looked up like the engine's symbols.
    private static func name(_ thread: pthread_t, _ name: String) {
        typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "pthread_setname_np") else { return }
        _ = unsafeBitCast(symbol, to: SetName.self)(thread, name)
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(mutex)
        wake.deallocate()
        mutex.deallocate()
    }

    /// A call with `seconds` to run starts: the epoch advances once they are over, unless `end`
    /// came first. The thread is woken only when it must wait for an earlier time than it does
    /// (it was idle): calls in a row with the same limit cost it one wake-up per limit, not one each.
    func begin(seconds: Double) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let limit = seconds.isFinite ? min(max(seconds, 0), Double(Int32.max)) : Double(Int32.max)
        var nanos = Int(now.tv_nsec) + Int((limit - limit.rounded(.down)) * 1e9)
        var secs = Int(now.tv_sec) + Int(limit)
        if nanos >= 1_000_000_000 { secs += 1; nanos -= 1_000_000_000 }
        let due = timespec(tv_sec: secs, tv_nsec: nanos)
        pthread_mutex_lock(mutex)
        active += 1
        deadline = due
        if armed.map({ Self.earlier(due, than: $0) }) ?? true { pthread_cond_signal(wake) }
        pthread_mutex_unlock(mutex)
    }

    func end() {
        pthread_mutex_lock(mutex)
        active -= 1
        if active == 0 { deadline = nil }
        pthread_mutex_unlock(mutex)
    }

    private static func earlier(_ a: timespec, than b: timespec) -> Bool {
        a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec)
    }

    private func loop() {
        pthread_mutex_lock(mutex)
        while !stopping {
            guard active > 0, let due = deadline else {
                armed = nil
                pthread_cond_wait(wake, mutex)
                continue
            }
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            if !Self.earlier(now, than: due) {
                // The running call's time is up: the tick that makes it trap.
                deadline = nil
                increment(engine)
                continue
            }
            var until = due
            armed = due
            _ = pthread_cond_timedwait(wake, mutex, &until)
        }
        pthread_mutex_unlock(mutex)
    }

    /// Ends the thread and waits for it: the engine may be deleted afterwards.
    func stop() {
        guard running else { return }
        running = false
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(wake)
        pthread_mutex_unlock(mutex)
        pthread_join(thread, nil)
    }
}
