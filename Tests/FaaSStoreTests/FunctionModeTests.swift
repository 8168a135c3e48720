import Foundation
import XCTest

@testable import FaaSStore

final class FunctionModeTests: XCTestCase {
    func testParameterNamesAndAlias() {
        XCTAssertEqual(FunctionMode(parameter: "command"), .command)
        XCTAssertEqual(FunctionMode(parameter: "script"), .command, "script is the other name of command")
        XCTAssertEqual(FunctionMode(parameter: "Handler"), .handler)
        XCTAssertEqual(FunctionMode(parameter: "export"), .export)
        XCTAssertNil(FunctionMode(parameter: "banana"))
        XCTAssertNil(FunctionMode(parameter: ""))
    }

    func testModesOfEachLanguage() {
        XCTAssertEqual(FunctionMode.modes(of: .js), [.command, .handler])
        XCTAssertEqual(FunctionMode.modes(of: .python), [.command, .handler])
        XCTAssertEqual(FunctionMode.modes(of: .c), [.command, .export])
        XCTAssertEqual(FunctionMode.modes(of: .rust), [.command, .export])
    }

    /// metadata.json written before the enum (mode "command", "export", "handler") still loads;
    /// "script" loads as command; new files say "command".
    func testMetadataOnDiskStaysReadable() throws {
        func metadata(mode: String) throws -> FunctionMetadata {
            let json = """
                {"created_at":"1764190000","entrypoint":"main","id":"hello_1764190000","language":"python",
                 "mode":"\(mode)","name":"hello","size":48,"version":1}
                """
            return try JSONDecoder().decode(FunctionMetadata.self, from: Data(json.utf8))
        }
        XCTAssertEqual(try metadata(mode: "command").mode, .command)
        XCTAssertEqual(try metadata(mode: "export").mode, .export)
        XCTAssertEqual(try metadata(mode: "handler").mode, .handler)
        XCTAssertEqual(try metadata(mode: "script").mode, .command)
        XCTAssertThrowsError(try metadata(mode: "banana"))
        let encoded = String(decoding: try JSONEncoder().encode(try metadata(mode: "script")), as: UTF8.self)
        XCTAssertTrue(encoded.contains(#""mode":"command""#), encoded)
    }
}
