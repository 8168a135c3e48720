/// Reads a gzip-compressed tar archive: ustar headers, pax extended headers (`path`, `size`,
/// `linkpath`) and GNU long names. The gzip stream inflates at most to what the limits allow
/// (contents plus the headers' own blocks), so a bomb stops at the ceiling. Regular files and
/// folders only: links, devices and FIFOs are refused.
enum TarReader {
    static func entries(_ archive: [UInt8], limits: BundleLimits) throws -> [ArchiveEntry] {
        // Every entry costs at least one 512-byte header, a pax or long-name record two more, and
        // its data pads up to a block: the tar stream of an allowed bundle never exceeds this.
        let ceiling = limits.maxUnpackedBytes + (limits.maxFiles + 1) * 2048 + 2048
        let tar: [UInt8]
        do {
            let output = try Inflater.inflate(archive[...], wrapper: .gzip, limit: ceiling)
            if archive[output.consumed...].contains(where: { $0 != 0 }) { throw BundleError.corrupt("data after the gzip stream") }
            tar = output.bytes
        } catch Inflater.Failure.exceeded {
            throw BundleError.tooLarge(limits.maxUnpackedBytes)
        } catch Inflater.Failure.corrupt(let why) {
            throw BundleError.corrupt("gzip: \(why)")
        }
        var entries: [ArchiveEntry] = []
        var total = 0
        var offset = 0
        var pending: [String: String] = [:]
        var longName: String?
        while true {
            guard offset + 512 <= tar.count else { throw BundleError.corrupt("the tar stream ends without its end blocks") }
            let header = tar[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            guard checksumMatches(header) else { throw BundleError.corrupt("a tar header fails its checksum (at byte \(offset))") }
            let type = header[header.startIndex + 156]
            var size = try octal(header, 124, 12)
            if let paxSize = pending["size"], let value = Int(paxSize) { size = value }
            let dataStart = offset + 512
            guard size >= 0, dataStart + size <= tar.count else { throw BundleError.corrupt("a tar entry's data is cut short") }
            let data = Array(tar[dataStart..<(dataStart + size)])
            offset = dataStart + (size + 511) / 512 * 512
            switch type {
            case UInt8(ascii: "x"):
                pending = try paxRecords(data)
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "L"):
                longName = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                continue
            default:
                break
            }
            let name = pending["path"] ?? longName ?? fullName(header)
            pending = [:]
            longName = nil
            switch type {
            case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "K"):
                throw BundleError.link(name)
            case UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"):
                throw BundleError.special(name)
            case UInt8(ascii: "5"):
                entries.append(ArchiveEntry(path: try BundlePath.check(name), kind: .directory))
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                let path = try BundlePath.check(name)
                total += data.count
                if total > limits.maxUnpackedBytes { throw BundleError.tooLarge(limits.maxUnpackedBytes) }
                let mode = (try? octal(header, 100, 8)) ?? 0
                entries.append(ArchiveEntry(path: path, kind: .file(data), executable: mode & 0o100 != 0))
            default:
                throw BundleError.unsupported("tar entry type \(Character(Unicode.Scalar(type)).debugDescription) (\(name.debugDescription))")
            }
            if entries.count > limits.maxFiles { throw BundleError.tooManyFiles(limits.maxFiles) }
        }
        if total > max(archive.count, 1) * limits.maxRatio { throw BundleError.ratio(limits.maxRatio) }
        return entries
    }

    /// ustar: `prefix/name` when the prefix field is set.
    private static func fullName(_ header: ArraySlice<UInt8>) -> String {
        let name = field(header, 0, 100)
        let isUstar = field(header, 257, 5) == "ustar"
        let prefix = isUstar ? field(header, 345, 155) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    private static func field(_ header: ArraySlice<UInt8>, _ at: Int, _ length: Int) -> String {
        let start = header.startIndex + at
        return String(decoding: header[start..<(start + length)].prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func octal(_ header: ArraySlice<UInt8>, _ at: Int, _ length: Int) throws -> Int {
        let start = header.startIndex + at
        let bytes = header[start..<(start + length)]
        // GNU's base-256 form (first byte 0x80) for sizes over 8 GiB: far beyond any limit.
        if let first = bytes.first, first & 0x80 != 0 { throw BundleError.tooLarge(Int.max) }
        let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: " ")
        if text.isEmpty { return 0 }
        guard let value = Int(text, radix: 8) else { throw BundleError.corrupt("a tar header has a malformed number") }
        return value
    }

    private static func checksumMatches(_ header: ArraySlice<UInt8>) -> Bool {
        guard let stored = try? octal(header, 148, 8) else { return false }
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
        return sum == stored
    }

    /// pax records: `LENGTH KEY=VALUE\n`, one after another.
    private static func paxRecords(_ data: [UInt8]) throws -> [String: String] {
        var records: [String: String] = [:]
        var at = 0
        while at < data.count {
            guard let space = data[at...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[at..<space], as: UTF8.self)), length > 0, at + length <= data.count else {
                throw BundleError.corrupt("a malformed pax header")
            }
            let record = data[(space + 1)..<(at + length)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                var value = Array(record[(equals + 1)...])
                if value.last == UInt8(ascii: "\n") { value.removeLast() }
                records[key] = String(decoding: value, as: UTF8.self)
            }
            at += length
        }
        return records
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
