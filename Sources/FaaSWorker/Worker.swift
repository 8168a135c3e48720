import CFaaSSystem
import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// Runs the worker on an event loop like the other daemons: `job` lines from stdin, one
/// `result` line to stdout per job, in order. One job at a time, by design: the load balancer
/// counts on it (a job arriving early waits its turn). JS and Python calls wait on the loop for
/// their runtime's reply; a WebAssembly call runs to its end in the loop's thread.
public func runWorker(_ options: WorkerOptions) throws {
    Allocator.keepLargeBuffers()
    if let directory = options.precompile {
        exit(WasmExecutor.precompile(directory: directory, entrypoint: options.entrypoint, options: options))
    }
    let loop = try EventLoop()
    // The worker (and the runtimes it stops on the way out) goes before the loop it uses.
    try withExtendedLifetime(loop) {
        let worker = try Worker(options: options, loop: loop)
        try worker.start()
        try loop.run()
    }
}

final class Worker {
    private let options: WorkerOptions
    private let log: Logger
    private let loop: EventLoop
    private let channel: MessageChannel
    private let executor: JobExecutor
    private var queued: [JobMessage] = []
    private var busy = false
    private var lastJobEnded = EventLoop.now()

    init(options: WorkerOptions, loop: EventLoop) throws {
        self.options = options
        self.loop = loop
        self.log = Logger(daemon: "worker-\(options.workerID)", level: options.logLevel)
        // The server enforces our time limits (a WebAssembly call cannot be interrupted): if it
        // dies, so do we, even in the middle of a call. The ppid check closes the race with a
        // server that died before the prctl.
        let server = getppid()
        try syscall("prctl(PR_SET_PDEATHSIG)") { faas_set_parent_death_signal(SIGKILL) }
        if getppid() != server { exit(1) }
        // The protocol streams move to private descriptors and fd 0/1 become /dev/null and
        // stderr: nothing a library prints can corrupt the result stream.
        let jobsIn = try FileDescriptor.standardInput.duplicate()
        let resultsOut = try FileDescriptor.standardOutput.duplicate()
        let devNull = try FileDescriptor.open("/dev/null", O_RDONLY)
        try syscall("dup2") { dup2(devNull.rawValue, 0) }
        devNull.close()
        try syscall("dup2") { dup2(2, 1) }
        // Pipes hold 64 KiB by default: a megabyte payload would cross in sixteen rounds of
        // wake-ups. Up to the system's unprivileged maximum (1 MiB by default); best effort.
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (Linux; glibc declares it only under _GNU_SOURCE)
        for pipe in [jobsIn, resultsOut] {
            _ = try? syscall("fcntl(F_SETPIPE_SZ)") { fcntl(pipe.rawValue, setPipeSize, Int32(1 << 20)) }
        }
        channel = MessageChannel(connection: Connection(loop: loop, input: jobsIn, output: resultsOut))
        executor = JobExecutor(options: options, log: log, loop: loop)
    }

    func start() throws {
        channel.onMessage = { [unowned self] message in self.received(message) }
        channel.onClose = { [unowned self] why in
            // The server closed our stdin (shutdown), or the stream broke: either way we end,
            // and the server replaces us if it still wants a worker here.
            self.log.debug("job stream closed; exiting", ["reason": why])
            self.loop.stop()
        }
        try channel.start()
        executor.warmUp()
        scheduleIdleCheck()
        log.debug("ready")
    }

    private func received(_ message: WireMessage) {
        guard case .job(let job) = message else {
            log.error("bad job line", ["error": "expected a job message"])
            channel.send(.result(.failure(id: nil, .internal, "worker received a malformed job: expected a job message")))
            return
        }
        queued.append(job)
        runNext()
    }

    private func runNext() {
        guard !busy, !queued.isEmpty else { return }
        busy = true
        let job = queued.removeFirst()
        executor.run(job) { [unowned self] result in
            self.channel.send(.result(result))
            self.busy = false
            self.lastJobEnded = EventLoop.now()
            // Not from inside the completion: a WebAssembly job completes synchronously.
            self.loop.execute { [unowned self] in self.runNext() }
        }
    }

    /// Now and then without a job, stop warm runtimes that went idle.
    private func scheduleIdleCheck() {
        let period = min(options.runtimeIdleSeconds, 60) / 2
        loop.schedule(after: period) { [unowned self] in
            if !self.busy && EventLoop.now() - self.lastJobEnded >= period { self.executor.idle() }
            self.scheduleIdleCheck()
        }
    }
}
