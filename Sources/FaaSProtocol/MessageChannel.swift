import FaaSSystem

/// A wire-protocol peer on the event loop: a `Connection` plus framing and coding. A malformed
/// or oversized message closes the channel (the stream can no longer be trusted), with a reason.
public final class MessageChannel {
    public let connection: Connection
    private var reader = MessageReader(maxLineLength: WireProtocol.maxLineLength)
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

    /// Queues one message: its line, then its attachment straight from the message's array.
    public func send(_ message: WireMessage) {
        let (line, attachment) = codec.encode(message)
        connection.send(line)
        if let attachment { connection.send(attachment) }
    }

    public func close(_ why: String) { connection.close(.local(why)) }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        reader.append(bytes)
        while !connection.isClosed {
            let message: WireMessage?
            do {
                message = try reader.next()
            } catch {
                connection.close(.local(error.description))
                return
            }
            guard let message else { return }
            onMessage?(message)
        }
    }
}
