import FaaSSystem

/// A client connection to a daemon's UNIX socket that comes back by itself: it retries until
/// the peer is up, and after a loss it reports the loss and starts over. The server uses one to
/// reach the load balancer, the gateway one to reach the server; either peer may start late
/// or restart.
public final class ReconnectingChannel {
    private let path: String
    private let peer: String
    private let loop: EventLoop
    private let log: Logger
    private let retryDelay: Double
    private var channel: MessageChannel?
    private var stopped = false

    public var onConnect: (() -> Void)?
    public var onMessage: ((WireMessage) -> Void)?
    /// The connection was lost (not called for `stop`); a reconnect is already scheduled.
    public var onDisconnect: ((String) -> Void)?

    public init(path: String, peer: String, loop: EventLoop, log: Logger, retryDelay: Double = 0.2) {
        self.path = path
        self.peer = peer
        self.loop = loop
        self.log = log
        self.retryDelay = retryDelay
    }

    public var isConnected: Bool { channel != nil }

    public func connect() {
        guard !stopped, channel == nil else { return }
        let fd: FileDescriptor
        do {
            fd = try Socket.connectUnix(path: path)
        } catch {
            log.debug("\(peer) not reachable yet: \(error)")
            loop.schedule(after: retryDelay) { [weak self] in self?.connect() }
            return
        }
        let channel = MessageChannel(connection: Connection(loop: loop, socket: fd))
        do {
            try channel.start()
        } catch {
            log.error("cannot watch the \(peer) connection", ["error": error])
            channel.close("\(error)")
            loop.schedule(after: retryDelay) { [weak self] in self?.connect() }
            return
        }
        // Handlers only once started: nothing can arrive before we return to the loop, and a
        // failed start must not count as a lost connection.
        channel.onMessage = { [unowned self] message in self.onMessage?(message) }
        channel.onClose = { [unowned self] why in
            self.channel = nil
            guard !self.stopped else { return }
            self.log.warn("\(self.peer) connection lost", ["reason": why])
            self.onDisconnect?(why)
            self.loop.schedule(after: min(self.retryDelay, 0.1)) { [weak self] in self?.connect() }
        }
        self.channel = channel
        log.info("connected to \(peer)", ["socket": path])
        onConnect?()
    }

    /// Sends when connected; false when there is no connection right now.
    @discardableResult
    public func send(_ message: WireMessage) -> Bool {
        guard let channel else { return false }
        channel.send(message)
        return true
    }

    /// Drops the connection (e.g. after a protocol error); a reconnect follows.
    public func reset(_ why: String) {
        channel?.close(why)
    }

    public func stop() {
        stopped = true
        channel?.close("shutdown")
        channel = nil
    }
}
