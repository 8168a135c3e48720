import Foundation
import XCTest
@testable import FaaSStore

final class StorageMeterTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "meter-tests-\(getpid())-\(UUID().uuidString.prefix(8))/functions"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent)
    }

    private func write(_ path: String, bytes: Int) throws {
        let url = URL(fileURLWithPath: "\(root)/\(path)")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: bytes).write(to: url)
    }

    private func publish(_ store: FunctionStore, _ name: String, bytes: Int) throws -> FunctionMetadata {
        let staged = try store.stage(language: .python, source: Array(repeating: UInt8(ascii: "#"), count: bytes))
        return try store.publish(staged, name: name, entrypoint: "main", mode: .command, wasm: nil, timeout: nil, memory: nil, update: false)
    }

    /// A thousand deploys' checks, one walk: the quota no longer costs a walk of every stored
    /// function per deploy.
    func testChecksWithinTheWindowReuseOneWalk() throws {
        try write("a/code.py", bytes: 100_000)
        let meter = StorageMeter(root: root, maxAge: 60)
        let first = meter.used(now: 0)
        XCTAssertGreaterThanOrEqual(first, 100_000)
        for second in 1...1000 { XCTAssertEqual(meter.used(now: Double(second) / 100), first) }
        XCTAssertEqual(meter.walks, 1)
        // Past the window it walks again and sees what others wrote.
        try write("b/code.py", bytes: 200_000)
        XCTAssertEqual(meter.used(now: 30), first, "within the window, a hand-written file is not seen yet")
        XCTAssertGreaterThanOrEqual(meter.used(now: 61), first + 200_000)
        XCTAssertEqual(meter.walks, 2)
    }

    func testStagingIsLeftOutOfTheWalk() throws {
        try write("a/code.py", bytes: 8192)
        try FileManager.default.createDirectory(atPath: "\(root)/.staging", withIntermediateDirectories: true)
        let without = StorageMeter(root: root).used(now: 0)
        try write(".staging/x/code.wasm", bytes: 4 << 20)
        XCTAssertEqual(StorageMeter(root: root).used(now: 0), without, "a deploy counts its own staged folder")
    }

    func testPublishesAddAndDeletesMakeItWalkAgain() throws {
        let store = try FunctionStore(root: root)
        let before = store.storage.used()
        _ = try publish(store, "big", bytes: 300_000)
        let after = store.storage.used()
        XCTAssertGreaterThanOrEqual(after - before, 300_000, "the published folder is added without a walk")
        XCTAssertEqual(store.storage.walks, 1)
        _ = try store.delete(name: "big")
        XCTAssertLessThan(store.storage.used(), before + 300_000, "freed space counts at once")
        XCTAssertEqual(store.storage.walks, 2)
    }
}
