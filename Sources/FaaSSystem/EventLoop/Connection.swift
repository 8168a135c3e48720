import Glibc

/// A buffered, non-blocking byte stream on the event loop: one socket, or a pair of pipe ends
/// (read from `input`, write to `output`). Writes go out at once when the kernel takes them and
/// are buffered otherwise; the connection owns its descriptors and closes them exactly once.
public final class Connection {
    public enum CloseReason: CustomStringConvertible {
        case endOfFile
        case failed(SystemError)
        case local(String)

        public var description: String {
            switch self {
            case .endOfFile: return "end of file"
            case .failed(let error): return error.description
            case .local(let why): return why
            }
        }
    }

    public let input: FileDescriptor
    public let output: FileDescriptor
    private unowned let loop: EventLoop

    /// Bytes as they arrive; the buffer is only valid during the call.
    public var onData: ((UnsafeRawBufferPointer) -> Void)?
    /// The peer finished sending. When unset, end of input closes the connection.
    public var onEndOfInput: (() -> Void)?
    public var onClose: ((CloseReason) -> Void)?
    /// A peer that does not read is cut off once this much output is waiting.
    public var maxPendingOutput = 64 << 20

    public private(set) var isClosed = false
    /// Output waiting, in order: our own buffers (small sends coalesce into the last one) and
    /// large arrays queued as they were given (a payload is never copied here). Written chunks
    /// are released at once, so memory follows what waits, not what was ever sent.
    private var chunks: [[UInt8]] = []
    /// The first chunk not fully written, and how much of it was.
    private var head = 0
    private var headOffset = 0
    private var queuedBytes = 0
    /// Whether `chunks.last` is our own buffer, which later small sends may extend.
    private var tailIsOwn = false
    /// Our last written buffer, emptied, kept for the next small send (no allocation per message).
    private var spare: [UInt8] = []
    private var closeWhenFlushed = false
    private var readingPaused = false
    private var inputOpen = true
    /// A separate output end (a pipe to a child) whose reader went away while we still read.
    private var outputGone = false
    private var writeInterest = false
    private var flushScheduled = false

    private var sharedDescriptor: Bool { input == output }

    public init(loop: EventLoop, input: FileDescriptor, output: FileDescriptor) {
        self.loop = loop
        self.input = input
        self.output = output
    }

    public convenience init(loop: EventLoop, socket: FileDescriptor) {
        self.init(loop: loop, input: socket, output: socket)
    }

    /// Starts reading. Handlers must be set first. While registered, the loop holds the
    /// connection (its handlers capture it); `close` unregisters and so lets it go.
    public func start() throws {
        try input.setNonBlocking()
        if !sharedDescriptor { try output.setNonBlocking() }
        try loop.register(input, .readable) { [self] readiness in
            if readiness.writable && self.sharedDescriptor { self.flush() }
            if readiness.readable && !self.isClosed { self.readAvailable() }
            // A paused reader would otherwise be woken by the hang-up forever.
            if readiness.hangup && !self.isClosed && (self.readingPaused || !self.inputOpen) {
                self.close(.endOfFile)
            }
        }
        if !sharedDescriptor {
            try loop.register(output, []) { [self] readiness in
                if readiness.hangup { self.lostOutput() } else { self.flush() }
            }
        }
    }

    public var pendingOutputCount: Int { queuedBytes }

    private static let directWriteMinimum = 64 << 10

    /// Queues bytes; a large array (a payload) is queued as it is, never copied.
    public func send(_ bytes: [UInt8]) {
        guard bytes.count >= Self.directWriteMinimum else { return bytes.withUnsafeBytes { send($0) } }
        guard let written = writeDirectly({ try bytes.withUnsafeBytes { try output.write($0) } }) else { return }
        guard written < bytes.count, admit(bytes.count - written) else { return }
        // Queued by reference; the head offset skips what the kernel already took.
        if queuedBytes == 0 { clearQueue() }
        chunks.append(bytes)
        if chunks.count - 1 == head { headOffset = written }
        queuedBytes += bytes.count - written
        tailIsOwn = false
        scheduleFlush()
    }

    /// Queues bytes (copied: the buffer is the caller's). They are written at the end of the
    /// current loop turn, so the many small messages one turn produces for a peer leave in one
    /// write(2) instead of one each.
    public func send(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        var bytes = bytes
        if bytes.count >= Self.directWriteMinimum {
            guard let written = writeDirectly({ try output.write(bytes) }) else { return }
            guard written < bytes.count else { return }
            bytes = UnsafeRawBufferPointer(rebasing: bytes[written...])
        } else if isClosed || outputGone {
            return
        }
        guard admit(bytes.count) else { return }
        if queuedBytes == 0 { clearQueue() }
        if tailIsOwn && chunks[chunks.count - 1].count + bytes.count <= 1 << 20 {
            chunks[chunks.count - 1].append(contentsOf: bytes)
        } else {
            var buffer = spare
            spare = []
            buffer.append(contentsOf: bytes)
            chunks.append(buffer)
            tailIsOwn = true
        }
        queuedBytes += bytes.count
        scheduleFlush()
    }

    /// A large block goes to the kernel straight from the caller's buffer when the descriptor
    /// is not backed up (what is already queued goes first). Returns how much was written (0
    /// when backed up), or nil when the connection is closed or the output gone.
    private func writeDirectly(_ write: () throws -> IOResult<Int>) -> Int? {
        guard !isClosed, !outputGone else { return nil }
        guard !writeInterest else { return 0 }
        flush()
        guard !isClosed, !outputGone else { return nil }
        guard queuedBytes == 0 && !writeInterest else { return 0 }
        guard let result = io(write) else { return nil }
        if case .processed(let n) = result { return n }
        return 0
    }

