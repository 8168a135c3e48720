import CFaaSSystem
import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// Runs the worker: reads `job` lines from stdin, runs each to completion, writes one result
/// line to stdout per job. One job at a time, by design: the load balancer counts on it.
public func runWorker(_ options: WorkerOptions) throws {
    Allocator.keepLargeBuffers()
    if let directory = options.precompile {
        exit(WasmExecutor.precompile(directory: directory, entrypoint: options.entrypoint, options: options))
    }
    let worker = try Worker(options: options)
    try worker.serve()
}

final class Worker {
    private let options: WorkerOptions
    private let log: Logger
    private let jobsIn: FileDescriptor
    private let resultsOut: FileDescriptor
    private let codec = MessageCodec()
    private let executor: JobExecutor

    init(options: WorkerOptions) throws {
        self.options = options
        self.log = Logger(daemon: "worker-\(options.workerID)", level: options.logLevel)
        // The server enforces our time limits (a WebAssembly call cannot be interrupted): if it
        // dies, so do we, even in the middle of a call. The ppid check closes the race with a
        // server that died before the prctl.
        let server = getppid()
        try syscall("prctl(PR_SET_PDEATHSIG)") { faas_set_parent_death_signal(SIGKILL) }
        if getppid() != server { exit(1) }
        // The protocol streams move to private descriptors and fd 0/1 become /dev/null and
        // stderr: nothing a library prints can corrupt the result stream.
        jobsIn = try FileDescriptor.standardInput.duplicate()
        resultsOut = try FileDescriptor.standardOutput.duplicate()
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
        executor = JobExecutor(options: options, log: log)
    }

    func serve() throws {
        executor.warmUp()
        log.debug("ready")
        var reader = MessageReader(maxLineLength: WireProtocol.maxLineLength)
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            // Wake up now and then without a job, to stop warm runtimes that went idle.
            var waiting = pollfd(fd: jobsIn.rawValue, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waiting, 1, Int32(min(options.runtimeIdleSeconds, 60) * 1000 / 2))
            if ready == 0 {
                executor.idle()
                continue
            }
            let n = try buffer.withUnsafeMutableBytes { raw in
                try syscall("read") { Glibc.read(jobsIn.rawValue, raw.baseAddress, raw.count) }
            }
            if n == 0 {
                log.debug("stdin closed; exiting")
                return
            }
            buffer.withUnsafeBytes { raw in reader.append(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
            do {
                while let message = try reader.next() { try reply(to: message) }
            } catch let error as MessageReader.StreamError {
                // Framing is lost: exit so the server replaces this worker.
                log.error("bad job stream; exiting", ["error": error])
                throw WorkerError.protocolViolation(error.description)
            }
        }
    }

    private func reply(to message: WireMessage) throws {
        let result: ResultMessage
        if case .job(let job) = message {
            result = executor.run(job)
        } else {
            log.error("expected a job message")
            result = .failure(id: nil, .internal, "worker received a message that is not a job")
        }
        try resultsOut.writeAll(codec.encodeFrame(.result(result)))
    }
}
