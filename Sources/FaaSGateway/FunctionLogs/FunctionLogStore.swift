import FaaSSystem
import Foundation
import Glibc

/// Function logs on disk: `<functions-dir>/.logs/NAME.log`, JSON lines appended whole with
/// `O_APPEND` (so gateways sharing the folder never interleave within a line), rotated to
/// `NAME.log.1` past `maxBytes` (the older one is dropped). Every call blocks: it runs on the
/// logs' own thread (`FunctionLogs`), or in a unit test.
final class FunctionLogStore {
    let directory: String
    let maxBytes: Int

    /// Where a reader is: the file (inode) and the offset up to which it has read whole lines.
    struct Position: Equatable, Sendable {
        var inode: UInt64
        var offset: Int
    }

    init(directory: String, maxBytes: Int) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    func path(_ name: String) -> String { "\(directory)/\(name).log" }
    private func rotatedPath(_ name: String) -> String { path(name) + ".1" }

    /// Appends whole lines; rotates once the file reaches `maxBytes`.
    func append(_ name: String, _ lines: [UInt8]) throws {
        guard !lines.isEmpty else { return }
        let size = try FileDescriptor.open(path(name), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode: 0o600).closeAfter { fd -> Int in
            try fd.writeAll(lines)
            return try Self.size(fd)
        }
        if size >= maxBytes {
            // Atomic: a reader holds the old inode and finds its rest in `.1` (`read(from:)`).
            try syscall("rename") { rename(path(name), rotatedPath(name)) }
        }
    }

    /// The last `count` lines at or after `since` (a stored-form time), oldest first.
    func tail(_ name: String, count: Int, since: String?) throws -> [UInt8] {
        var text = try Self.contents(rotatedPath(name))
        text += try Self.contents(path(name))
        var lines: [ArraySlice<UInt8>] = []
        for line in text.split(separator: UInt8(ascii: "\n")) {
            if let since, let time = FunctionLogEntries.time(of: line), time < since { continue }
            lines.append(line)
        }
        var out: [UInt8] = []
        for line in lines.suffix(count) {
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Where the log ends now (a follower starts there).
    func end(_ name: String) -> Position {
        var info = stat()
        guard stat(path(name), &info) == 0 else { return Position(inode: 0, offset: 0) }
        return Position(inode: UInt64(info.st_ino), offset: Int(info.st_size))
    }

    /// The whole lines written since `position`, and the new position. A rotation in between
    /// is followed: the rest of the old file (now `.1`), then the new one from its start.
    func read(_ name: String, from position: Position) throws -> (lines: [UInt8], position: Position) {
        var info = stat()
        guard stat(path(name), &info) == 0 else {
            // Not written yet, or rotated away just now: nothing new until it is there again.
            return ([], position)
        }
        let inode = UInt64(info.st_ino)
        if inode == position.inode {
            let (lines, offset) = try Self.wholeLines(path(name), from: position.offset)
            return (lines, Position(inode: inode, offset: offset))
        }
        var out: [UInt8] = []
        var old = stat()
        if position.inode != 0, stat(rotatedPath(name), &old) == 0, UInt64(old.st_ino) == position.inode {
            out = try Self.wholeLines(rotatedPath(name), from: position.offset).lines
        }
        let (lines, offset) = try Self.wholeLines(path(name), from: 0)
        return (out + lines, Position(inode: inode, offset: offset))
    }

    /// Removes a function's log (the function was deleted).
    func delete(_ name: String) {
        unlink(path(name))
        unlink(rotatedPath(name))
    }

    // MARK: files

    private static func size(_ fd: FileDescriptor) throws -> Int {
        var info = stat()
        _ = try syscall("fstat") { fstat(fd.rawValue, &info) }
        return Int(info.st_size)
    }

    private static func contents(_ path: String) throws -> [UInt8] {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path, O_RDONLY | O_CLOEXEC) } catch let error as SystemError where error.errno == ENOENT { return [] }
        return try fd.closeAfter { try $0.readAll() }
    }

    /// The bytes of `path` from `offset` up to its last `\n`, and the offset after them.
    private static func wholeLines(_ path: String, from offset: Int) throws -> (lines: [UInt8], offset: Int) {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path, O_RDONLY | O_CLOEXEC) } catch let error as SystemError where error.errno == ENOENT { return ([], offset) }
        return try fd.closeAfter { fd in
            _ = try syscall("lseek") { lseek(fd.rawValue, off_t(offset), SEEK_SET) }
            var bytes = try fd.readAll()
            guard let last = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return ([], offset) }
            bytes.removeSubrange((last + 1)...)
            return (bytes, offset + bytes.count)
        }
    }
}
