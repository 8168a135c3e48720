import Foundation
import Glibc
import XCTest

@testable import FaaSStore

final class FunctionStoreTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "store-tests-\(getpid())-\(UUID().uuidString.prefix(8))/functions"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent)
    }

    private let pythonSource = Array("import sys; print('Hello, ' + sys.stdin.read())\n".utf8)

    @discardableResult
    private func deploy(_ store: FunctionStore, _ name: String, _ language: Language = .python, source: [UInt8]? = nil,
                        update: Bool = false) throws -> FunctionMetadata {
        let staged = try store.stage(language: language, source: source ?? pythonSource)
        do {
            return try store.publish(staged, name: name, entrypoint: "main", mode: .command, wasm: nil, timeout: nil, memory: nil, update: update)
        } catch {
            store.discard(staged)
            throw error
        }
    }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root).sorted()
    }

    private func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    // MARK: layout

    func testStageAndPublishGiveTheSpecLayout() throws {
        let store = try FunctionStore(root: root)
        let before = Int(Date().timeIntervalSince1970)
        let metadata = try deploy(store, "hello")
        let after = Int(Date().timeIntervalSince1970)

        XCTAssertEqual(metadata.name, "hello")
        XCTAssertTrue(metadata.id.range(of: #"^hello_[0-9]+$"#, options: .regularExpression) != nil, metadata.id)
        let stamp = try XCTUnwrap(Int(metadata.id.dropFirst("hello_".count)))
        XCTAssertTrue((before...after).contains(stamp), "id carries the unix time")
        XCTAssertEqual(metadata.version, 1)

        let folder = "\(root)/\(metadata.id)"
        XCTAssertTrue(isDirectory(folder))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["code.py", "metadata.json"])
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/code.py"))), pythonSource)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/metadata.json")))
        let object = try XCTUnwrap(json as? [String: Any])
        XCTAssertEqual(object["id"] as? String, metadata.id)
        XCTAssertEqual(object["name"] as? String, "hello")
        XCTAssertEqual(object["language"] as? String, "python")
        XCTAssertEqual(object["entrypoint"] as? String, "main")
        XCTAssertEqual(object["created_at"] as? String, String(stamp))
        XCTAssertEqual((object["size"] as? NSNumber)?.intValue, pythonSource.count)

        // Nothing but the published function is left in the root.
        XCTAssertEqual(try entries().filter { !$0.hasPrefix(".") }, [metadata.id])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(root)/.staging"), [], "staging is empty")
    }

    func testEachLanguageUsesItsExtension() throws {
        let store = try FunctionStore(root: root)
        for (language, file) in [(Language.js, "code.js"), (.python, "code.py"), (.c, "code.c"), (.rust, "code.rs"), (.cpp, "code.cpp"), (.go, "code.go")] {
            let metadata = try deploy(store, "f-\(language.rawValue)", language)
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(root)/\(metadata.id)/\(file)"), "\(language)")
            XCTAssertEqual(metadata.language, language)
        }
    }

    func testSourceIsKeptByteExact() throws {
        let store = try FunctionStore(root: root)
        let binary = (0...255).map { UInt8($0) } + Array("\r\n\u{0}é".utf8)
        let metadata = try deploy(store, "raw", source: binary)
        XCTAssertEqual(try store.source(of: metadata), binary)
        XCTAssertEqual(metadata.size, binary.count)
    }

    func testStagedFunctionIsInvisibleUntilPublished() throws {
        let store = try FunctionStore(root: root)
        let staged = try store.stage(language: .js, source: Array("1".utf8))
        XCTAssertTrue(isDirectory(staged.directory))
        XCTAssertEqual(((staged.directory as NSString).deletingLastPathComponent as NSString).lastPathComponent, ".staging")
        store.reload()
        XCTAssertEqual(store.count, 0)
        XCTAssertTrue(store.list().isEmpty)
        store.discard(staged)
        XCTAssertFalse(FileManager.default.fileExists(atPath: staged.directory))
    }

    // MARK: lookup

    func testLookupByIDAndName() throws {
        let store = try FunctionStore(root: root)
        let hello = try deploy(store, "hello")
        let other = try deploy(store, "other", .js)
        XCTAssertEqual(store.function(id: hello.id), hello)
        XCTAssertEqual(store.latest(name: "hello"), hello)
        XCTAssertEqual(store.resolve("hello"), hello)
        XCTAssertEqual(store.resolve(hello.id), hello)
        XCTAssertEqual(store.resolve("other"), other)
        XCTAssertNil(store.resolve("missing"))
        XCTAssertNil(store.function(id: "hello"), "a name is not an id")
        XCTAssertNil(store.function(id: "../\(hello.id)"))
        XCTAssertEqual(store.list().map(\.name), ["hello", "other"])
        XCTAssertEqual(store.count, 2)
    }

    func testDuplicateNameIsRefused() throws {
        let store = try FunctionStore(root: root)
        try deploy(store, "hello")
        XCTAssertThrowsError(try deploy(store, "hello")) { error in
            XCTAssertEqual(error as? StoreError, .duplicateName("hello"))
        }
        XCTAssertEqual(store.versions(name: "hello").count, 1)
        XCTAssertEqual(try entries().filter { $0.hasPrefix("hello_") }.count, 1)
    }

    func testUpdateAddsVersionTwo() throws {
        let store = try FunctionStore(root: root)
        let first = try deploy(store, "hello")
        let newSource = Array("print('v2')\n".utf8)
        let second = try deploy(store, "hello", source: newSource, update: true)
        XCTAssertEqual(second.version, 2)
        XCTAssertNotEqual(second.id, first.id)
        XCTAssertTrue(second.id.hasPrefix("hello_"))
        XCTAssertEqual(store.latest(name: "hello"), second)
        XCTAssertEqual(store.resolve("hello")?.id, second.id)
        XCTAssertEqual(store.versions(name: "hello").map(\.version), [1, 2])
        XCTAssertEqual(try store.source(of: store.latest(name: "hello")!), newSource)
        XCTAssertEqual(store.function(id: first.id), first, "the old version stays addressable by id")
        XCTAssertEqual(store.list().count, 1)

        let third = try deploy(store, "hello", update: true)
        XCTAssertEqual(third.version, 3)
        // A fresh instance orders versions the same way.
        XCTAssertEqual(try FunctionStore(root: root).latest(name: "hello")?.id, third.id)
    }

    func testUpdateOfUnknownNameIsNotFound() throws {
        let store = try FunctionStore(root: root)
        XCTAssertThrowsError(try deploy(store, "ghost", update: true)) { error in
            XCTAssertEqual(error as? StoreError, .notFound("ghost"))
        }
        XCTAssertNil(store.latest(name: "ghost"))
    }

    func testDeleteRemovesAllVersions() throws {
        let store = try FunctionStore(root: root)
        let v1 = try deploy(store, "hello")
        let v2 = try deploy(store, "hello", update: true)
        let keep = try deploy(store, "keep")
        let removed = try store.delete(name: "hello")
        XCTAssertEqual(Set(removed.map(\.id)), [v1.id, v2.id])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/\(v1.id)"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/\(v2.id)"))
        XCTAssertNil(store.latest(name: "hello"))
        XCTAssertNil(store.function(id: v1.id))
        XCTAssertNil(store.function(id: v2.id))
        XCTAssertEqual(store.resolve("keep"), keep)
        XCTAssertEqual(try entries().filter { !$0.hasPrefix(".") }, [keep.id])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(root)/.trash"), [], "no trash left behind")
        XCTAssertThrowsError(try store.delete(name: "hello")) { error in
            XCTAssertEqual(error as? StoreError, .notFound("hello"))
        }
        // The name is free again.
        XCTAssertEqual(try deploy(store, "hello").version, 1)
    }

    // MARK: crash leftovers and other instances

    func testLeftoversAreRemovedAtInit() throws {
        let store = try FunctionStore(root: root)
        let survivor = try deploy(store, "survivor")
        for leftover in [".staging/1234", ".trash/5678"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(leftover)/inner", withIntermediateDirectories: true)
            try Data("half".utf8).write(to: URL(fileURLWithPath: "\(root)/\(leftover)/code.py"))
        }
        // A crashed deploy's claim file: nobody holds its lock any more.
        FileManager.default.createFile(atPath: "\(root)/.staging/1234.claim", contents: nil)
        FileManager.default.createFile(atPath: "\(root)/.staging/9999.claim", contents: nil)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(root)/.staging/1234"))
        let restarted = try FunctionStore(root: root)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/.staging/1234"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(root)/.trash/5678"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(root)/.staging"), [], "claim files go too")
        XCTAssertEqual(restarted.resolve("survivor"), survivor)
        XCTAssertEqual(try restarted.source(of: survivor), pythonSource)
    }

    /// A replica starting on a shared volume while another one compiles a deploy: the young
    /// staging folder is the other's work in progress, not a leftover.
    func testStartingInstanceKeepsAnotherInstancesDeployInProgress() throws {
        let deploying = try FunctionStore(root: root)
        let staged = try deploying.stage(language: .python, source: pythonSource)
        _ = try FunctionStore(root: root)   // another gateway starts, cleaning leftovers
        let published = try deploying.publish(staged, name: "inflight", entrypoint: "main", mode: .command, wasm: nil,
                                              timeout: nil, memory: nil, update: false)
        XCTAssertEqual(try deploying.source(of: published), pythonSource)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(root)/.staging"), [], "the claim is gone with the deploy")
        // A discarded deploy leaves nothing either.
        deploying.discard(try deploying.stage(language: .python, source: pythonSource))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(root)/.staging"), [])
    }

    /// Two gateways (replicas) on one folder: what one publishes, updates or deletes, the
    /// other's lookups (invoke by name, list, an id it had indexed) see at once, without a
    /// write of their own in between.
    func testLookupsSeeAnotherInstancesPublishUpdateAndDelete() throws {
        let first = try FunctionStore(root: root)
        let second = try FunctionStore(root: root, cleanLeftovers: false)
        XCTAssertNil(second.latest(name: "hello"))
        let v1 = try deploy(first, "hello")
        XCTAssertEqual(second.resolve("hello"), v1, "a name published elsewhere resolves")
        XCTAssertEqual(second.latest(name: "hello"), v1)
        XCTAssertEqual(second.list().map(\.id), [v1.id])
        XCTAssertEqual(second.count, 1)

        let v2 = try deploy(first, "hello", update: true)
        XCTAssertEqual(second.resolve("hello"), v2, "the name resolves to the version published elsewhere")
        XCTAssertEqual(second.versions(name: "hello").map(\.id), [v1.id, v2.id])

        _ = try first.delete(name: "hello")
        XCTAssertNil(second.resolve("hello"), "a name deleted elsewhere is gone")
        XCTAssertNil(second.function(id: v1.id), "and so are its ids, even those indexed here")
        XCTAssertNil(second.resolve(v2.id))
        XCTAssertEqual(second.list(), [])
        XCTAssertEqual(second.count, 0)
    }

    func testCorruptMetadataIsSkippedNotFatal() throws {
        let store = try FunctionStore(root: root)
        let good = try deploy(store, "good")
        try FileManager.default.createDirectory(atPath: "\(root)/bad_1", withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: "\(root)/bad_1/metadata.json"))
        let reopened = try FunctionStore(root: root)
        XCTAssertEqual(reopened.list().map(\.id), [good.id])
        XCTAssertThrowsError(try FunctionStore.loadMetadata(root: root, id: "bad_1")) { error in
            guard case .corrupt(let id, _)? = error as? StoreError else { return XCTFail("expected corrupt, got \(error)") }
            XCTAssertEqual(id, "bad_1")
        }
        XCTAssertThrowsError(try FunctionStore.loadMetadata(root: root, id: "nope_1")) { error in
            XCTAssertEqual(error as? StoreError, .notFound("nope_1"))
        }
        XCTAssertThrowsError(try FunctionStore.loadMetadata(root: root, id: "../\(good.id)")) { error in
            XCTAssertEqual(error as? StoreError, .notFound("../\(good.id)"))
        }
    }

    /// Sets the root folder's modification time, as a file system with a coarse clock leaves
    /// it when two publishes land in one tick.
    private func setRootModificationTime(_ time: timespec) throws {
        var times = [time, time]
        XCTAssertEqual(utimensat(AT_FDCWD, root, &times, 0), 0, "utimensat: \(String(cString: strerror(errno)))")
    }

    private func rootModificationTime() -> timespec {
        var info = stat()
        _ = stat(root, &info)
        return info.st_mtim
    }

    /// Two gateways on one folder, and a root whose modification time does not move (a coarse
    /// clock): the second must still see the name the first created, and refuse it.
    func testNameCreatedElsewhereWithinOneClockTickIsStillADuplicate() throws {
        let first = try FunctionStore(root: root)
        let second = try FunctionStore(root: root, cleanLeftovers: false)
        try deploy(second, "other")   // the second one's index now matches the folder
        let tick = rootModificationTime()
        let created = try deploy(first, "shared")
        try setRootModificationTime(tick)
        XCTAssertThrowsError(try deploy(second, "shared")) { error in
            XCTAssertEqual(error as? StoreError, .duplicateName("shared"))
        }
        XCTAssertEqual(try entries().filter { $0.hasPrefix("shared_") }, [created.id], "one function named shared")
        XCTAssertEqual(second.latest(name: "shared")?.id, created.id, "and the second one knows it now")
    }

    /// A name another process created is refused even when this process's own publish of a
    /// different name came in between (its index then claims to match the folder).
    func testNameCreatedElsewhereBeforeOwnPublishIsStillADuplicate() throws {
        let first = try FunctionStore(root: root)
        let second = try FunctionStore(root: root, cleanLeftovers: false)
        let created = try deploy(first, "alpha")
        try deploy(second, "beta")
        XCTAssertThrowsError(try deploy(second, "alpha")) { error in
            XCTAssertEqual(error as? StoreError, .duplicateName("alpha"))
        }
        XCTAssertEqual(try entries().filter { $0.hasPrefix("alpha_") }, [created.id])
    }

    func testSecondInstanceSeesTheFirstOnesFunctions() throws {
        let first = try FunctionStore(root: root)
        let early = try FunctionStore(root: root)   // opened before anything was published
        let hello = try deploy(first, "hello")

        let late = try FunctionStore(root: root)
        XCTAssertEqual(late.resolve("hello"), hello)
        XCTAssertEqual(late.function(id: hello.id), hello)
        XCTAssertEqual(early.function(id: hello.id), hello, "an id published elsewhere is found on disk")

        // Uniqueness holds across instances: the early one does not know the name yet.
        XCTAssertThrowsError(try deploy(early, "hello")) { error in
            XCTAssertEqual(error as? StoreError, .duplicateName("hello"))
        }
        // An update through another instance continues the version sequence.
        let v2 = try deploy(early, "hello", update: true)
        XCTAssertEqual(v2.version, 2)
        // A delete through one instance is seen by the other's next write.
        _ = try first.delete(name: "hello")
        XCTAssertThrowsError(try deploy(early, "hello", update: true)) { error in
            XCTAssertEqual(error as? StoreError, .notFound("hello"))
        }
    }

    func testConcurrentPublishesOfOneNameFromTwentyInstances() throws {
        final class Shared: @unchecked Sendable {
            var stores: [FunctionStore] = []
            var staged: [StagedFunction] = []
            var outcomes: [Result<FunctionMetadata, Error>?] = []
            let lock = NSLock()
        }
        let count = 20
        let shared = Shared()
        // Every instance is opened (and has cleaned leftovers) before any staging starts.
        for _ in 0..<count { shared.stores.append(try FunctionStore(root: root)) }
        for index in 0..<count {
            shared.staged.append(try shared.stores[index].stage(language: .python, source: Array("print(\(index))\n".utf8)))
        }
        shared.outcomes = Array(repeating: nil, count: count)

        let start = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        for index in 0..<count {
            finished.enter()
            let thread = Thread {
                start.wait()
                let store = shared.stores[index]
                let staged = shared.staged[index]
                let outcome = Result {
                    try store.publish(staged, name: "race", entrypoint: "main", mode: .command, wasm: nil,
                                      timeout: nil, memory: nil, update: false)
                }
                if case .failure = outcome { store.discard(staged) }
                shared.lock.lock()
                shared.outcomes[index] = outcome
                shared.lock.unlock()
                finished.leave()
            }
            thread.start()
        }
        for _ in 0..<count { start.signal() }
        XCTAssertEqual(finished.wait(timeout: .now() + 60), .success, "publishes did not finish")

        var winners: [FunctionMetadata] = []
        for (index, outcome) in shared.outcomes.enumerated() {
            switch outcome {
            case .success(let metadata)?: winners.append(metadata)
            case .failure(let error)?: XCTAssertEqual(error as? StoreError, .duplicateName("race"), "thread \(index): \(error)")
            case nil: XCTFail("thread \(index) did not finish")
            }
        }
        XCTAssertEqual(winners.count, 1, "exactly one publish of a name may succeed")
        let onDisk = try entries().filter { $0.hasPrefix("race_") }
        XCTAssertEqual(onDisk, winners.map(\.id))
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: "\(root)/.staging").isEmpty, "losers' staging folders discarded")
        let winner = try XCTUnwrap(winners.first)
        let reopened = try FunctionStore(root: root)
        XCTAssertEqual(reopened.versions(name: "race").count, 1)
        XCTAssertEqual(try reopened.source(of: winner).count, winner.size)
    }
}
