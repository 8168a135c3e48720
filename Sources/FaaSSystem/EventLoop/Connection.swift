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
    private var pending: [UInt8] = []
    private var pendingOffset = 0
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

    public var pendingOutputCount: Int { pending.count - pendingOffset }

    private static let directWriteMinimum = 64 << 10

    public func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { send($0) }
    }

    /// Queues bytes. They are written at the end of the current loop turn, so the many small
    /// messages one turn produces for a peer leave in one write(2) instead of one each.
    public func send(_ bytes: UnsafeRawBufferPointer) {
        guard !isClosed, !outputGone, !bytes.isEmpty else { return }
        var bytes = bytes
        // A large block (a payload) goes to the kernel straight from the caller's buffer when
        // the descriptor is not backed up: what the kernel takes is never copied here. What is
        // already queued goes first.
        if bytes.count >= Self.directWriteMinimum && !writeInterest {
            flush()
            guard !isClosed, !outputGone else { return }
            if pendingOutputCount == 0 && !writeInterest {
                guard let result = io({ try output.write(bytes) }) else { return }
                if case .processed(let n) = result {
                    guard n < bytes.count else { return }
                    bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
                }
            }
        }
        if pendingOutputCount + bytes.count > maxPendingOutput {
            close(.local("peer is not reading: over \(maxPendingOutput) bytes of output waiting"))
            return
        }
        // A peer that never quite catches up never drains the buffer: drop the written front
        // once it is most of it, so memory follows what waits, not what was ever sent.
        if pendingOffset >= 64 * 1024 && pendingOffset * 2 >= pending.count {
            pending.removeSubrange(0..<pendingOffset)
            pendingOffset = 0
        }
        pending.append(contentsOf: bytes)
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
        pending = []
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
        while pendingOutputCount > 0 {
            let offset = pendingOffset
            let written = Result { try pending.withUnsafeBytes { try output.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) } }
            if case .failure(let error as SystemError) = written, error.errno == EPIPE, !sharedDescriptor {
                return lostOutput()
            }
            guard let result = io({ try written.get() }) else { return }
            switch result {
            case .wouldBlock:
                updateWriteInterest(true)
                return
            case .processed(let n): pendingOffset += n
            }
        }
        pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
        pendingOffset = 0
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
        pending = []
        pendingOffset = 0
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
    var bufferedByteCount: Int { pending.count }
}
