import Glibc
import CFaaSSystem
import Foundation

/// Hands closures from other threads back to one event loop: they are queued under a lock and
/// an eventfd wakes the loop, which runs them in order on its own thread. The one way work done
/// off the loop (blocking SQLite calls, say) reports back; the loop itself stays single-threaded.
public final class LoopCompletionQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var queued: [() -> Void] = []
    private let wakeup: FileDescriptor
    /// Written by other threads, read by the loop; kept open until the queue goes.
    private var registered = false
    /// Weak: the queue may outlive its loop (then there is nothing to unregister from).
    private weak var loop: EventLoop?

    /// Must be created on the loop's thread.
    public init(loop: EventLoop) throws {
        self.loop = loop
        wakeup = FileDescriptor(rawValue: try syscall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC)) })
        try loop.register(wakeup, .readable) { [unowned self] _ in self.drain() }
        registered = true
    }

    deinit {
        if registered { loop?.unregister(wakeup) }
        wakeup.close()
    }

    /// From any thread: `body` runs on the loop's thread, soon.
    public func post(_ body: @escaping () -> Void) {
        lock.lock()
        let wasEmpty = queued.isEmpty
        queued.append(body)
        lock.unlock()
        // One wake-up per batch: the loop takes everything queued when it drains.
        guard wasEmpty else { return }
        var one: UInt64 = 1
        _ = try? syscall("write(eventfd)") { Glibc.write(wakeup.rawValue, &one, 8) }
    }

    private func drain() {
        var counter: UInt64 = 0
        _ = Glibc.read(wakeup.rawValue, &counter, 8)
        lock.lock()
        let tasks = queued
        queued.removeAll(keepingCapacity: true)
        lock.unlock()
        for task in tasks { task() }
    }
}
