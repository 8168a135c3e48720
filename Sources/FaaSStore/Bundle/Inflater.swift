import CZlib

/// zlib's inflate over a whole buffer, with a ceiling on the output: a stream that would
/// inflate beyond `limit` stops there (`exceeded`), so a bomb never costs more than the limit.
enum Inflater {
    enum Wrapper {
        /// Zip's deflate entries: no header, no checksum (the zip carries a CRC-32).
        case raw
        /// A gzip member (checked by zlib: header, CRC-32, length).
        case gzip
    }

    struct Output {
        var bytes: [UInt8]
        /// Input bytes the stream used (what follows is not part of it).
        var consumed: Int
    }

    enum Failure: Error {
        case exceeded
        case corrupt(String)
    }

    static func inflate(_ input: ArraySlice<UInt8>, wrapper: Wrapper, limit: Int) throws -> Output {
        var stream = czlib_stream()
        guard czlib_inflate_init(&stream, wrapper == .raw ? -15 : 31) == CZLIB_OK else { throw Failure.corrupt("zlib refused to start") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        return try input.withUnsafeBufferPointer { source -> Output in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(clamping: source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return CZlib.inflate(&stream, CZLIB_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit { throw Failure.exceeded }
                output.append(contentsOf: chunk[0..<produced])
                if status == CZLIB_STREAM_END {
                    return Output(bytes: output, consumed: source.count - Int(stream.avail_in))
                }
                if status == CZLIB_BUF_ERROR && stream.avail_in == 0 { throw Failure.corrupt("the compressed data ends early") }
                guard status == CZLIB_OK || status == CZLIB_BUF_ERROR else {
                    let message = stream.msg.map { String(cString: $0) } ?? "inflate error \(status)"
                    throw Failure.corrupt(message)
                }
            }
        }
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            var crc: UInt = CZlib.crc32(0, nil, 0)
            var offset = 0
            while offset < buffer.count {
                let count = min(buffer.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, buffer.baseAddress! + offset, UInt32(count))
                offset += count
            }
            return UInt32(truncatingIfNeeded: crc)
        }
    }
}
