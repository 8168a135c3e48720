import Foundation
import Glibc

/// One dedicated thread running blocking jobs in submission order, each handing its result back
/// to the event loop through a `LoopCompletionQueue`. The loop never blocks on the job; the
/// job never touches the loop's state.
public final class SerialWorkThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    private var finished = false
    private let completions: LoopCompletionQueue
    private var thread: Thread?

    public init(name: String, completions: LoopCompletionQueue) {
        self.completions = completions
        let thread = Thread { [unowned self] in self.main() }
        thread.name = name
        self.thread = thread
        // Signals belong to the loop's signalfd: this thread must never take one (a SIGCHLD
        // it took would be lost, a SIGTERM would kill the process). A new thread inherits the
        // creator's mask, so every signal is blocked around its creation, and again inside it.
        var all = sigset_t()
        var previous = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, &previous)
        thread.start()
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }

    /// Runs `job` on the thread, then `completion` with its result on the loop.
    public func submit<T>(_ job: @escaping () -> T, completion: @escaping (T) -> Void) {
        enqueue { [completions] in
            let result = job()
            completions.post { completion(result) }
        }
    }

    /// Runs `job` on the thread; nothing comes back.
    public func enqueue(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `job` on the thread and waits for it (start-up and shutdown only).
    public func sync<T>(_ job: @escaping () -> T) -> T {
        let done = NSCondition()
        var result: T?
        enqueue {
            let value = job()
            done.lock()
            result = value
            done.signal()
            done.unlock()
        }
        done.lock()
        while result == nil { done.wait() }
        done.unlock()
        return result!
    }

    /// Finishes the jobs queued so far, then the thread ends; waits for it.
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func main() {
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job() }
        }
    }
}
