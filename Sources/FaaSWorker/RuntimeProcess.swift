import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Glibc

/// A warm language runtime (our shim, in the function's sandbox) that the worker keeps for one
/// function and calls many times over a framed pipe protocol on its fds 3 and 4
/// (`RuntimeFrame`). It is a `ChildProcess` on the worker's event loop: a call writes one
/// request frame, its reply is parsed as it arrives, and the call's deadline is the child's.
final class RuntimeProcess {
    enum Reply {
        /// The runtime's answer; `code` as `kind` says; `log` the call's log lines.
        case answer(kind: RuntimeReplyKind, code: Int32, output: [UInt8], errors: [UInt8], log: [UInt8], outputType: OutputType)
        case timedOut
        /// The runtime went away or broke the protocol; `why` names its exit status when known.
        case died(String)
    }

    private struct Call {
        let nonce: [UInt8]
        let outputCap: Int
        let completion: (Reply) -> Void
    }

    private static let headerLength = RuntimeFrame.replyHeaderLength
    /// How long a runtime whose pipe ended may take to exit before it is reported without its
    /// exit status.
    private static let exitWait = 0.5

    private let process: ChildProcess
    private let connection: Connection
    private unowned let loop: EventLoop
    var pid: pid_t { process.pid }
    /// The host user it runs as (sandboxed), so the worker can hand the id out again later.
    let uid: UInt32
    private(set) var isUsable = true
    var lastUsed = EventLoop.now()
    private var call: Call?
    private var received: [UInt8] = []

    private init(process: ChildProcess, connection: Connection, uid: UInt32, loop: EventLoop) {
        self.process = process
        self.connection = connection
        self.uid = uid
        self.loop = loop
    }

    static func start(executable: String, arguments: [String], uid: UInt32, loop: EventLoop) throws -> RuntimeProcess {
        // The protocol goes on fds 3 and 4. What a handler prints is not its output (its return
        // value is) and goes nowhere: not into the daemons' logs, which it could flood.
        let request = SpawnRequest(executable: executable, arguments: arguments, environment: ["PATH": "/usr/bin:/bin"],
                                   standardInput: nil, standardOutput: nil, standardError: nil)
        // The whole group (the sandbox, a zygote and what it forked) goes at once.
        let process = try ChildProcess(request, pipes: [ChildPipe(.toChild, on: 3), ChildPipe(.fromChild, on: 4)],
                                       teardown: .kill(.group), loop: loop)
        guard let connection = process.connection else { throw ChildProcessError.tooManyPipes }
        let runtime = RuntimeProcess(process: process, connection: connection, uid: uid, loop: loop)
        connection.onData = { [unowned runtime] bytes in runtime.receive(bytes) }
        connection.onClose = { [weak runtime] reason in runtime?.streamEnded(reason) }
        do {
            try connection.start()
        } catch {
            process.kill()
            throw error
        }
        return runtime
    }

    /// Calls the runtime with `payload` and the request frame's JSON `header`; `completion` runs
    /// once, on the loop.
    func call(_ payload: [UInt8], header: [UInt8], timeout: Double, outputCap: Int, completion: @escaping (Reply) -> Void) {
        guard isUsable, call == nil else {
            completion(.died("the runtime is not usable"))
            return
        }
        lastUsed = EventLoop.now()
        // A fresh nonce per call: a reply without it (forged by the function, or left over from
        // an earlier call) is refused and the runtime replaced.
        let nonce = Self.randomNonce()
        call = Call(nonce: nonce, outputCap: outputCap, completion: completion)
        let frame = RuntimeFrame.request(header: header, payload: payload, nonce: nonce)
        process.setDeadline(after: timeout) { [unowned self] in self.finish(.timedOut) }
        connection.send(frame)
        // Whatever arrived between calls is parsed now (and refused unless it is this call's).
        if !received.isEmpty { parse() }
    }

    /// `RuntimeFrame.nonceLength` random bytes, drawn 8 at a time (one getrandom each, not one per byte).
    private static func randomNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var nonce: [UInt8] = []
        nonce.reserveCapacity(RuntimeFrame.nonceLength + 7)
        while nonce.count < RuntimeFrame.nonceLength {
            withUnsafeBytes(of: generator.next() as UInt64) { nonce.append(contentsOf: $0) }
        }
        return Array(nonce.prefix(RuntimeFrame.nonceLength))
    }

    /// Kills the runtime and everything in its process group; its `ChildProcess` waits for it.
    func terminate() {
        guard isUsable else { return }
        isUsable = false
        process.kill()
        connection.close(.local("runtime stopped"))
    }

    private func receive(_ bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        if call != nil {
            parse()
        } else if received.count > Self.headerLength + 2 * (1 << 20) {
            // Nobody asked: a runtime talking on its own is not to be trusted.
            terminate()
        }
    }

    private func parse() {
        guard let call, received.count >= Self.headerLength else { return }
        let header = RuntimeFrame.ReplyHeader(Array(received[0..<Self.headerLength]))
        guard header.nonce == call.nonce else {
            return died("the runtime's reply did not match the call")
        }
        guard let kind = header.kind else { return died("the runtime sent an unknown reply kind \(received[0])") }
        guard let outputType = header.outputType else { return died("the runtime sent an unknown output type \(received[5])") }
        let outLength = header.outputLength, errLength = header.errorsLength, logLength = header.logLength
        // Our shim caps what it sends; a larger frame means the stream is not to be trusted.
        guard outLength <= call.outputCap + 4096, errLength <= call.outputCap + 4096, logLength <= call.outputCap + 4096 else {
            return died("runtime sent an oversized reply")
        }
        let errorsStart = Self.headerLength + outLength, logStart = errorsStart + errLength
        let total = logStart + logLength
        guard received.count >= total else { return }
        let code = header.code
        let output = Array(received[Self.headerLength..<errorsStart])
        let errors = Array(received[errorsStart..<logStart])
        let log = Array(received[logStart..<total])
        received.removeSubrange(0..<total)
        lastUsed = EventLoop.now()
        finish(.answer(kind: kind, code: code, output: output, errors: errors, log: log, outputType: outputType))
    }

    /// The reply stream ended or failed: the runtime is gone or going. Its exit status says how
    /// (a segfault, the OOM killer), so the call waits a moment for it.
    private func streamEnded(_ reason: Connection.CloseReason) {
        guard isUsable else { return }
        if case .endOfFile = reason { died("the runtime exited") } else { died("\(reason)") }
    }

    private func died(_ why: String) {
        guard isUsable else { return }
        isUsable = false
        connection.close(.local(why))
        guard call != nil else {
            process.kill()
            return
        }
        process.cancelDeadline()
        var reported = false
        let report: (ExitStatus?) -> Void = { [self] status in
            guard !reported else { return }
            reported = true
            guard var status else { return self.finish(.died(why)) }
            // Under bubblewrap the sandbox's init reports a program killed by signal N as 128 + N.
            if case .exited(let code) = status, code > 128, code <= 128 + 64 { status = .signaled(code - 128) }
            self.finish(.died("\(why): \(status)"))
        }
        if let status = process.status { return report(status) }
        process.onExit = { status in report(status) }
        loop.schedule(after: Self.exitWait) { [self] in
            report(nil)
            self.process.kill()
        }
    }

    /// Ends the call in flight once; a runtime that failed it is not used again.
    private func finish(_ reply: Reply) {
        guard let call else { return }
        self.call = nil
        process.cancelDeadline()
        switch reply {
        case .answer: break
        case .timedOut, .died: terminate()
        }
        call.completion(reply)
    }
}
