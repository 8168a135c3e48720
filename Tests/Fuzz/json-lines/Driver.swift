// fuzz-modules: FaaSSystem FaaSProtocol
//
// The wire decoder: the stream is split into JSON lines, each possibly followed by the raw
// bytes it announces (MessageReader over LineFramer, JSONValue and MessageCodec). Besides
// "never crashes": a message that decodes encodes to a frame that decodes to the same frame
// (a fixed point), whether the stream arrives whole or a byte at a time.
import FaaSSystem
import FaaSProtocol

private func messages(_ bytes: UnsafeRawBufferPointer, piecewise: Bool) -> [WireMessage] {
    var reader = MessageReader(maxLineLength: 4096)
    var found: [WireMessage] = []
    func drain() -> Bool {
        do {
            while let message = try reader.next() { found.append(message) }
            return true
        } catch {
            return false
        }
    }
    if piecewise {
        for i in 0..<bytes.count {
            reader.append(UnsafeRawBufferPointer(rebasing: bytes[i..<(i + 1)]))
            if !drain() { break }
        }
    } else {
        reader.append(bytes)
        _ = drain()
    }
    return found
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? JSONValue.parse(UnsafeBufferPointer(start: data, count: size))
    let codec = MessageCodec()
    let whole = messages(bytes, piecewise: false)
    let pieces = messages(bytes, piecewise: size <= 512)
    if size <= 512 && whole.map(codec.encodeFrame) != pieces.map(codec.encodeFrame) {
        fatalError("the same stream decodes differently when it arrives byte by byte")
    }
    for message in whole {
        let encoded = codec.encodeFrame(message)
        let again = encoded.withUnsafeBytes { messages($0, piecewise: false) }
        guard again.count == 1 else {
            fatalError("a re-encoded message does not decode to one message: \(String(decoding: encoded.prefix(200), as: UTF8.self))")
        }
        if codec.encodeFrame(again[0]) != encoded {
            fatalError("round trip changed the message: \(String(decoding: encoded.prefix(200), as: UTF8.self))")
        }
    }
    return 0
}
