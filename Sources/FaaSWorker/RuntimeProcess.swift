import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Glibc

/// A warm language runtime (our shim, in the function's sandbox) that the worker keeps for one
/// function and calls many times over a framed pipe protocol (`RuntimeFrame`). Calls are
/// blocking with a deadline: the worker runs one job at a time anyway.
final class RuntimeProcess {
    enum Reply {
        /// The runtime's answer; `code` as `kind` says.
        case answer(kind: RuntimeReplyKind, code: Int32, output: [UInt8], errors: [UInt8])
        case timedOut
        /// The runtime went away or broke the protocol; `why` names its exit status when known.
        case died(String)
    }

    let pid: pid_t
    /// The host user it runs as (sandboxed), so the worker can hand the id out again later.
    let uid: UInt32
    private let requests: FileDescriptor
    private let replies: FileDescriptor
    private(set) var isUsable = true
    var lastUsed = EventLoop.now()

    private init(pid: pid_t, uid: UInt32, requests: FileDescriptor, replies: FileDescriptor) {
        self.pid = pid
        self.uid = uid
        self.requests = requests
        self.replies = replies
    }

    static func start(executable: String, arguments: [String], uid: UInt32) throws -> RuntimeProcess {
        // The protocol goes on fds 3 and 4. What a handler prints is not its output (its return
        // value is) and goes nowhere: not into the daemons' logs, which it could flood.
        var request = SpawnRequest(executable: executable, arguments: arguments, environment: ["PATH": "/usr/bin:/bin"],
                                   standardInput: nil, standardOutput: nil, standardError: nil)
        request.newProcessGroup = true
        let (pid, ends) = try ProcessSpawner.spawn(request, pipes: [ChildPipe(.toChild, on: 3), ChildPipe(.fromChild, on: 4)])
        let (requests, replies) = (ends[0], ends[1])
        // Non-blocking, so a runtime that stops reading cannot hold us past the deadline.
        try? requests.setNonBlocking()
        try? replies.setNonBlocking()
        return RuntimeProcess(pid: pid, uid: uid, requests: requests, replies: replies)
    }

    func call(_ payload: [UInt8], timeout: Double, outputCap: Int) -> Reply {
        lastUsed = EventLoop.now()
        let deadline = lastUsed + timeout
        // A fresh nonce per call: a reply without it (forged by the function, or left over from
        // an earlier call) is refused and the runtime replaced.
        let nonce = (0..<RuntimeFrame.nonceLength).map { _ in UInt8.random(in: 0...255) }
        let frame = RuntimeFrame.request(payload: payload, nonce: nonce)
        do {
            guard try transfer(frame, deadline: deadline) else { return fail(.timedOut) }
            guard let bytes = try receive(RuntimeFrame.replyHeaderLength, deadline: deadline) else { return fail(.timedOut) }
            let header = RuntimeFrame.ReplyHeader(bytes)
            guard header.nonce == nonce else { return fail(.died("the runtime's reply did not match the call")) }
            guard let kind = header.kind else { return fail(.died("the runtime sent an unknown reply kind \(bytes[0])")) }
            let code = header.code
            let outLength = header.outputLength, errLength = header.errorsLength
            // Our shim caps what it sends; a larger frame means the stream is not to be trusted.
            guard outLength <= outputCap + 4096, errLength <= outputCap + 4096 else {
                return fail(.died("runtime sent an oversized reply"))
            }
            guard let output = try receive(outLength, deadline: deadline),
                  let errors = try receive(errLength, deadline: deadline) else { return fail(.timedOut) }
            lastUsed = EventLoop.now()
            return .answer(kind: kind, code: code, output: output, errors: errors)
        } catch is Gone {
            return fail(.died("the runtime exited"))
        } catch {
            return fail(.died("\(error)"))
        }
    }

    /// Kills the runtime and everything in its process group, and reaps it.
    func terminate(reaped: Bool = false) {
        guard isUsable else { return }
        isUsable = false
        kill(-pid, SIGKILL)
        if !reaped { kill(pid, SIGKILL) }
        requests.close()
        replies.close()
        guard !reaped else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    private func fail(_ reply: Reply) -> Reply {
        guard case .died(let why) = reply else {
            terminate()
            return reply
        }
        // The runtime may have been killed (a segfault, the OOM killer): say how.
        var status: Int32 = 0
        var exited: ExitStatus?
        for _ in 0..<20 {
            if waitpid(pid, &status, WNOHANG) == pid { exited = ExitStatus(waitStatus: status); break }
            usleep(5_000)
        }
        terminate(reaped: exited != nil)
        guard var exited else { return reply }
        // Under bubblewrap the sandbox's init reports a program killed by signal N as 128 + N.
        if case .exited(let code) = exited, code > 128, code <= 128 + 64 { exited = .signaled(code - 128) }
        return .died("\(why): \(exited)")
    }

    /// End of the reply stream: the runtime is gone.
    private struct Gone: Error {}

    /// Waits until `fd` is ready or the deadline passes; false on time-out.
    private func wait(_ fd: FileDescriptor, for events: Int16, deadline: Double) throws -> Bool {
        while true {
            let remaining = deadline - EventLoop.now()
            if remaining <= 0 { return false }
            var entry = pollfd(fd: fd.rawValue, events: events, revents: 0)
            let milliseconds = Int32(min(remaining * 1000 + 1, 60_000))
            if try syscall("poll", { poll(&entry, 1, milliseconds) }) > 0 { return true }
        }
    }

    private func transfer(_ bytes: [UInt8], deadline: Double) throws -> Bool {
        var offset = 0
        while offset < bytes.count {
            guard try wait(requests, for: Int16(POLLOUT), deadline: deadline) else { return false }
            let result = try bytes.withUnsafeBytes { raw in try requests.write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            if case .processed(let n) = result { offset += n }
        }
        return true
    }

    private func receive(_ count: Int, deadline: Double) throws -> [UInt8]? {
        var result = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            guard try wait(replies, for: Int16(POLLIN), deadline: deadline) else { return nil }
            let read = try result.withUnsafeMutableBytes { raw in try replies.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...])) }
            switch read {
            case .processed(0): throw Gone()
            case .processed(let n): offset += n
            case .wouldBlock: continue
            }
        }
        return result
    }
}
