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
/// place; deletes rename to `.trash/<random>` first. Start-up removes leftovers of both (a
/// staging folder only when no live process claims it: another gateway on the same folder,
/// another replica on a shared volume, may be compiling into it right now; see
/// `StagingClaim`). Name
/// uniqueness holds across processes: the check and the rename happen under an exclusive lock
/// on `.lock`. Whether another process published or deleted since this one last looked is told
/// by a counter in `.lock` that every publish and delete bumps under the lock (exact, where the
/// root folder's modification time can stay the same across two publishes within one clock
/// tick), and by that modification time for changes made by hand. Lookups check both before
/// answering (a `pread` and an `fstat` on kept descriptors; see `StoreChangeProbe`), so a
/// function published, updated or deleted by another process is seen by the next lookup here,
/// not only by this process's next write.
///
/// `publish` and `delete` (fsyncs, a blocking flock) run on the gateway's blocking-work thread
/// while its loop keeps answering lookups: the in-memory index is guarded by `indexLock`, held
/// only for index work, never across a write or an fsync.
public final class FunctionStore: @unchecked Sendable {
    public let root: String
    private let indexLock = NSLock()
    private var byID: [String: FunctionMetadata] = [:]
    private var byName: [String: [FunctionMetadata]] = [:]
    /// The root folder's modification time and the `.lock` counter when this index last
    /// matched the disk.
    private var indexedRootChange: timespec?
    private var indexedGeneration: UInt64?
    /// This process's claims on its staging folders (StagingClaim), by folder; released by
    /// `publish` and `discard` once the folder is gone.
    private var claims: [String: StagingClaim] = [:]
    private let claimsLock = NSLock()
    private let probe: StoreChangeProbe
    /// Disk use for the storage quota: publishes add to it, prunes take from it, deletes make it walk again.
    public let storage: StorageMeter

    public init(root: String, cleanLeftovers: Bool = true) throws {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
        for folder in [".staging", ".trash"] {
            try FileManager.default.createDirectory(atPath: "\(self.root)/\(folder)", withIntermediateDirectories: true)
        }
        probe = StoreChangeProbe(root: self.root, lockPath: "\(self.root)/.lock")
        storage = StorageMeter(root: self.root)
        if cleanLeftovers { removeLeftovers() }
        reload()
    }

    // MARK: lookup

    /// Rebuilds the in-memory index from disk.
    public func reload() {
        // Read before listing: a publish landing in between makes the next refresh list again.
        let generation = probe.generation()
        let change = probe.rootChange()
        var found: [FunctionMetadata] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where !entry.hasPrefix(".") {
            if let metadata = try? FunctionStore.loadMetadata(root: root, id: entry) { found.append(metadata) }
        }
        withIndex {
            byID = [:]
            byName = [:]
            indexedGeneration = generation
            indexedRootChange = change
            for metadata in found { index(metadata) }
        }
    }

    public func function(id: String) -> FunctionMetadata? {
        refreshIfChanged()
        return indexedOrOnDisk(id: id)
    }

    private func indexedOrOnDisk(id: String) -> FunctionMetadata? {
        if let metadata = withIndex({ byID[id] }) { return metadata }
        // Another process (a second gateway) may have published it.
        guard FunctionName.isValidID(id), let metadata = try? FunctionStore.loadMetadata(root: root, id: id) else { return nil }
        withIndex { index(metadata) }
        return metadata
    }

    public func latest(name: String) -> FunctionMetadata? {
        refreshIfChanged()
        return withIndex { byName[name]?.last }
    }

    public func versions(name: String) -> [FunctionMetadata] {
        refreshIfChanged()
        return withIndex { byName[name] ?? [] }
    }

