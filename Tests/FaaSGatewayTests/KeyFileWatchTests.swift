@testable import FaaSGateway
import FaaSSystem
import Foundation
import XCTest

/// The key file is looked at again only after its folder changed, and every change is seen.
final class KeyFileWatchTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "keywatch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testSaysChangedOnlyAfterSomethingHappenedInTheFolder() throws {
        let watch = KeyFileWatch(directory: folder)
        XCTAssertFalse(watch.changed(), "nothing happened yet")
        // Another gateway's write: a temporary file renamed over keys.json.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/keys.json.tmp"))
        XCTAssertEqual(rename(folder + "/keys.json.tmp", folder + "/keys.json"), 0)
        XCTAssertTrue(watch.changed(), "the rename is seen")
        XCTAssertFalse(watch.changed(), "and only once")
        XCTAssertEqual(unlink(folder + "/keys.json"), 0)
        XCTAssertTrue(watch.changed(), "a removal too")
    }

    func testAWatchWhoseFolderIsGoneAlwaysSaysMaybe() throws {
        let watch = KeyFileWatch(directory: folder)
        try FileManager.default.removeItem(atPath: folder)
        XCTAssertTrue(watch.changed())
        XCTAssertTrue(watch.changed(), "from now on the stat decides, every time")
    }

    /// A key revoked by another writer is refused at the next look, without any stat in between
    /// being needed to notice.
    func testKeyStoreSeesAnotherWritersRevocationAtTheNextRefresh() throws {
        let log = Logger(daemon: "test", level: .error)
        let first = try KeyStore(directory: folder, log: log)
        let second = try KeyStore(directory: folder, log: log)
        let key = Authenticator.newKey()
        try second.update { $0.keys.append(APIKeyRecord(id: "k1", hash: APIKeyRecord.hash(of: key), scopes: ["read"], created: 1)) }
        try first.refresh()
        XCTAssertEqual(first.lookup(key)?.id, "k1")
        try first.refresh()
        XCTAssertEqual(first.lookup(key)?.id, "k1", "unchanged: still there")
        try second.update { $0.keys.removeAll() }
        try first.refresh()
        XCTAssertNil(first.lookup(key), "revoked on the other: refused at the next refresh")
    }
}
