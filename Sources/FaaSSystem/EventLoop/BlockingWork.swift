import Foundation
import Glibc
import CFaaSSystem
import Synchronization

/// One thread for work that may block (fsync, flock, removing a folder tree), so the loop's
/// thread never waits on a disk. Work runs in submission order; each result comes back to the
/// loop through an eventfd and its completion runs there, like any other handler.
///
/// Only the work closure and its result cross threads (both `Sendable`); completions stay on
/// the loop's thread and may touch anything the loop owns.
public final class BlockingWork {
    private struct Job: Sendable {
        let id: UInt64
        let work: @Sendable () -> any Sendable
    }

    /// Shared with the thread; everything behind the mutex.
    private final class Queues: Sendable {
        let state = Mutex<(jobs: [Job], done: [(UInt64, any Sendable)])>(([], []))
        /// Counts queued jobs (semaphore mode): the thread sleeps in read(2) until one comes.
        let jobsReady: Int32
        /// Set when a result is ready: wakes the loop.
        let resultsReady: Int32

        init(jobsReady: Int32, resultsReady: Int32) {
            self.jobsReady = jobsReady
            self.resultsReady = resultsReady
        }
    }

    private unowned let loop: EventLoop
    private let queues: Queues
    private let resultsReady: FileDescriptor
    private var completions: [UInt64: (any Sendable) -> Void] = [:]
    private var nextID: UInt64 = 1

    init(loop: EventLoop) throws {
        self.loop = loop
        let jobsReady = try syscall("eventfd") { eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_SEMAPHORE)) }
        let results: Int32
        do {
            results = try syscall("eventfd") { eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK)) }
        } catch {
            Glibc.close(jobsReady)
            throw error
        }
        queues = Queues(jobsReady: jobsReady, resultsReady: results)
        resultsReady = FileDescriptor(rawValue: results)
        try loop.register(resultsReady, .readable) { [unowned self] _ in self.deliver() }
        // The thread must never take a signal meant for the loop's signalfd (a SIGTERM would be
        // lost): it starts with every signal blocked, inherited from this thread's mask.
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let queues = self.queues
        Thread.detachNewThread { Self.serve(queues) }
    }

    /// Runs `work` on the blocking thread, then `completion` with its result on the loop.
    public func submit<T: Sendable>(_ work: @escaping @Sendable () -> T, then completion: @escaping (T) -> Void) {
        let id = nextID
        nextID += 1
        completions[id] = { result in completion(result as! T) }
        queues.state.withLock { $0.jobs.append(Job(id: id, work: { work() })) }
        Self.signal(queues.jobsReady)
    }

    private func deliver() {
        var count: UInt64 = 0
        _ = Glibc.read(resultsReady.rawValue, &count, 8)
        let done = queues.state.withLock { state in
            defer { state.done.removeAll() }
            return state.done
        }
        for (id, result) in done { completions.removeValue(forKey: id)?(result) }
    }

    private static func serve(_ queues: Queues) {
        while true {
            var count: UInt64 = 0
            let n = Glibc.read(queues.jobsReady, &count, 8)
            if n != 8 { continue } // EINTR
            guard let job = queues.state.withLock({ $0.jobs.isEmpty ? nil : $0.jobs.removeFirst() }) else { continue }
            let result = job.work()
            queues.state.withLock { $0.done.append((job.id, result)) }
            signal(queues.resultsReady)
        }
    }

    private static func signal(_ eventFD: Int32) {
        var one: UInt64 = 1
        _ = try? syscall("write(eventfd)") { Glibc.write(eventFD, &one, 8) }
    }
}
