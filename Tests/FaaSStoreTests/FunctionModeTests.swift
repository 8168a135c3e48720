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
        XCTAssertEqual(FunctionMode.modes(of: .cpp), [.command, .export])
        XCTAssertEqual(FunctionMode.modes(of: .go), [.command, .handler])
    }

    func testLanguageNamesAndFiles() {
        for (name, language) in [("cpp", Language.cpp), ("cc", .cpp), ("C++", .cpp), ("cxx", .cpp), ("go", .go), ("golang", .go)] {
            XCTAssertEqual(Language(parameter: name), language, name)
        }
        XCTAssertNil(Language(parameter: "c  "), "c++ with its pluses decoded to spaces is not C++")
        XCTAssertEqual(Language.cpp.sourceFile, "code.cpp")
        XCTAssertEqual(Language.go.sourceFile, "code.go")
        XCTAssertTrue(Language.cpp.compilesToWasm)
        XCTAssertFalse(Language.go.compilesToWasm)
        XCTAssertTrue(Language.go.compilesToNative)
        XCTAssertEqual(Language.allCases.filter(\.compilesToNative), [.go])
        XCTAssertEqual(Language.parameterList, "c, rust (rs), js (javascript, node), python (py, python3), cpp (cc, c++, cxx) or go (golang)")
    }

    /// One list of C++ extensions for bundle entry files, the compiled sources and `-x c++`.
    func testSourceExtensions() {
        XCTAssertEqual(Language.c.sourceExtensions, ["c", "cpp", "cc", "cxx"], "a C bundle may hold C++ files")
        XCTAssertEqual(Language.cpp.sourceExtensions, ["cpp", "cc", "cxx", "c"], "a C++ bundle's usual file first")
        XCTAssertEqual(Language.js.sourceExtensions, ["js", "cjs"])
        XCTAssertTrue(Language.isCxxSource("src/util.cc"))
        XCTAssertTrue(Language.isCxxSource("main.cxx"))
        XCTAssertFalse(Language.isCxxSource("main.c"))
        XCTAssertFalse(Language.isCxxSource("cc"), "an extension, not a name")
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
