/// Request ids (`X-Request-Id`): the caller's own when it sent a usable one, so one id follows a
/// request through a proxy, the gateway and the function; otherwise `req_…` from an
/// `IDSequence`.
struct RequestIDs {
    private var sequence = IDSequence(prefix: "req")

    /// The id for a request that carried `incoming` (nil: none).
    mutating func id(for incoming: String?) -> String {
        if let incoming, Self.isUsable(incoming) { return incoming }
        return sequence.next()
    }

    /// What a caller's id may be: it goes into headers, logs and the function's context, so
    /// short, printable and without separators that could forge a log field.
    static func isUsable(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || "-_.:+=/@".utf8.contains($0) }
    }
}
