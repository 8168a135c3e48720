/// An `X-Callback-Url`, parsed at the edge: http only (the gateway has no TLS client; put a
/// TLS-terminating relay in front of an https receiver), a host, a port, a path.
struct CallbackURL: Sendable, Equatable {
    let host: String
    let port: UInt16
    /// Path and query, starting with `/`.
    let target: String
    let text: String

    init?(_ text: String) {
        guard text.count <= 2048, text.hasPrefix("http://"), text.allSatisfy({ $0.isASCII && $0 > " " && $0 != "\u{7f}" }) else { return nil }
        let rest = text.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@"), !authority.hasPrefix("[") else { return nil }
        var host = Substring(authority)
        var port: UInt16 = 80
        if let colon = authority.lastIndex(of: ":") {
            guard let value = UInt16(authority[authority.index(after: colon)...]), value > 0 else { return nil }
            port = value
            host = authority[..<colon]
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else { return nil }
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        self.host = host.lowercased()
        self.port = port
        self.target = target
        self.text = text
    }
}
