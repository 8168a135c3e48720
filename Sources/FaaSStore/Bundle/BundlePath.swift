/// An archive entry's name made a relative path inside the bundle, or refused: absolute paths,
/// `..`, NUL or backslashes, and names too long for a file system never reach the disk.
enum BundlePath {
    static func check(_ raw: String) throws -> String {
        if raw.hasPrefix("/") { throw BundleError.unsafePath(raw, "absolute path") }
        if raw.utf8.contains(0) || raw.contains("\\") { throw BundleError.unsafePath(raw, "NUL or backslash in the name") }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw BundleError.unsafePath(raw, "\"..\" leaves the bundle") }
            if part.utf8.count > 255 { throw BundleError.unsafePath(raw, "a name longer than 255 bytes") }
            parts.append(part)
        }
        if parts.isEmpty { throw BundleError.unsafePath(raw, "empty name") }
        let path = parts.joined(separator: "/")
        if path.utf8.count > 1024 { throw BundleError.unsafePath(raw, "a path longer than 1024 bytes") }
        return path
    }
}
