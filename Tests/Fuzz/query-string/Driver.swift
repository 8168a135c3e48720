// fuzz-modules: FaaSSystem FaaSHTTP
//
// The query-string decoder (`a=1&b=%41+c`). Besides "never crashes": re-encoding what was
// decoded and decoding it again gives the same items.
import FaaSHTTP

private func encode(_ bytes: [UInt8]) -> [UInt8] {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for b in bytes {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            out.append(b)
        default:
            out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
        }
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? QueryString.percentDecode(bytes, plusAsSpace: false)
    guard let query = try? QueryString(parsing: bytes) else { return 0 }
    var again: [UInt8] = []
    for item in query.items {
        if !again.isEmpty { again.append(UInt8(ascii: "&")) }
        again += encode(item.name) + [UInt8(ascii: "=")] + encode(item.value)
    }
    // Items with an empty name and value are dropped by re-encoding ("=" alone is kept).
    guard let reparsed = try? QueryString(parsing: again) else {
        fatalError("re-encoded query does not parse: \(again)")
    }
    if reparsed.items != query.items {
        fatalError("round trip changed the items: \(query.items) vs \(reparsed.items)")
    }
    return 0
}
