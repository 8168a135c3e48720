import Glibc

extension Socket {
    /// The IPv4 address of a connected TCP socket's peer, as text; nil if it cannot be read.
    public static func peerAddress(_ fd: FileDescriptor) -> String? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                try? syscall("getpeername") { getpeername(fd.rawValue, sa, &length) }
            }
        }
        guard result != nil, address.sin_family == sa_family_t(AF_INET) else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &address.sin_addr, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(cString: buffer)
    }
}
