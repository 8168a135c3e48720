import Foundation
import Glibc
import CFaaSSystem
import FaaSSystem

/// The spec's storage layout, kept as is:
///
///     functions/<id>/code.<c|rs|js|py>   source
///     functions/<id>/code.wasm           compiled module (C, Rust)
///     functions/<id>/metadata.json       metadata
///
/// Writes are atomic: a function is written to `.staging/<random>`, fsynced, then renamed into
/// place; deletes rename to `.trash/<random>` first. Start-up removes leftovers of both. Name
/// uniqueness holds across processes: the check and the rename happen under an exclusive lock
/// on `.lock`. Staging and trash live in their own folders so that only publishes and deletes
/// change the root folder: its modification time then tells whether another process did one.
///
/// `publish` and `delete` (fsyncs, a blocking flock) run on the gateway's blocking-work thread
/// while its loop keeps answering lookups: the in-memory index is guarded by `indexLock`, held
/// only for index work, never across a write or an fsync.
public final class FunctionStore: @unchecked Sendable {
    public let root: String
    private let indexLock = NSLock()
    private var byID: [String: FunctionMetadata] = [:]
    private var byName: [String: [FunctionMetadata]] = [:]
    /// The root folder's modification time when this index last matched it.
    private var indexedRootChange: timespec?

    public init(root: String, cleanLeftovers: Bool = true) throws {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
        for folder in [".staging", ".trash"] {
            try FileManager.default.createDirectory(atPath: "\(self.root)/\(folder)", withIntermediateDirectories: true)
        }
        if cleanLeftovers { removeLeftovers() }
        reload()
    }

    // MARK: lookup

    /// Rebuilds the in-memory index from disk.
    public func reload() {
        let change = rootChange()
        var found: [FunctionMetadata] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where !entry.hasPrefix(".") {
            if let metadata = try? FunctionStore.loadMetadata(root: root, id: entry) { found.append(metadata) }
        }
        withIndex {
            byID = [:]
            byName = [:]
            indexedRootChange = change
            for metadata in found { index(metadata) }
        }
    }

    public func function(id: String) -> FunctionMetadata? {
        if let metadata = withIndex({ byID[id] }) { return metadata }
        // Another process (a second gateway) may have published it.
        guard FunctionName.isValidID(id), let metadata = try? FunctionStore.loadMetadata(root: root, id: id) else { return nil }
        withIndex { index(metadata) }
        return metadata
    }

    public func latest(name: String) -> FunctionMetadata? { withIndex { byName[name]?.last } }

    public func versions(name: String) -> [FunctionMetadata] { withIndex { byName[name] ?? [] } }

    /// An id or a name (its newest version). Names and ids never coincide (`publish` sees to
    /// it), so the in-memory maps answer first and only an unknown id costs a disk lookup: an
    /// invoke by name stays off the disk.
    public func resolve(_ idOrName: String) -> FunctionMetadata? {
        withIndex { byID[idOrName] ?? byName[idOrName]?.last } ?? function(id: idOrName)
    }

    /// The newest version of every function, by name.
    public func list() -> [FunctionMetadata] {
        withIndex { byName.keys.sorted().compactMap { byName[$0]?.last } }
    }

    public var count: Int { withIndex { byName.count } }

    public func source(of metadata: FunctionMetadata) throws -> [UInt8] {
        let path = "\(root)/\(metadata.id)/\(metadata.language.sourceFile)"
        return try FileDescriptor.open(path, O_RDONLY).closeAfter { try $0.readAll() }
    }

    /// Reads `<root>/<id>/metadata.json` (what a worker does per new function id).
    public static func loadMetadata(root: String, id: String) throws -> FunctionMetadata {
        guard FunctionName.isValidID(id) else { throw StoreError.notFound(id) }
        let bytes: [UInt8]
        do {
            bytes = try FileDescriptor.open("\(root)/\(id)/metadata.json", O_RDONLY).closeAfter { try $0.readAll(limit: 1 << 20) }
        } catch let error as SystemError where error.errno == ENOENT || error.errno == ENOTDIR {
            throw StoreError.notFound(id)
        }
        do {
            return try JSONDecoder().decode(FunctionMetadata.self, from: Data(bytes))
        } catch {
            throw StoreError.corrupt(id, "\(error)")
        }
    }

    // MARK: deploy

    /// Writes the source into a fresh staging folder.
    public func stage(language: Language, source: [UInt8]) throws -> StagedFunction {
        let directory = "\(root)/.staging/\(UUID().uuidString)"
        try syscall("mkdir") { mkdir(directory, 0o755) }
        let staged = StagedFunction(directory: directory, language: language, sourceSize: source.count)
        do {
            try FunctionStore.writeDurably(staged.sourcePath, source)
        } catch {
            discard(staged)
            throw error
        }
        return staged
    }

    public func discard(_ staged: StagedFunction) {
        try? FileManager.default.removeItem(atPath: staged.directory)
    }

