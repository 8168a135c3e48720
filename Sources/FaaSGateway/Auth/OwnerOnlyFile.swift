import FaaSStore
import FaaSSystem
import Glibc

/// Writes secrets' files (keys.json, admin.key, the function secrets): mode 0600 from the
/// start, to a temporary file that is fsynced and renamed into place, then the folder fsynced,
/// so a reader sees the whole old file or the whole new one, even after a crash.
enum OwnerOnlyFile {
    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // Hidden, so a listing of the folder (the secret names) never shows a half-written one.
        let temporary = "\(folder)/.\(name).\(getpid()).tmp"
        _ = try? syscall("unlink") { unlink(temporary) }  // a leftover of a crashed write
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
        do {
            try fd.closeAfter { fd in
                try fd.writeAll(bytes)
                _ = try syscall("fsync") { fsync(fd.rawValue) }
            }
            try syscall("rename") { rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw error
        }
        try FunctionStore.syncFile(folder.isEmpty ? "/" : folder)
    }
}
