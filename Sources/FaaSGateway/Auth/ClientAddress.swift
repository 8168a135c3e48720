import Glibc

/// The client a request comes from: the socket's peer, or, when that peer is a trusted proxy,
/// the address the proxy put in `X-Forwarded-For` (read from the right, skipping trusted hops).
enum ClientAddress {
    static func effective(peer: String, forwardedFor: [String], trusted: Set<String>) -> String {
        guard !trusted.isEmpty, trusted.contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var current = peer
        for hop in hops.reversed() {
            guard trusted.contains(current), let address = normalized(hop) else { break }
            current = address
        }
        return current
    }

    /// The canonical text of an IPv4 or IPv6 address, or nil when `text` is not one.
    static func normalized(_ text: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            guard inet_ntop(AF_INET, &v4, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return String(cString: buffer)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return String(cString: buffer)
        }
        return nil
    }
}