    /// Whether `count` more bytes may wait; a peer that does not read is cut off.
    private func admit(_ count: Int) -> Bool {
        guard queuedBytes + count <= maxPendingOutput else {
            close(.local("peer is not reading: over \(maxPendingOutput) bytes of output waiting"))
            return false
        }
        return true
    }

    private func clearQueue() {
        chunks.removeAll(keepingCapacity: chunks.capacity <= 64)
        head = 0
        headOffset = 0
        tailIsOwn = false
    }

    private func scheduleFlush() {
        if !flushScheduled && !writeInterest {
            flushScheduled = true
            loop.execute { [self] in
                self.flushScheduled = false
                self.flush()
            }
        }
    }

    /// Closes once everything queued has been written.
    public func closeAfterFlush() {
        if pendingOutputCount == 0 { close(.local("closed after flush")) } else { closeWhenFlushed = true }
    }

    public func pauseReading() {
        guard !readingPaused, !isClosed else { return }
        readingPaused = true
        applyInterest()
    }

    public func resumeReading() {
        guard readingPaused, !isClosed else { return }
        readingPaused = false
        applyInterest()
    }

    public func close(_ reason: CloseReason) {
        guard !isClosed else { return }
        // The owner often drops its last reference from inside onClose.
        withExtendedLifetime(self) { finishClose(reason) }
    }

    private func finishClose(_ reason: CloseReason) {
        isClosed = true
        loop.unregister(input)
        input.close()
        if !sharedDescriptor && !outputGone {
            loop.unregister(output)
            output.close()
        }
        clearQueue()
        queuedBytes = 0
        onClose?(reason)
        onData = nil
        onClose = nil
        onEndOfInput = nil
    }

    private func readAvailable() {
        let buffer = loop.readBuffer
        // A few reads per wake-up keeps one busy peer from starving the others.
        for _ in 0..<4 {
            guard !isClosed, !readingPaused, inputOpen else { return }
            guard let result = io({ try input.read(into: buffer) }) else { return }
            switch result {
            case .wouldBlock:
                return
            case .processed(0):
                if let onEndOfInput {
                    inputOpen = false
                    applyInterest()
                    onEndOfInput()
                } else {
                    close(.endOfFile)
                }
                return
            case .processed(let n):
                onData?(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if n < buffer.count { return }
            }
        }
    }

    private func flush() {
        guard !isClosed, !outputGone else { return }
        while queuedBytes > 0 {
            let offset = headOffset
            let written = Result { try chunks[head].withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) } }
            if case .failure(let error as SystemError) = written, error.errno == EPIPE, !sharedDescriptor {
                return lostOutput()
            }
            guard let result = io({ try written.get() }) else { return }
            switch result {
            case .wouldBlock:
                updateWriteInterest(true)
                return
            case .processed(let n):
                queuedBytes -= n
                headOffset += n
                if headOffset == chunks[head].count {
                    // Written: released now, not when the whole queue drains (our own small
                    // buffer is kept, emptied, for the next message).
                    let done = head == chunks.count - 1 && tailIsOwn && chunks[head].capacity <= 256 << 10
                    if done {
                        swap(&spare, &chunks[head])
                        spare.removeAll(keepingCapacity: true)
                    }
                    chunks[head] = []
                    head += 1
                    headOffset = 0
                    if head == chunks.count { tailIsOwn = false }
                    if head >= 64 && head * 2 >= chunks.count {
                        chunks.removeFirst(head)
                        head = 0
                    }
                }
            }
        }
        clearQueue()
        if writeInterest { updateWriteInterest(false) }
        if closeWhenFlushed { close(.local("closed after flush")) }
    }

    /// The reader of a separate output end went away (a child closed its stdin, or exited).
    /// What it still writes to us is read to the end; what we still had for it is dropped.
    private func lostOutput() {
        guard !isClosed, !outputGone else { return }
        guard inputOpen && !sharedDescriptor else { return close(.endOfFile) }
        outputGone = true
        loop.unregister(output)
        output.close()
        clearQueue()
        queuedBytes = 0
        writeInterest = false
        if closeWhenFlushed { close(.local("closed after flush")) }
    }

    /// Runs one read or write; a failure closes the connection (nil), naming the syscall.
    private func io(_ operation: () throws -> IOResult<Int>) -> IOResult<Int>? {
        do {
            return try operation()
        } catch {
            if let systemError = error as? SystemError { close(.failed(systemError)) } else { close(.local("\(error)")) }
            return nil
        }
    }

    private func updateWriteInterest(_ on: Bool) {
        guard writeInterest != on else { return }
        writeInterest = on
        applyInterest()
    }

    /// A failed epoll_ctl(MOD) would leave output waiting for an event that never comes: the
    /// connection closes instead, naming the call.
    private func applyInterest() {
        guard !isClosed else { return }
        let wantRead = !readingPaused && inputOpen
        do {
            if sharedDescriptor {
                var interest: EventLoop.Interest = []
                if wantRead { interest.insert(.readable) }
                if writeInterest { interest.insert(.writable) }
                try loop.modify(input, interest)
            } else {
                try loop.modify(input, wantRead ? .readable : [])
                if !outputGone { try loop.modify(output, writeInterest ? .writable : []) }
            }
        } catch let error as SystemError {
            close(.failed(error))
        } catch {
            close(.local("\(error)"))
        }
    }

    /// Bytes held for output, written or not (what the buffer costs in memory).
    var bufferedByteCount: Int { chunks[head...].reduce(0) { $0 + $1.count } }
}
