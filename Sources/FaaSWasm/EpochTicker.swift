#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Advances a wasmtime engine's epoch every `interval` on a thread of its own, so a call whose
/// store has an epoch deadline traps when its time is up, in the worker, which lives on.
/// Stopped and joined before the engine is deleted (`stop`, or deinit).
final class EpochTicker: @unchecked Sendable {
    /// One tick: deadlines are whole ticks, so a call stops at most one tick after its time.
    static let interval: Double = 0.010

    // Written once before the thread starts, read only by it.
    private let engine: OpaquePointer
    private let increment: @convention(c) (OpaquePointer?) -> Void
    private let stopping = Atomic<Bool>(false)
    private var thread = pthread_t()
    private var running = false

    init(engine: OpaquePointer, increment: @escaping @convention(c) (OpaquePointer?) -> Void) throws {
        self.engine = engine
        self.increment = increment
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
        running = true
    }

    /// Deadline for a call of `seconds`, in ticks beyond the current epoch: the call traps
    /// after at least `seconds` (and at most one tick more).
    static func ticks(forSeconds seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return UInt64(min((seconds / interval).rounded(.up), Double(UInt32.max))) + 1
    }

    private func loop() {
        let nanos = Int(Self.interval * 1_000_000_000)
        while !stopping.load(ordering: .acquiring) {
            var ts = timespec(tv_sec: nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
            var rest = timespec()
            while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
            if stopping.load(ordering: .acquiring) { break }
            increment(engine)
        }
    }

    /// Ends the thread and waits for it: the engine may be deleted afterwards.
    func stop() {
        guard running else { return }
        running = false
        stopping.store(true, ordering: .releasing)
        pthread_join(thread, nil)
    }
}
