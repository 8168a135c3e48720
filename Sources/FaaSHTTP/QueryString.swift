/// `application/x-www-form-urlencoded` query parsing and percent-decoding.
///
/// Decodes to raw bytes rather than `String`: names and values may carry any byte after decoding,
/// and the caller (e.g. function-name validation) decides what is acceptable. Invalid escapes are
/// reported instead of being passed through, so the gateway can answer 400 rather than guess.
public struct QueryString: Sendable, Equatable {
    /// One `name=value` pair, both percent-decoded with `+` as space.
    public struct Item: Sendable, Equatable {
        public var name: [UInt8]
        /// Empty both for `name=` and for a bare `name`.
        public var value: [UInt8]

        public init(name: [UInt8], value: [UInt8]) {
            self.name = name
            self.value = value
        }
    }

    /// A malformed percent escape (`%` not followed by two hex digits).
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Offset of the offending `%` in the decoded input.
        public var offset: Int
        public var message: String

        public init(offset: Int, message: String) {
            self.offset = offset
            self.message = message
        }

        public var description: String { "\(message) at offset \(offset)" }
    }

    /// The pairs in order; empty segments (`a=1&&b=2`) are skipped.
    public var items: [Item]

    public init(items: [Item]) {
        self.items = items
    }

    /// Parses the part of a target after `?` (without the `?`).
    public init(parsing query: some Sequence<UInt8>) throws(DecodingError) {
        let bytes = Array(query)
        var result: [Item] = []
        var thrown: DecodingError?
        bytes.withUnsafeBufferPointer { buffer in
            do throws(DecodingError) {
                result = try QueryString.parseItems(buffer)
            } catch {
                thrown = error
            }
        }
        if let thrown { throw thrown }
        self.items = result
    }

    /// Parses the part of a target after `?` (without the `?`).
    public init(parsing query: String) throws(DecodingError) {
        try self.init(parsing: query.utf8)
    }

    /// The decoded value of the first item named `name` (compared bytewise), if any.
    public func first(_ name: String) -> [UInt8]? {
        let wanted = Array(name.utf8)
        return items.first { $0.name == wanted }?.value
    }

    /// Percent-decodes `bytes`; with `plusAsSpace`, `+` becomes a space (form encoding).
    public static func percentDecode(
        _ bytes: some Sequence<UInt8>, plusAsSpace: Bool = false
    ) throws(DecodingError) -> [UInt8] {
        let array = Array(bytes)
        var out: [UInt8] = []
        var thrown: DecodingError?
        array.withUnsafeBufferPointer { buffer in
            do throws(DecodingError) {
                out = try decode(buffer, base: 0, plusAsSpace: plusAsSpace)
            } catch {
                thrown = error
            }
        }
        if let thrown { throw thrown }
        return out
    }

    /// Percent-decodes a string's UTF-8 bytes.
    public static func percentDecode(_ string: String, plusAsSpace: Bool = false) throws(DecodingError) -> [UInt8] {
        try percentDecode(string.utf8, plusAsSpace: plusAsSpace)
    }

    // MARK: - Internal fast paths (no intermediate copies; used by the request parser)

    static func parseItems(_ query: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> [Item] {
        var items: [Item] = []
        var start = 0
        while start < query.count {
            var end = start
            var equals = -1
            while end < query.count && query[end] != HTTPSyntax.ampersand {
                if equals < 0 && query[end] == HTTPSyntax.equals { equals = end }
                end += 1
            }
            if end > start {
                let nameEnd = equals >= 0 ? equals : end
                let name = try decode(
                    UnsafeBufferPointer(rebasing: query[start..<nameEnd]), base: start, plusAsSpace: true)
                var value: [UInt8] = []
                if equals >= 0 {
                    value = try decode(
                        UnsafeBufferPointer(rebasing: query[(equals + 1)..<end]), base: equals + 1, plusAsSpace: true)
                }
                items.append(Item(name: name, value: value))
            }
            start = end + 1
        }
        return items
    }

    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, base: Int, plusAsSpace: Bool
    ) throws(DecodingError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == HTTPSyntax.percent {
                guard i + 2 < bytes.count,
                    let hi = HTTPSyntax.hexValue(bytes[i + 1]),
                    let lo = HTTPSyntax.hexValue(bytes[i + 2])
                else {
                    throw DecodingError(offset: base + i, message: "invalid percent-encoding")
                }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusAsSpace && b == HTTPSyntax.plus ? HTTPSyntax.sp : b)
                i += 1
            }
        }
        return out
    }
}
