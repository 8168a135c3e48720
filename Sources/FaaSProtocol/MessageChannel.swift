import FaaSSystem

/// A JSON-lines peer on the event loop: a `Connection` plus framing and coding. A malformed
/// or oversized line closes the channel (the stream can no longer be trusted), with a reason.
public final class MessageChannel {
    public let connection: Connection
    private var framer = LineFramer(maxLineLength: WireProtocol.maxLineLength)
    private let codec = MessageCodec()

    public var onMessage: ((WireMessage) -> Void)?
    /// Called once, with why the channel ended.
    public var onClose: ((String) -> Void)?

    public var isClosed: Bool { connection.isClosed }

    public init(connection: Connection) {
        self.connection = connection
        // These closures keep the channel alive while its connection is open; the connection
        // drops them when it closes, which ends the cycle.
        connection.onData = { [self] bytes in self.received(bytes) }
        connection.onClose = { [self] reason in
            let handler = self.onClose
            self.onClose = nil
            self.onMessage = nil
            handler?(reason.description)
        }
    }

    public func start() throws { try connection.start() }

    /// Queues one message.
    public func send(_ message: WireMessage) {
        connection.send(codec.encodeLine(message))
    }

    public func close(_ why: String) { connection.close(.local(why)) }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        framer.append(bytes)
        while !connection.isClosed {
            switch framer.next() {
            case .needMoreBytes:
                return
            case .lineTooLong:
                connection.close(.local("protocol error: line longer than \(framer.maxLineLength) bytes"))
                return
            case .line(let line):
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
                let message: WireMessage
                do {
                    message = try codec.decode(line)
                } catch {
                    let preview = String(decoding: line.prefix(120), as: UTF8.self)
                    connection.close(.local("protocol error: bad message \(preview.debugDescription): \(error)"))
                    return
                }
                onMessage?(message)
            }
        }
    }
}
