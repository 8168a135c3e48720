import Glibc
import CFaaSSystem

/// Socket set-up for the daemons: UNIX-domain listeners and clients, and the TCP listener.
/// Every descriptor is created close-on-exec and non-blocking.
public enum Socket {
    /// Listens on a UNIX socket path. A stale file left by a crashed daemon is removed; a path
    /// where another daemon still answers is refused, so a second instance never steals it.
    public static func listenUnix(path: String, backlog: Int32 = 1024) throws -> FileDescriptor {
        var info = stat()
        if lstat(path, &info) == 0 {
            // Only a socket can be a crashed daemon's leftover: anything else at the path (a
            // mistyped --lb-sock naming a regular file) is refused, never deleted.
            guard info.st_mode & S_IFMT == S_IFSOCK else { throw SocketError.notASocket(path) }
            do {
                try connectUnix(path: path).close()
                throw SocketError.addressInUse(path)
            } catch let error as SystemError where error.errno == EAGAIN {
                // Alive, just busy: still in use.
                throw SocketError.addressInUse(path)
            } catch is SystemError {
                // Nobody answers (ECONNREFUSED): a stale file from a crash.
                unlink(path)
            }
        }
        return try openSocket(AF_UNIX) { fd in
            try withSocketAddress(try unixAddress(path)) { address, length in
                _ = try syscall("bind") { bind(fd.rawValue, address, length) }
            }
            try syscall("listen") { listen(fd.rawValue, backlog) }
        }
    }

    /// Connects to a UNIX socket without waiting: on Linux the connection is made at once, or
    /// refused, or (the listener's backlog is full) fails with EAGAIN, which callers treat as
    /// "try again later". The returned descriptor is non-blocking.
    public static func connectUnix(path: String) throws -> FileDescriptor {
        try openSocket(AF_UNIX) { fd in
            try withSocketAddress(try unixAddress(path)) { address, length in
                _ = try syscall("connect") { connect(fd.rawValue, address, length) }
            }
        }
    }

    /// Starts a TCP connection to the IPv4 `address` (host byte order) without waiting: the
    /// descriptor becomes writable when it is made or has failed (see `pendingError`).
    public static func connectTCP(address: UInt32, port: UInt16) throws -> FileDescriptor {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr.s_addr = address.bigEndian
        return try openSocket(AF_INET) { fd in
            try withSocketAddress(socketAddress) { address, length in
                if connect(fd.rawValue, address, length) == -1 {
                    let code = errno
                    guard code == EINPROGRESS || code == EINTR else { throw SystemError("connect", errno: code) }
                }
            }
        }
    }

    /// The outcome of a non-blocking connect once the socket is writable: 0, or the errno.
    public static func pendingError(_ fd: FileDescriptor) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd.rawValue, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    /// Listens on TCP `host:port` (port 0 picks a free port: see `localPort`).
    public static func listenTCP(host: String, port: UInt16, backlog: Int32 = 4096) throws -> FileDescriptor {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
            throw SocketError.badAddress(host)
        }
        return try openSocket(AF_INET) { fd in
            var one: Int32 = 1
            try syscall("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd.rawValue, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            try withSocketAddress(address) { address, length in
                _ = try syscall("bind") { bind(fd.rawValue, address, length) }
            }
            try syscall("listen") { listen(fd.rawValue, backlog) }
        }
    }

    /// The port a TCP socket is bound to.
    public static func localPort(_ fd: FileDescriptor) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try syscall("getsockname") { getsockname(fd.rawValue, sa, &length) }
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Accepts one connection, non-blocking and close-on-exec.
    public static func accept(_ listener: FileDescriptor) throws -> IOResult<FileDescriptor> {
        switch try nonBlockingSyscall("accept4", {
            accept4(listener.rawValue, nil, nil, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
        }) {
        case .processed(let fd): return .processed(FileDescriptor(rawValue: fd))
        case .wouldBlock: return .wouldBlock
        }
    }

    public static func setNoDelay(_ fd: FileDescriptor) {
        var one: Int32 = 1
        _ = setsockopt(fd.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A new stream socket, non-blocking and close-on-exec, set up by `body`; closed again if
    /// the set-up fails.
    private static func openSocket(_ family: Int32, _ body: (FileDescriptor) throws -> Void) throws -> FileDescriptor {
        let fd = FileDescriptor(rawValue: try syscall("socket") {
            socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        })
        do {
            try body(fd)
            return fd
        } catch {
            fd.close()
            throw error
        }
    }

    /// Hands `body` a concrete address as the generic `sockaddr` the socket calls take.
    private static func withSocketAddress<Address>(_ address: Address, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Void) throws {
        var address = address
        try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }

    private static func unixAddress(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { throw SocketError.pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }
}
