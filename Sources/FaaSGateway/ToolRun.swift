import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Glibc

/// A tool (compiler, precompiler) run off the event loop: the loop keeps serving while it runs,
/// its combined output is collected up to a cap, and it is killed (with its process group) when
/// it overstays its time limit.
final class ToolRun {
    struct Outcome {
        let status: ExitStatus
        let output: [UInt8]
        let timedOut: Bool
    }

    private let loop: EventLoop
    private var output: [UInt8] = []
    private let outputCap = 64 * 1024
    private var status: ExitStatus?
    private var endOfOutput = false
    private var timedOut = false
    private var timer: TimerQueue.ID?
    private var completion: ((Outcome) -> Void)?
    private var pid: pid_t = 0

    private init(loop: EventLoop) { self.loop = loop }

    static func start(_ request: SpawnRequest, timeout: Double, loop: EventLoop, reaper: ChildReaper,
                      completion: @escaping (Outcome) -> Void) throws {
        let run = ToolRun(loop: loop)
        run.completion = completion
        // The caller's command dies with the gateway (SandboxPolicy, SandboxTools.dieWithParent).
        var spawn = request
        spawn.standardInput = nil
        spawn.newProcessGroup = true
        // stdout and stderr on one pipe: diagnostics in the order the tool wrote them.
        let (pid, ends) = try ProcessSpawner.spawn(spawn, pipes: [ChildPipe(.fromChild, on: 1, 2)])
        run.pid = pid
        let output = ends[0]
        let connection = Connection(loop: loop, input: output, output: output)
        connection.onData = { [run] bytes in
            if run.output.count < run.outputCap { run.output.append(contentsOf: bytes.prefix(run.outputCap - run.output.count)) }
        }
        connection.onClose = { [run] _ in
            run.endOfOutput = true
            run.finishIfDone()
        }
        try connection.start()
        reaper.watch(pid) { [run] status in
            run.status = status
            // Output still held open by a stray grandchild must not stall the deploy.
            if !run.endOfOutput { connection.close(.local("tool exited")) }
            run.finishIfDone()
        }
        run.timer = loop.schedule(after: timeout) { [run] in
            run.timedOut = true
            kill(-pid, SIGKILL)
        }
    }

    private func finishIfDone() {
        guard let status, endOfOutput, let completion else { return }
        self.completion = nil
        if let timer { loop.cancel(timer) }
        kill(-pid, SIGKILL)  // anything the tool left behind in its group
        completion(Outcome(status: status, output: output, timedOut: timedOut))
    }
}