    /// Gives the staged function its id and metadata and renames it into place.
    /// - Parameter update: true to add a new version of an existing name, false to create a name
    ///   (which must not exist yet).
    public func publish(_ staged: StagedFunction, name: String, entrypoint: String, mode: String, wasm: String?,
                        timeout: Double?, memory: Int?, update: Bool) throws -> FunctionMetadata {
        try withLock {
            let metadata: FunctionMetadata = try withIndex {
                refreshFromDisk(name: name)
                let existing = byName[name] ?? []
                if update && existing.isEmpty { throw StoreError.notFound(name) }
                if !update && !existing.isEmpty { throw StoreError.duplicateName(name) }
                // A name equal to an existing id would make `resolve` ambiguous.
                if !update, access("\(root)/\(name)", F_OK) == 0 { throw StoreError.duplicateName(name) }
                let now = Int(Date().timeIntervalSince1970)
                var id = "\(name)_\(now)"
                var suffix = 2
                // Never an id that is taken, nor one that reads as another function's name.
                while access("\(root)/\(id)", F_OK) == 0 || byName[id] != nil {
                    id = "\(name)_\(now)_\(suffix)"
                    suffix += 1
                }
                return FunctionMetadata(
                    id: id, name: name, language: staged.language, entrypoint: entrypoint, createdAt: String(now),
                    size: staged.sourceSize, version: (existing.last?.version ?? 0) + 1, mode: mode, wasm: wasm,
                    timeout: timeout, memory: memory)
            }
            let id = metadata.id
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try FunctionStore.writeDurably("\(staged.directory)/metadata.json", [UInt8](try encoder.encode(metadata)))
            if let wasm { try FunctionStore.syncFile("\(staged.directory)/\(wasm)") }
            try FunctionStore.syncFile(staged.directory)
            try syscall("rename") { rename(staged.directory, "\(root)/\(id)") }
            try FunctionStore.syncFile(root)
            let change = rootChange()
            withIndex {
                index(metadata)
                indexedRootChange = change
            }
            return metadata
        }
    }

    /// Removes every version of a name. Returns the versions removed.
    public func delete(name: String) throws -> [FunctionMetadata] {
        try withLock {
            let versions = withIndex {
                refreshFromDisk(name: name)
                return byName[name] ?? []
            }
            if versions.isEmpty { throw StoreError.notFound(name) }
            for metadata in versions {
                let trash = "\(root)/.trash/\(UUID().uuidString)"
                try syscall("rename") { rename("\(root)/\(metadata.id)", trash) }
                try? FileManager.default.removeItem(atPath: trash)
                withIndex { _ = byID.removeValue(forKey: metadata.id) }
            }
            withIndex { _ = byName.removeValue(forKey: name) }
            try FunctionStore.syncFile(root)
            let change = rootChange()
            withIndex { indexedRootChange = change }
            return versions
        }
    }

    // MARK: internals

    private func index(_ metadata: FunctionMetadata) {
        guard byID[metadata.id] == nil else { return }
        byID[metadata.id] = metadata
        var versions = byName[metadata.name] ?? []
        versions.append(metadata)
        versions.sort { ($0.version, $0.id) < ($1.version, $1.id) }
        byName[metadata.name] = versions
    }

    /// Picks up versions of `name` another process published, and forgets deleted ones. Only
    /// when the root folder changed since we last looked: listing 10,000 entries per deploy
    /// would make deploys slow down as functions accumulate.
    private func refreshFromDisk(name: String) {
        let change = rootChange()
        if let change, let seen = indexedRootChange, change.tv_sec == seen.tv_sec, change.tv_nsec == seen.tv_nsec { return }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let present = Set(entries)
        if let known = byName[name] {
            let alive = known.filter { present.contains($0.id) }
            for gone in known where !present.contains(gone.id) { byID.removeValue(forKey: gone.id) }
            byName[name] = alive.isEmpty ? nil : alive
        }
        for entry in entries where entry.hasPrefix(name + "_") && byID[entry] == nil {
            if let metadata = try? FunctionStore.loadMetadata(root: root, id: entry), metadata.name == name { index(metadata) }
        }
    }

    private func rootChange() -> timespec? {
        var info = stat()
        guard stat(root, &info) == 0 else { return nil }
        return info.st_mtim
    }

    /// Runs `body` holding the index lock (not reentrant: index helpers below never take it).
    private func withIndex<R>(_ body: () throws -> R) rethrows -> R {
        indexLock.lock()
        defer { indexLock.unlock() }
        return try body()
    }

    private func withLock<R>(_ body: () throws -> R) throws -> R {
        let lock = try FileDescriptor.open("\(root)/.lock", O_RDWR | O_CREAT, mode: 0o644)
        defer { lock.close() }
        try syscall("flock") { flock(lock.rawValue, LOCK_EX) }
        return try body()
    }

    private func removeLeftovers() {
        for folder in [".staging", ".trash"] {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(folder)")) ?? [] {
                try? FileManager.default.removeItem(atPath: "\(root)/\(folder)/\(entry)")
            }
        }
    }

    static func writeDurably(_ path: String, _ bytes: [UInt8]) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        try fd.closeAfter { fd in
            try fd.writeAll(bytes)
            try syscall("fsync") { fsync(fd.rawValue) }
        }
    }

    static func syncFile(_ path: String) throws {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        try fd.closeAfter { fd in _ = try syscall("fsync") { fsync(fd.rawValue) } }
    }
}
