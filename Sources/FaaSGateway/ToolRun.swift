import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Glibc

/// A tool (compiler, precompiler) run as a `ChildProcess` on the event loop: the loop keeps
/// serving while it runs, its combined output is collected up to a cap, and it is killed (with
/// its process group) when it overstays its time limit.
final class ToolRun {
    struct Outcome {
        let status: ExitStatus
        let output: [UInt8]
        let timedOut: Bool
        /// Stopped by `cancel()` (its client left).
        let cancelled: Bool
    }

    private let loop: EventLoop
    private var output: [UInt8] = []
    private let outputCap = 64 * 1024
    private var status: ExitStatus?
    private var endOfOutput = false
    private var timedOut = false
    private var cancelled = false
    private var child: ChildProcess?
    private var completion: ((Outcome) -> Void)?

    private init(loop: EventLoop) { self.loop = loop }

    @discardableResult
    static func start(_ request: SpawnRequest, timeout: Double, loop: EventLoop,
                      completion: @escaping (Outcome) -> Void) throws -> ToolRun {
        let run = ToolRun(loop: loop)
        run.completion = completion
        // The caller's command dies with the gateway (SandboxPolicy, SandboxTools.dieWithParent).
        var spawn = request
        spawn.standardInput = nil
        // stdout and stderr on one pipe: diagnostics in the order the tool wrote them.
        let child = try ChildProcess(spawn, pipes: [ChildPipe(.fromChild, on: 1, 2)], teardown: .kill(.group), loop: loop)
        run.child = child
        guard let connection = child.connection else { return run }
        connection.onData = { [run] bytes in
            if run.output.count < run.outputCap { run.output.append(contentsOf: bytes.prefix(run.outputCap - run.output.count)) }
        }
        connection.onClose = { [run] _ in
            run.endOfOutput = true
            run.finishIfDone()
        }
        try connection.start()
        child.onExit = { [run] status in
            run.status = status
            // Its group is gone with it (the teardown's scope), so the pipe ends soon; output
            // held open by a stray that left the group must not stall the deploy.
            loop.schedule(after: 0.1) { connection.close(.local("tool exited")) }
            run.finishIfDone()
        }
        child.setDeadline(after: timeout) { [run] in run.timedOut = true }
        return run
    }

    /// Kills the tool and its process group now (its declared teardown); the completion still
    /// runs once it is reaped, with `cancelled` set.
    func cancel() {
        guard let child, child.isRunning else { return }
        cancelled = true
        child.kill()
    }

    private func finishIfDone() {
        guard let status, endOfOutput, let completion else { return }
        self.completion = nil
        child = nil
        completion(Outcome(status: status, output: output, timedOut: timedOut, cancelled: cancelled))
    }
}
