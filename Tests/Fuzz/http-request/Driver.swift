// fuzz-modules: FaaSSystem FaaSHTTP
//
// The gateway's HTTP/1.x request parser. Besides "never crashes", it checks the parser's
// documented promise: the results are the same however the bytes are split. The first byte
// picks the piece size (its low 4 bits) and the limits (its high bits: small ones reach the
// 413/414/431 paths with short inputs); the rest is parsed whole, then in pieces.
import FaaSHTTP

private let limitSets = [
    HTTPParserLimits(maxHeadSize: 512, maxBodySize: 2048, maxURILength: 256, maxTrailerSize: 256, maxChunkLineLength: 64),
    HTTPParserLimits(maxHeadSize: 0, maxBodySize: 0, maxURILength: 0, maxTrailerSize: 0, maxChunkLineLength: 0),
    HTTPParserLimits(maxHeadSize: 300, maxBodySize: 10, maxURILength: 100, maxTrailerSize: 40, maxChunkLineLength: 20),
    HTTPParserLimits(),
]

/// Feeds `input` in pieces of `step` bytes (the whole input when `step` is 0) and returns every
/// result up to the first error, as the gateway would see them.
private func results(_ input: [UInt8], step: Int, limits: HTTPParserLimits) -> [HTTPParseResult] {
    var parser = HTTPRequestParser(limits: limits)
    var buffer: [UInt8] = []
    var consumed = 0
    var out: [HTTPParseResult] = []
    var offset = 0
    while offset < input.count {
        let end = step == 0 ? input.count : min(input.count, offset + step)
        buffer.append(contentsOf: input[offset..<end])
        offset = end
        loop: while true {
            let result = parser.parse(buffer, consumed: &consumed)
            switch result {
            case .needMoreBytes:
                break loop
            case .error:
                out.append(result)
                return out
            default:
                out.append(result)
            }
        }
        // Compact as the gateway does: unconsumed bytes stay first.
        buffer.removeFirst(consumed)
        consumed = 0
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let input = Array(bytes.dropFirst())
    let limits = limitSets[Int(first >> 4) % limitSets.count]
    let whole = results(input, step: 0, limits: limits)
    let split = results(input, step: Int(first % 16) + 1, limits: limits)
    if whole != split {
        fatalError("split-dependent results: whole \(whole) vs split \(split)")
    }
    return 0
}
