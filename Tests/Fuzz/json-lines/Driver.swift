// fuzz-modules: FaaSSystem FaaSProtocol
//
// The JSON-lines wire decoder: the stream is split into lines (LineFramer), each line is parsed
// as JSON (JSONValue) and decoded as a message (MessageCodec). Besides "never crashes": a
// message that decodes encodes to a line that decodes to the same encoding (a fixed point).
import FaaSSystem
import FaaSProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? JSONValue.parse(bytes)
    var framer = LineFramer(maxLineLength: 4096)
    framer.append(UnsafeRawBufferPointer(bytes))
    let codec = MessageCodec()
    while case .line(let line) = framer.next() {
        guard let message = try? codec.decode(line) else { continue }
        let encoded = codec.encodeLine(message)
        let body = encoded[..<(encoded.count - 1)]
        guard let again = try? codec.decode(body) else {
            fatalError("re-encoded message does not decode: \(String(decoding: encoded, as: UTF8.self))")
        }
        let reencoded = codec.encodeLine(again)
        if reencoded != encoded {
            fatalError("round trip changed the message: \(String(decoding: encoded, as: UTF8.self)) vs \(String(decoding: reencoded, as: UTF8.self))")
        }
    }
    return 0
}
