import Glibc
import CFaaSSystem

/// A child process on the event loop: started with posix_spawn, its pipes as one `Connection`
/// (reading what the child writes, writing what it reads), its exit noticed through a pidfd
/// on the loop and reaped with waitpid for that pid alone, an optional deadline, and one
/// declared `Teardown`. Every daemon runs its children through this type: the server its
/// workers, the gateway its compilers, the worker its language runtimes.
///
/// A pidfd rather than SIGCHLD: a signal can be taken by any thread that does not block it
/// (a library's), and waitpid(-1) would reap children that are not ours to reap.
///
/// The object lives until the process has been reaped (the loop holds it through the pidfd's
/// handler), so an owner may drop it after `terminate` and the child is still waited for.
public final class ChildProcess {
    public let pid: pid_t
    /// Over the child's pipes, not started: set its handlers (or wrap it) and call `start()`.
    /// Nil when the child was given no pipes.
    public let connection: Connection?
    public let teardown: Teardown
    /// How the process ended, once reaped.
    public private(set) var status: ExitStatus?
    /// Called once, when the process has been reaped.
    public var onExit: ((ExitStatus) -> Void)?

    private unowned let loop: EventLoop
    private let exitNotice: FileDescriptor
    private var deadline: TimerQueue.ID?
    private var escalation: TimerQueue.ID?

    public var isRunning: Bool { status == nil }

    /// Starts `request` with `pipes` (at most one each way). A program that cannot be started
    /// (not found, not executable) throws `SpawnError` here: glibc's posix_spawn reports exec
    /// failures through its return value.
    public init(_ request: SpawnRequest, pipes: [ChildPipe] = [], teardown: Teardown, loop: EventLoop) throws {
        let toChild = pipes.filter { $0.direction == .toChild }
        let fromChild = pipes.filter { $0.direction == .fromChild }
        guard toChild.count <= 1, fromChild.count <= 1 else { throw ChildProcessError.tooManyPipes }
        var spawn = request
        if teardown.scope == .group { spawn.newProcessGroup = true }
        let (pid, ends) = try ProcessSpawner.spawn(spawn, pipes: pipes)
        // Until we wait for it, the pid cannot be reused (an exited child stays a zombie), so
        // the pidfd names this child even if it has already ended.
        let notice: FileDescriptor
        do {
            notice = FileDescriptor(rawValue: try syscall("pidfd_open") { pidfd_open(pid, 0) })
        } catch {
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = try? syscall("waitpid") { waitpid(pid, &status, 0) }
            for end in ends { end.close() }
            throw error
        }
        self.pid = pid
        self.exitNotice = notice
        self.loop = loop
        self.teardown = teardown
        let read = zip(pipes, ends).first { $0.0.direction == .fromChild }?.1
        let write = zip(pipes, ends).first { $0.0.direction == .toChild }?.1
        if let input = read ?? write, let output = write ?? read {
            connection = Connection(loop: loop, input: input, output: output)
        } else {
            connection = nil
        }
        do {
            try loop.register(notice, .readable) { [self] _ in self.reap() }
        } catch {
            notice.close()
            _ = Glibc.kill(pid, SIGKILL)
            throw error
        }
    }

    /// Tears the child down when `seconds` pass before it exits: `onExpiry` first (to answer
    /// whoever waits), then `terminate()`. A new deadline replaces the previous one.
    public func setDeadline(after seconds: Double, _ onExpiry: @escaping () -> Void) {
        cancelDeadline()
        guard isRunning else { return }
        deadline = loop.schedule(after: seconds) { [self] in
            self.deadline = nil
            guard self.isRunning else { return }
            onExpiry()
            self.terminate()
        }
    }

    public func cancelDeadline() {
        if let deadline { loop.cancel(deadline) }
        deadline = nil
    }

    /// Stops the child as declared (or as `override` says): the first signal now, SIGKILL once
    /// the grace period has passed with the child still running. Calling it again never
    /// delays the SIGKILL already planned.
    public func terminate(_ override: Teardown? = nil) {
        guard isRunning else { return }
        let plan = override ?? teardown
        send(plan.signal, plan.scope)
        guard plan.signal != SIGKILL, escalation == nil else { return }
        escalation = loop.schedule(after: plan.grace) { [self] in
            self.escalation = nil
            if self.isRunning { self.send(SIGKILL, plan.scope) }
        }
    }

    /// SIGKILL now, to the process or its group as declared.
    public func kill() {
        terminate(.kill(teardown.scope))
    }

    private func send(_ signal: Int32, _ scope: Teardown.Scope) {
        _ = Glibc.kill(scope == .group ? -pid : pid, signal)
    }

    /// The pidfd became readable: the child has ended.
    private func reap() {
        var raw: Int32 = 0
        let result = Result { try syscall("waitpid") { waitpid(pid, &raw, WNOHANG) } }
        if case .success(0) = result { return } // not yet (a spurious wake-up)
        loop.unregister(exitNotice)
        exitNotice.close()
        // ECHILD: someone else reaped it, against the rules; its status is lost.
        let status = (try? result.get()) == pid ? ExitStatus(waitStatus: raw) : .exited(-1)
        exited(status)
    }

    private func exited(_ status: ExitStatus) {
        self.status = status
        cancelDeadline()
        if let escalation { loop.cancel(escalation) }
        escalation = nil
        // Whatever the child left behind in its group goes with it (the group outlives its
        // leader only through such strays, so the number cannot have been reused).
        if teardown.scope == .group { _ = Glibc.kill(-pid, SIGKILL) }
        let handler = onExit
        onExit = nil
        handler?(status)
    }
}
