/// Browsers add `Origin` to cross-site requests (a "simple" text/plain POST included) and
/// pages cannot remove it: a request whose `Origin` is not the gateway's own is refused on
/// every route that needs a key, so a page cannot use a browser's cached Basic credentials.
enum OriginPolicy {
    /// Whether `origin` (`scheme://host[:port]`) names the same host and port as `host` (the
    /// request's `Host`). `null` (sandboxed or file pages) is foreign.
    static func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, !host.isEmpty, let schemeEnd = origin.range(of: "://") else { return false }
        let scheme = origin[..<schemeEnd.lowerBound].lowercased()
        var authority = origin[schemeEnd.upperBound...].lowercased()
        if authority.hasSuffix("/") { authority.removeLast() }
        let ownHost = host.lowercased()
        if authority == ownHost { return true }
        // Default ports may be written or left out on either side.
        let port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : nil
        guard let port else { return false }
        return authority + port == ownHost || authority == ownHost + port
    }
}
