/// Reads a zip archive from its central directory (the authoritative list; local headers only
/// locate the data): stored and deflated entries, regular files and folders. Encryption,
/// zip64 and multi-disk archives are refused; so are links and special files (told from the
/// Unix mode a zip made on Unix carries). Sizes are checked against the limits before
/// anything is inflated, and each entry inflates at most to its declared size.
enum ZipReader {
    static func entries(_ bytes: [UInt8], limits: BundleLimits) throws -> [ArchiveEntry] {
        let directory = try centralDirectory(bytes)
        var records: [Record] = []
        var offset = directory.offset
        for _ in 0..<directory.count {
            let record = try Record(bytes, at: offset)
            records.append(record)
            offset = record.next
            if records.count > limits.maxFiles { throw BundleError.tooManyFiles(limits.maxFiles) }
        }
        let total = records.reduce(0) { $0 + $1.size }
        if total > limits.maxUnpackedBytes { throw BundleError.tooLarge(limits.maxUnpackedBytes) }
        if total > max(bytes.count, 1) * limits.maxRatio { throw BundleError.ratio(limits.maxRatio) }
        return try records.map { try $0.entry(in: bytes) }
    }

    /// The end-of-central-directory record: where the directory starts and how many entries.
    private static func centralDirectory(_ bytes: [UInt8]) throws -> (offset: Int, count: Int) {
        guard bytes.count >= 22 else { throw BundleError.corrupt("no zip end record") }
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while at >= lowest {
            if u32(bytes, at) == 0x0605_4B50 {
                let (disk, directoryDisk) = (u16(bytes, at + 4), u16(bytes, at + 6))
                let (count, total) = (u16(bytes, at + 8), u16(bytes, at + 10))
                let offset = Int(u32(bytes, at + 16))
                if disk != 0 || directoryDisk != 0 || count != total { throw BundleError.unsupported("several disks") }
                if total == 0xFFFF || offset == 0xFFFF_FFFF { throw BundleError.unsupported("zip64") }
                guard offset <= at else { throw BundleError.corrupt("the central directory lies outside the archive") }
                return (offset, Int(total))
            }
            at -= 1
        }
        throw BundleError.corrupt("no zip end record")
    }

    private struct Record {
        let name: String
        let method: UInt16
        let crc: UInt32
        let compressedSize: Int
        let size: Int
        let localOffset: Int
        let mode: UInt32?
        let next: Int

        init(_ bytes: [UInt8], at offset: Int) throws {
            guard offset + 46 <= bytes.count, u32(bytes, offset) == 0x0201_4B50 else { throw BundleError.corrupt("a central directory entry is missing") }
            let madeBy = u16(bytes, offset + 4)
            let flags = u16(bytes, offset + 8)
            method = u16(bytes, offset + 10)
            crc = u32(bytes, offset + 16)
            compressedSize = Int(u32(bytes, offset + 20))
            size = Int(u32(bytes, offset + 24))
            let nameLength = Int(u16(bytes, offset + 28)), extraLength = Int(u16(bytes, offset + 30)), commentLength = Int(u16(bytes, offset + 32))
            let external = u32(bytes, offset + 38)
            localOffset = Int(u32(bytes, offset + 42))
            next = offset + 46 + nameLength + extraLength + commentLength
            guard next <= bytes.count else { throw BundleError.corrupt("a central directory entry is cut short") }
            name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            if flags & 1 != 0 { throw BundleError.unsupported("encryption (\(name.debugDescription))") }
            if compressedSize == 0xFFFF_FFFF || size == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF { throw BundleError.unsupported("zip64") }
            // The Unix mode, when a Unix zip wrote it (the upper half of the external attributes).
            mode = madeBy >> 8 == 3 ? external >> 16 : nil
        }

        func entry(in bytes: [UInt8]) throws -> ArchiveEntry {
            let kind = (mode ?? 0) & 0o170000
            if kind == 0o120000 { throw BundleError.link(name) }
            if kind != 0, kind != 0o100000, kind != 0o040000 { throw BundleError.special(name) }
            let path = try BundlePath.check(name)
            if name.hasSuffix("/") || kind == 0o040000 {
                return ArchiveEntry(path: path, kind: .directory)
            }
            guard localOffset + 30 <= bytes.count, u32(bytes, localOffset) == 0x0403_4B50 else {
                throw BundleError.corrupt("the local header of \(name.debugDescription) is missing")
            }
            let start = localOffset + 30 + Int(u16(bytes, localOffset + 26)) + Int(u16(bytes, localOffset + 28))
            guard start + compressedSize <= bytes.count else { throw BundleError.corrupt("the data of \(name.debugDescription) is cut short") }
            let data = bytes[start..<(start + compressedSize)]
            let contents: [UInt8]
            switch method {
            case 0:
                contents = Array(data)
            case 8:
                do {
                    contents = try Inflater.inflate(data, wrapper: .raw, limit: size).bytes
                } catch Inflater.Failure.exceeded {
                    throw BundleError.corrupt("\(name.debugDescription) inflates beyond its declared size")
                } catch Inflater.Failure.corrupt(let why) {
                    throw BundleError.corrupt("\(name.debugDescription): \(why)")
                }
            default:
                throw BundleError.unsupported("compression method \(method) (\(name.debugDescription)); use stored or deflate")
            }
            guard contents.count == size else { throw BundleError.corrupt("\(name.debugDescription) is not its declared size") }
            guard Inflater.crc32(contents) == crc else { throw BundleError.corrupt("\(name.debugDescription) fails its CRC-32 check") }
            return ArchiveEntry(path: path, kind: .file(contents), executable: (mode ?? 0) & 0o100 != 0)
        }
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
        guard at + 2 <= bytes.count else { return 0 }
        return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
    }

    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        guard at + 4 <= bytes.count else { return 0 }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
