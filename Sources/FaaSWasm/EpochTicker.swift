#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Advances a wasmtime engine's epoch every `interval` on a thread of its own, so a call whose
/// store has an epoch deadline traps when its time is up, in the worker, which lives on.
/// Calls are bracketed by `begin`/`end`: after `idleTicks` without a call the thread parks until
/// the next `begin`, so an idle worker does not wake 100 times a second. Stopped and joined
/// before the engine is deleted (`stop`).
final class EpochTicker: @unchecked Sendable {
    /// One tick: deadlines are whole ticks, so a call stops at most one tick after its time.
    static let interval: Double = 0.010
    /// Ticks without a call before the thread parks (one second).
    static let idleTicks = 100

    private let engine: OpaquePointer
    private let increment: @convention(c) (OpaquePointer?) -> Void
    // Guarded by `mutex`: calls under way, whether the thread waits on `wake`, stop request.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var active = 0
    private var parked = false
    private var stopping = false
    private var thread = pthread_t()
    private var running = false

    init(engine: OpaquePointer, increment: @escaping @convention(c) (OpaquePointer?) -> Void) throws {
        self.engine = engine
        self.increment = increment
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
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

    /// Deadline for a call of `seconds`, in ticks beyond the current epoch: the call traps
    /// after at least `seconds` (and at most one tick more).
    static func ticks(forSeconds seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return UInt64(min((seconds / interval).rounded(.up), Double(UInt32.max))) + 1
    }

    /// A call starts: the epoch must advance until `end`.
    func begin() {
        pthread_mutex_lock(mutex)
        active += 1
        if parked { pthread_cond_signal(wake) }
        pthread_mutex_unlock(mutex)
    }

    func end() {
        pthread_mutex_lock(mutex)
        active -= 1
        pthread_mutex_unlock(mutex)
    }

    private func loop() {
        let nanos = Int(Self.interval * 1_000_000_000)
        var idle = 0
        pthread_mutex_lock(mutex)
        while !stopping {
            if active == 0 && idle >= Self.idleTicks {
                parked = true
                pthread_cond_wait(wake, mutex)
                parked = false
                idle = 0
                continue
            }
            idle = active == 0 ? idle + 1 : 0
            pthread_mutex_unlock(mutex)
            var ts = timespec(tv_sec: nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
            var rest = timespec()
            while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
            increment(engine)
            pthread_mutex_lock(mutex)
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
