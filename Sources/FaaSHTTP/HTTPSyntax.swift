/// Byte-level grammar helpers shared by the HTTP parser and serializer (RFC 9110 / 9112).
///
/// Kept internal and allocation-free: everything here runs per byte on the request hot path.
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B
    static let question: UInt8 = 0x3F
    static let slash: UInt8 = 0x2F
    static let percent: UInt8 = 0x25
    static let plus: UInt8 = 0x2B
    static let ampersand: UInt8 = 0x26
    static let equals: UInt8 = 0x3D

    /// `tchar` from RFC 9110 §5.6.2: the bytes allowed in methods and field names.
    @inline(__always)
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Bytes allowed inside a field value: VCHAR, obs-text, SP and HTAB (no CTLs, so no bare CR/LF/NUL).
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == htab || (b >= 0x20 && b != 0x7F)
    }

    /// Bytes allowed in a request-target: visible ASCII only (RFC 3986 characters plus a little slack).
    @inline(__always)
    static func isTargetByte(_ b: UInt8) -> Bool {
        b >= 0x21 && b <= 0x7E
    }

    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool {
        b == sp || b == htab
    }

    @inline(__always)
    static func asciiLower(_ b: UInt8) -> UInt8 {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) ? b | 0x20 : b
    }

    /// Value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// Case-insensitive ASCII comparison of raw bytes against a lowercase literal.
    @inline(__always)
    static func equalsLowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let lit = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for i in 0..<bytes.count where asciiLower(bytes[i]) != lit[i] {
            return false
        }
        return true
    }

    /// Whether `bytes` starts with the literal `prefix` (case-sensitive).
    @inline(__always)
    static func equalsPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        let lit = UnsafeBufferPointer(start: prefix.utf8Start, count: n)
        for i in 0..<n where bytes[i] != lit[i] {
            return false
        }
        return true
    }

    /// Case-insensitive ASCII comparison of two strings (header names, list tokens).
    static func equalsIgnoringASCIICase(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        let ua = a.utf8
        let ub = b.utf8
        guard ua.count == ub.count else { return false }
        return ua.elementsEqual(ub) { asciiLower($0) == asciiLower($1) }
    }

    /// Calls `body` with each non-empty, whitespace-trimmed element of a comma-separated list.
    static func forEachListElement(_ value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var copy = value
        copy.withUTF8 { bytes in forEachListElement(bytes, body) }
    }

    /// Calls `body` with each non-empty, whitespace-trimmed element of a comma-separated list.
    static func forEachListElement(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != comma { end += 1 }
            var lo = start
            var hi = end
            while lo < hi && isOWS(bytes[lo]) { lo += 1 }
            while hi > lo && isOWS(bytes[hi - 1]) { hi -= 1 }
            if hi > lo {
                body(UnsafeBufferPointer(rebasing: bytes[lo..<hi]))
            }
            start = end + 1
        }
    }

    /// Appends the decimal digits of a non-negative integer without going through `String`.
    @inline(__always)
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 10 && value >= 0 {
            buffer.append(UInt8(truncatingIfNeeded: value) &+ UInt8(ascii: "0"))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for any Int64
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[count] = UInt8(truncatingIfNeeded: magnitude % 10) &+ UInt8(ascii: "0")
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if value < 0 { buffer.append(UInt8(ascii: "-")) }
            var i = count
            while i > 0 {
                i -= 1
                buffer.append(raw[i])
            }
        }
    }
}
