import FaaSSystem
import Foundation
import Glibc

/// The API keys, in `<auth dir>/keys.json` (mode 0600, in a 0700 folder). Only hashes are
/// stored. Every change is a read-modify-write under an exclusive lock on `keys.lock`, written
/// to a temporary file, fsynced and renamed into place, so gateways sharing the folder never
/// lose each other's changes; each gateway re-reads the file when its identity (inode, change
/// time) differs from what it last read, checked per request, so a revoked key stops working
/// on every gateway at the next request.
final class KeyStore {
    let directory: String
    var path: String { directory + "/keys.json" }
    private var lockPath: String { directory + "/keys.lock" }
    private(set) var records: [APIKeyRecord] = []
    private var hashes: [[UInt8]] = []
    private var identity: FileIdentity?
    /// Changes in the folder since the last look (`KeyFileWatch`); until one, no stat per request.
    private let watch: KeyFileWatch
    /// The file must be looked at again (a change was seen, or the last read failed).
    private var stale = true
    /// Last-use times not yet written (written at most once a minute per key).
    private var lastUsed: [String: Double] = [:]
    private let log: Logger

    init(directory: String, log: Logger) throws {
        self.directory = directory
        self.log = log
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try syscall("chmod") { chmod(directory, 0o700) }
        // Watched before the first read: no change can fall between the two.
        watch = KeyFileWatch(directory: directory)
        try refresh()
    }

    var isEmpty: Bool { records.isEmpty }

    /// Re-reads the file if it changed since the last read: looked at (stat) only after the
    /// folder changed, re-read only when the file's identity (inode, change time) differs.
    func refresh() throws {
        if watch.changed() { stale = true }
        guard stale else { return }
        let current = FileIdentity(path: path)
        if current == identity && (current != nil || records.isEmpty) {
            stale = false
            return
        }
        let file = try Self.read(path)
        records = file.keys
        hashes = records.map { Self.digest($0.hash) }
        identity = current
        stale = false
    }

    /// The record whose hash matches `key`. Every record is compared, each in constant time.
    func lookup(_ key: String) -> APIKeyRecord? {
        let presented = Self.digest(APIKeyRecord.hash(of: key))
        var found: Int?
        for (index, hash) in hashes.enumerated() where Crypto.constantTimeEqual(hash, presented) { found = index }
        return found.map { records[$0] }
    }

    func markUsed(_ record: APIKeyRecord, now: Double) {
        lastUsed[record.id] = now
        guard now - (record.lastUsed ?? 0) >= 60 else { return }
        let pending = lastUsed
        lastUsed = [:]
        do {
            try update { file in
                for index in file.keys.indices {
                    if let time = pending[file.keys[index].id] { file.keys[index].lastUsed = max(file.keys[index].lastUsed ?? 0, time) }
                }
            }
        } catch {
            log.warn("cannot record key use", ["error": error])
        }
    }

    /// The last use known to this gateway (written or pending).
    func lastUse(of record: APIKeyRecord) -> Double? {
        [record.lastUsed, lastUsed[record.id]].compactMap { $0 }.max()
    }

    /// Applies `change` to the freshest file contents, under the lock, and writes it atomically.
    @discardableResult
    func update<R>(_ change: (inout KeyFile) throws -> R) throws -> R {
        let lock = try FileDescriptor.open(lockPath, O_RDWR | O_CREAT, mode: 0o600)
        defer { lock.close() }
        try syscall("flock") { flock(lock.rawValue, LOCK_EX) }
        let original = try Self.read(path)
        var file = original
        let result = try change(&file)
        // Unchanged: no write, so other gateways need not re-read.
        guard file != original else { return result }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let bytes = [UInt8](try encoder.encode(file))
        try OwnerOnlyFile.write(path, bytes)
        identity = nil
        stale = true
        try refresh()
        return result
    }

    private static func read(_ path: String) throws -> KeyFile {
        let bytes: [UInt8]
        do {
            bytes = try FileDescriptor.open(path, O_RDONLY).closeAfter { try $0.readAll(limit: 16 << 20) }
        } catch let error as SystemError where error.errno == ENOENT {
            return KeyFile()
        }
        return try JSONDecoder().decode(KeyFile.self, from: Data(bytes))
    }

    private static func digest(_ stored: String) -> [UInt8] { Array(stored.utf8) }
}
