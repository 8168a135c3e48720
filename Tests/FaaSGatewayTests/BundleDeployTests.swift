@testable import FaaSStore
import XCTest

@testable import FaaSGateway

/// A bundle's entry file, its function.json and `&env=` as the deploy parses them.
final class BundleDeployTests: XCTestCase {
    private func status(_ body: () throws -> Void) -> Int? {
        do { try body(); return nil } catch let refusal as RequestRefusal { return refusal.response.status.code } catch { return -1 }
    }

    func testEntryFromLambdaFormConventionsOrTheOnlyFile() throws {
        let files = ["app/main.py", "app/util.py", "handler.py", "python/requests/__init__.py"]
        XCTAssertEqual(try BundleEntry.resolve(language: .python, files: files, entrypoint: "app/main.handle"), BundleEntry(file: "app/main.py", name: "handle"))
        XCTAssertEqual(try BundleEntry.resolve(language: .python, files: files, entrypoint: nil), BundleEntry(file: "handler.py", name: nil))
        XCTAssertEqual(try BundleEntry.resolve(language: .python, files: files, entrypoint: "handler"), BundleEntry(file: "handler.py", name: "handler"))
        XCTAssertEqual(try BundleEntry.resolve(language: .js, files: ["lib/a.js", "server.js"], entrypoint: nil), BundleEntry(file: "server.js", name: nil))
        XCTAssertEqual(try BundleEntry.resolve(language: .rust, files: ["src/lib.rs", "src/util.rs"], entrypoint: "add"), BundleEntry(file: "src/lib.rs", name: "add"))
        XCTAssertEqual(try BundleEntry.resolve(language: .c, files: ["calc.c", "main.c", "calc.h"], entrypoint: nil), BundleEntry(file: "main.c", name: nil))
        XCTAssertEqual(try BundleEntry.resolve(language: .c, files: ["src/b.c", "src/a.c", "a.h"], entrypoint: "add"), BundleEntry(file: "src/a.c", name: "add"))
        XCTAssertEqual(try BundleEntry.resolve(language: .c, files: ["lib/calc.c", "x.c"], entrypoint: "lib/calc.add"), BundleEntry(file: "lib/calc.c", name: "add"))
        XCTAssertEqual(status { _ = try BundleEntry.resolve(language: .python, files: files, entrypoint: "app/missing.handler") }, 400)
        XCTAssertEqual(status { _ = try BundleEntry.resolve(language: .python, files: files, entrypoint: "app/main.") }, 400)
        XCTAssertEqual(status { _ = try BundleEntry.resolve(language: .js, files: ["a.js", "b.js"], entrypoint: nil) }, 400)
    }

    func testEnvironmentForms() throws {
        XCTAssertEqual(try FunctionEnvironment.parse(items: ["A=1", "B=x=y", "A=2", "EMPTY="]), ["A": "2", "B": "x=y", "EMPTY": ""])
        XCTAssertEqual(try FunctionEnvironment.parse(items: [""]), [:])
        for bad in ["NOEQUALS", "1X=1", "A-B=1", "PATH=/tmp", "FAAS_FUNCTION_ID=x", "LD_PRELOAD=/x.so", "PYTHONPATH=/x", "NODE_OPTIONS=x",
                    "V=" + String(repeating: "v", count: 5000)] {
            XCTAssertEqual(status { _ = try FunctionEnvironment.parse(items: [bad]) }, 400, bad)
        }
        XCTAssertEqual(status { _ = try FunctionEnvironment.parse(items: (0...64).map { "V\($0)=1" }) }, 400)
    }

    private func zip(_ files: [(String, String)]) throws -> BundleArchive {
        // A stored zip written by hand: enough for the manifest's reader.
        var local: [UInt8] = [], central: [UInt8] = []
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xFF) } }
        for (name, text) in files {
            let data = Array(text.utf8), nameBytes = Array(name.utf8), crc = Inflater.crc32(data)
            let offset = local.count
            local += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(UInt32(data.count))
                + le32(UInt32(data.count)) + le16(nameBytes.count) + le16(0) + nameBytes + data
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(UInt32(data.count))
                + le32(UInt32(data.count)) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(UInt32(offset)) + nameBytes
        }
        let end = le32(0x0605_4B50) + le16(0) + le16(0) + le16(files.count) + le16(files.count) + le32(UInt32(central.count)) + le32(UInt32(local.count)) + le16(0)
        return try BundleArchive(format: .zip, bytes: local + central + end, limits: BundleLimits())
    }

    func testManifest() throws {
        let manifest = try BundleManifest.read(from: try zip([("function.json", #"{"name":"m","language":"python","entrypoint":"app/main.handler","timeout":5,"memory":64,"env":{"A":"1"},"secrets":["s"]}"#)]))
        XCTAssertEqual(manifest, BundleManifest(name: "m", language: "python", entrypoint: "app/main.handler", mode: nil, timeout: 5, memory: 64,
                                                env: ["A": "1"], secrets: ["s"]))
        XCTAssertNil(try BundleManifest.read(from: try zip([("main.py", "print(1)")])))
        XCTAssertEqual(status { _ = try BundleManifest.read(from: try! zip([("function.json", #"{"nmae":"x"}"#)])) }, 400)
        XCTAssertEqual(status { _ = try BundleManifest.read(from: try! zip([("function.json", #"{"timeout":"five"}"#)])) }, 400)
        XCTAssertEqual(status { _ = try BundleManifest.read(from: try! zip([("function.json", "[1]")])) }, 400)
        XCTAssertEqual(status { _ = try BundleManifest.read(from: try! zip([("function.json", "{")])) }, 400)
    }
}
