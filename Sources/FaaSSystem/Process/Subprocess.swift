import Glibc

/// Runs one program to completion with a payload on its stdin, collecting stdout and stderr
/// through its own pipes (never ours), under a time limit and an output cap. Used by the worker
/// for JS and Python and by the gateway's tools. The child gets its own process group, so a
/// time-out kills whatever it forked too.
public enum Subprocess {
    public struct Result {
        public var status: ExitStatus?
        public var standardOutput: [UInt8]
        public var standardError: [UInt8]
        public var timedOut = false
        /// stdout or stderr went over the cap; the process was killed.
        public var outputTooLarge = false
    }

    public static func run(_ request: SpawnRequest, input: [UInt8], timeout: Double, outputCap: Int) throws -> Result {
        var spawn = request
        spawn.newProcessGroup = true
        let (pid, ends) = try ProcessSpawner.spawn(spawn, pipes: [
            ChildPipe(.toChild, on: 0), ChildPipe(.fromChild, on: 1), ChildPipe(.fromChild, on: 2),
        ])
        let standardOutput = ends[1]

        var result = Result(status: nil, standardOutput: [], standardError: [])
        var writer: FileDescriptor? = ends[0]
        var readers: [FileDescriptor] = [ends[1], ends[2]]
        try? writer?.setNonBlocking()
        for reader in readers { try? reader.setNonBlocking() }
        if input.isEmpty { writer?.close(); writer = nil }
        var written = 0
        let deadline = EventLoop.now() + timeout
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var exitedAt: Double?

        while !readers.isEmpty || writer != nil {
            let now = EventLoop.now()
            if now >= deadline { result.timedOut = true; break }
            // The program ended but something it forked still holds a pipe: give it a moment.
            if let exitedAt, now - exitedAt > 0.05 { break }
            var fds = readers.map { pollfd(fd: $0.rawValue, events: Int16(POLLIN), revents: 0) }
            if let writer { fds.append(pollfd(fd: writer.rawValue, events: Int16(POLLOUT), revents: 0)) }
            let wait = Int32(min(max((deadline - now) * 1000, 1), 50))
            let ready = try syscall("poll") { poll(&fds, nfds_t(fds.count), wait) }
            if ready == 0 && exitedAt == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    result.status = ExitStatus(waitStatus: status)
                    exitedAt = EventLoop.now()
                }
                continue
            }
            for entry in fds where entry.revents != 0 {
                if let current = writer, entry.fd == current.rawValue {
                    if entry.revents & Int16(POLLOUT) != 0 {
                        let sent = input.withUnsafeBytes { raw in
                            Swift.Result { try current.write(UnsafeRawBufferPointer(rebasing: raw[written...])) }
                        }
                        switch sent {
                        case .success(.processed(let n)): written += n
                        case .success(.wouldBlock): break
                        case .failure: written = input.count // EPIPE: the program stopped reading
                        }
                    } else {
                        written = input.count // the reader went away (POLLERR/POLLHUP): stop feeding it
                    }
                    if written >= input.count { current.close(); writer = nil }
                    continue
                }
                guard let index = readers.firstIndex(where: { $0.rawValue == entry.fd }) else { continue }
                let reader = readers[index]
                let received = chunk.withUnsafeMutableBytes { raw in Swift.Result { try reader.read(into: raw) } }
                if case .success(.wouldBlock) = received { continue }
                let n: Int
                if case .success(.processed(let count)) = received { n = count } else { n = 0 }
                if n > 0 {
                    if reader == standardOutput {
                        result.standardOutput.append(contentsOf: chunk[0..<n])
                    } else {
                        result.standardError.append(contentsOf: chunk[0..<n])
                    }
                    if result.standardOutput.count > outputCap || result.standardError.count > outputCap {
                        result.outputTooLarge = true
                    }
                } else {
                    // End of file, or a read error: this stream is done.
                    reader.close()
                    readers.remove(at: index)
                }
            }
            if result.outputTooLarge { break }
        }
        writer?.close()
        for reader in readers { reader.close() }
        // Whatever is left of the group (the program on time-out, stray children otherwise) goes.
        kill(-pid, SIGKILL)
        if result.status == nil {
            var status: Int32 = 0
            // Left nil (failure) if the status cannot be had: never mistaken for a success.
            if (try? syscall("waitpid") { waitpid(pid, &status, 0) }) == pid { result.status = ExitStatus(waitStatus: status) }
        }
        if result.standardOutput.count > outputCap { result.standardOutput.removeSubrange(outputCap...) }
        if result.standardError.count > outputCap { result.standardError.removeSubrange(outputCap...) }
        return result
    }
}
