// fuzz-modules: FaaSSystem CZlib FaaSStore
//
// The deploy bundle readers (zip central directory + deflate, gzip + tar). Besides "never
// crashes": whatever is accepted keeps within the limits, its paths are relative and free of
// `..`, and no path is there twice.
import FaaSStore

private let limits = BundleLimits(maxFiles: 64, maxUnpackedBytes: 1 << 20, maxRatio: 200)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let format = ArchiveFormat(detecting: bytes), let archive = try? BundleArchive(format: format, bytes: bytes, limits: limits) else {
        return 0
    }
    if archive.entries.count > limits.maxFiles { fatalError("more entries than the limit: \(archive.entries.count)") }
    var total = 0
    var seen = Set<String>()
    for entry in archive.entries {
        if entry.path.hasPrefix("/") || entry.path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) || entry.path.isEmpty {
            fatalError("unsafe path accepted: \(entry.path.debugDescription)")
        }
        if case .file(let contents) = entry.kind {
            total += contents.count
            if !seen.insert(entry.path).inserted { fatalError("duplicate accepted: \(entry.path)") }
        }
    }
    if total > limits.maxUnpackedBytes { fatalError("over the unpacked limit: \(total)") }
    return 0
}