    /// An id or a name (its newest version). Names and ids never coincide (`publish` sees to
    /// it), so the in-memory maps answer first and only an unknown id costs a disk lookup: an
    /// invoke by name stays off the disk.
    public func resolve(_ idOrName: String) -> FunctionMetadata? {
        refreshIfChanged()
        return withIndex { byID[idOrName] ?? byName[idOrName]?.last } ?? indexedOrOnDisk(id: idOrName)
    }

    /// The newest version of every function, by name.
    public func list() -> [FunctionMetadata] {
        refreshIfChanged()
        return withIndex { byName.keys.sorted().compactMap { byName[$0]?.last } }
    }

    public var count: Int {
        refreshIfChanged()
        return withIndex { byName.count }
    }

    /// A bundle's unpacked tree inside its function's folder (`functions/<id>/src`).
    public static let bundleTree = "src"
    /// Secret values by name (`functions/.secrets/NAME`, owner-only), read by the gateway and the workers.
    public static let secretsFolder = ".secrets"

    /// What was deployed: the source file, or a bundle's archive exactly as it was sent.
    public func source(of metadata: FunctionMetadata) throws -> [UInt8] {
        let file = metadata.bundle?.fileName ?? metadata.language.sourceFile
        let path = "\(root)/\(metadata.id)/\(file)"
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

    /// A fresh staging folder, claimed by this process until it is published or discarded.
    private func newStagingFolder() throws -> String {
        let directory = "\(root)/.staging/\(UUID().uuidString)"
        // Claimed before it exists, so a starting gateway never sees it unowned.
        guard let claim = try StagingClaim.take(directory) else { throw SystemError("flock", errno: EWOULDBLOCK) }
        do {
            try syscall("mkdir") { mkdir(directory, 0o755) }
        } catch {
            claim.release()
            throw error
        }
        claimsLock.withLock { claims[directory] = claim }
        return directory
    }

    /// Writes the source into a fresh staging folder.
    public func stage(language: Language, source: [UInt8]) throws -> StagedFunction {
        let directory = try newStagingFolder()
        let staged = StagedFunction(directory: directory, language: language, sourceSize: source.count)
        do {
            try FunctionStore.writeDurably(staged.sourcePath, source)
        } catch {
            discard(staged)
            throw error
        }
        return staged
    }

    /// A bundle: the archive as sent, and its tree unpacked under `src/`, in a fresh staging
    /// folder (removed again when anything fails: nothing half-unpacked is ever published).
    public func stage(language: Language, bundle: BundleArchive, entryFile: String) throws -> StagedFunction {
        let directory = try newStagingFolder()
        var staged = StagedFunction(directory: directory, language: language, sourceSize: bundle.bytes.count)
        staged.bundle = bundle.format
        staged.entryFile = entryFile
        do {
            try FunctionStore.writeDurably("\(directory)/\(bundle.format.fileName)", bundle.bytes)
            try syscall("mkdir") { mkdir(staged.treePath, 0o755) }
            try bundle.unpack(into: staged.treePath)
        } catch {
            discard(staged)
            throw error
        }
        return staged
    }

    /// A copy of a published version's files (source, bundle, compiled artifacts) in a fresh
    /// staging folder: a rollback publishes it as a new version.
    public func stageCopy(of metadata: FunctionMetadata) throws -> StagedFunction {
        let source = "\(root)/\(metadata.id)"
        let directory = try newStagingFolder()
        var staged = StagedFunction(directory: directory, language: metadata.language, sourceSize: metadata.size)
        staged.bundle = metadata.bundle
        staged.entryFile = metadata.entryFile
        do {
            for entry in try FileManager.default.contentsOfDirectory(atPath: source) where entry != "metadata.json" {
                try FileManager.default.copyItem(atPath: "\(source)/\(entry)", toPath: "\(directory)/\(entry)")
            }
        } catch {
            discard(staged)
            throw error
        }
        return staged
    }

    /// Removes the oldest versions of a name beyond the newest `keep` (their folders go to the trash).
    public func prune(name: String, keep: Int) throws {
        try withLock { lock in
            let versions = try withIndex {
                try refreshFromDisk(generation: Self.generation(lock))
                return byName[name] ?? []
            }
            guard versions.count > keep else { return }
            let old = versions.prefix(versions.count - keep)
            for metadata in old {
                // Measured, not left to a new walk: an update past the bound prunes every time.
                storage.removed(StorageUsage.bytes(under: "\(root)/\(metadata.id)"))
                let trash = "\(root)/.trash/\(UUID().uuidString)"
                try syscall("rename") { rename("\(root)/\(metadata.id)", trash) }
                try? FileManager.default.removeItem(atPath: trash)
            }
            withIndex {
                for metadata in old { _ = byID.removeValue(forKey: metadata.id) }
                byName[name] = Array(versions.suffix(keep))
            }
            try FunctionStore.syncFile(root)
            try changed(lock)
        }
    }

    public func discard(_ staged: StagedFunction) {
        try? FileManager.default.removeItem(atPath: staged.directory)
        releaseClaim(of: staged)
    }

    private func releaseClaim(of staged: StagedFunction) {
        claimsLock.withLock { claims.removeValue(forKey: staged.directory) }?.release()
    }

    /// Gives the staged function its id and metadata and renames it into place.
    /// - Parameter update: true to add a new version of an existing name, false to create a name
    ///   (which must not exist yet).
    public func publish(_ staged: StagedFunction, name: String, entrypoint: String, mode: FunctionMode, wasm: String?,
                        timeout: Double?, memory: Int?, update: Bool, template: FunctionMetadata? = nil, stagedBytes: Int? = nil,
                        configure: (inout FunctionMetadata) -> Void = { _ in }) throws -> FunctionMetadata {
        try withLock { lock in
            let metadata: FunctionMetadata = try withIndex {
                try refreshFromDisk(generation: Self.generation(lock))
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
                // An update starts from the previous version's settings (every field, those added
                // later included) and overrides what this deploy decided.
                var metadata = template ?? FunctionMetadata(id: id, name: name, language: staged.language, entrypoint: entrypoint,
                                                            createdAt: String(now), size: staged.sourceSize)
                metadata.id = id
                metadata.name = name
                metadata.language = staged.language
                metadata.entrypoint = entrypoint
                metadata.createdAt = String(now)
                metadata.size = staged.sourceSize
                metadata.version = (existing.last?.version ?? 0) + 1
                metadata.mode = mode
                metadata.wasm = wasm
                metadata.timeout = timeout ?? template?.timeout
                metadata.memory = memory ?? template?.memory
                metadata.bundle = staged.bundle
                metadata.entryFile = staged.entryFile
                configure(&metadata)
                return metadata
            }
            let id = metadata.id
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try FunctionStore.writeDurably("\(staged.directory)/metadata.json", [UInt8](try encoder.encode(metadata)))
            if let wasm { try FunctionStore.syncFile("\(staged.directory)/\(wasm)") }
            try FunctionStore.syncFile(staged.directory)
            // The caller's measure (its quota check) when it has one: the folder is walked once.
            let bytes = stagedBytes ?? StorageUsage.bytes(under: staged.directory)
            try syscall("rename") { rename(staged.directory, "\(root)/\(id)") }
            storage.added(bytes)
            releaseClaim(of: staged)
            try FunctionStore.syncFile(root)
            withIndex { index(metadata) }
            try changed(lock)
            return metadata
        }
    }

    /// Removes every version of a name. Returns the versions removed.
    public func delete(name: String) throws -> [FunctionMetadata] {
        try withLock { lock in
            let versions = try withIndex {
                try refreshFromDisk(generation: Self.generation(lock))
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
            storage.forget()
            try changed(lock)
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

    /// Picks up functions another process published, and forgets deleted ones. Only
    /// when the store changed since we last looked (see the type's comment): listing 10,000
    /// entries per deploy would make deploys slow down as functions accumulate.
    /// Runs under the index lock; `generation` is read before the listing (a publish landing
    /// in between makes the next check list again).
    private func refreshFromDisk(generation: UInt64?) {
        let change = probe.rootChange()
        if generation == indexedGeneration, let change, let seen = indexedRootChange,
           change.tv_sec == seen.tv_sec, change.tv_nsec == seen.tv_nsec { return }
        indexedGeneration = generation
        indexedRootChange = change
        // The marks above now claim the whole index matches the disk, so all of it is synced:
        // a name published elsewhere must be known before this process publishes it too.
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let present = Set(entries)
        for (id, metadata) in byID where !present.contains(id) {
            byID.removeValue(forKey: id)
            let alive = (byName[metadata.name] ?? []).filter { $0.id != id }
            byName[metadata.name] = alive.isEmpty ? nil : alive
        }
        for entry in entries where !entry.hasPrefix(".") && byID[entry] == nil {
            if let metadata = try? FunctionStore.loadMetadata(root: root, id: entry) { index(metadata) }
        }
    }

    /// A lookup's check for changes made by other processes: no file lock (a publish renames
    /// a complete folder into place and a delete renames it away, so a listing never sees half
    /// a function), only the counter and the root's modification time (`StoreChangeProbe`).
    private func refreshIfChanged() {
        let generation = probe.generation()
        withIndex { refreshFromDisk(generation: generation ?? 0) }
    }

    private var lockPath: String { "\(root)/.lock" }

    private func withLock<R>(_ body: (FileDescriptor) throws -> R) throws -> R {
        let lock = try FileDescriptor.open(lockPath, O_RDWR | O_CREAT, mode: 0o644)
        defer { lock.close() }
        try syscall("flock") { flock(lock.rawValue, LOCK_EX) }
        return try body(lock)
    }

    private static func generation(_ lock: FileDescriptor) throws -> UInt64 { try StoreChangeProbe.generation(lock) }

    /// After a publish or delete, under the lock: bumps the counter, and notes that this index
    /// matches the disk.
    private func changed(_ lock: FileDescriptor) throws {
        let next = try Self.generation(lock) &+ 1
        var value = next.littleEndian
        let n = try syscall("pwrite") { pwrite(lock.rawValue, &value, MemoryLayout<UInt64>.size, 0) }
        guard n == MemoryLayout<UInt64>.size else { throw SystemError("pwrite", errno: EIO) }
        let change = probe.rootChange()
        withIndex {
            indexedGeneration = next
            indexedRootChange = change
        }
    }

    /// Runs `body` holding the index lock (not reentrant: index helpers below never take it).
    private func withIndex<R>(_ body: () throws -> R) rethrows -> R {
        indexLock.lock()
        defer { indexLock.unlock() }
        return try body()
    }

    private func removeLeftovers() {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/.trash")) ?? [] {
            try? FileManager.default.removeItem(atPath: "\(root)/.trash/\(entry)")
        }
        // A staging folder, or a claim file left without one, that no live process claims.
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/.staging")) ?? []
        var folders = Set(staging.filter { !$0.hasSuffix(".claim") })
        for entry in staging where entry.hasSuffix(".claim") { folders.insert(String(entry.dropLast(".claim".count))) }
        for folder in folders {
            let directory = "\(root)/.staging/\(folder)"
            guard let claim = try? StagingClaim.take(directory) else { continue }
            try? FileManager.default.removeItem(atPath: directory)
            claim.release()
        }
    }

    static func writeDurably(_ path: String, _ bytes: [UInt8]) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        try fd.closeAfter { fd in
            try fd.writeAll(bytes)
            try syscall("fsync") { fsync(fd.rawValue) }
        }
    }

    public static func syncFile(_ path: String) throws {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        try fd.closeAfter { fd in _ = try syscall("fsync") { fsync(fd.rawValue) } }
    }
}
