import Foundation
import XCTest

/// C++ (WebAssembly through libc++) and Go (native, sandboxed; command and handler forms)
/// from scripts/examples/, deployed through the real toolchains and compared with the same
/// programs built natively on the host (`NativeBuild`). Needs scripts/setup and
/// scripts/setup-wasm.sh to have run: without g++, go or libc++ for wasm32 these tests fail.
final class LanguagesTests: SuiteTestCase {
    /// Payloads every example is checked with: words repeated, other whitespace, UTF-8, none.
    static let payloads: [Data] = [
        Data("World".utf8),
        Data("the quick brown fox jumps over the lazy dog the end\n".utf8),
        Data("  tabs\tand\r\nnewlines\n\nand  spaces  \u{0B}\u{0C}x ".utf8),
        Data("héllo wörld ✓ héllo".utf8),
        Data(String(repeating: "lorem ipsum dolor sit amet ", count: 3000).utf8),
        Data(),
    ]

    /// Deploys `example` as `lang` and checks every payload against the native build.
    private func assertSameAsNative(_ example: String, lang: String, native: URL, expectedMode: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let suite = try suite
        let name = uniqueName((example as NSString).deletingPathExtension.replacingOccurrences(of: "_", with: "-"))
        let response = try suite.deploy(name, lang, source: try Examples.source(example))
        XCTAssertEqual(response.status, 201, "deploy \(example): \(response)", file: file, line: line)
        XCTAssertEqual(try response.json()["mode"] as? String, expectedMode, "\(response)", file: file, line: line)
        for payload in Self.payloads {
            let expected = try NativeBuild.run(native, input: payload)
            let answer = try suite.invoke(name, payload: payload)
            let object = try answer.json()
            if expected.status == 0 {
                XCTAssertEqual(answer.status, 200, "\(example) on \(payload.count) bytes: \(answer)", file: file, line: line)
                XCTAssertEqual(object["ok"] as? Bool, true, "\(answer)", file: file, line: line)
                XCTAssertEqual(object["output"] as? String, String(decoding: expected.output, as: UTF8.self),
                               "\(example) on \(payload.count) bytes: the native build's output", file: file, line: line)
            } else {
                XCTAssertEqual(object["ok"] as? Bool, false, "\(example) fails natively on \(payload.count) bytes: \(answer)", file: file, line: line)
            }
        }
    }

    func testCppExamplesMatchTheirNativeBuilds() throws {
        let native = try NativeBuild()
        defer { native.remove() }
        try assertSameAsNative("hello.cpp", lang: "cpp", native: try native.cpp("hello.cpp"), expectedMode: "command")
        try assertSameAsNative("wordcount.cpp", lang: "c++", native: try native.cpp("wordcount.cpp"), expectedMode: "command")
    }

    func testGoCommandExamplesMatchTheirNativeBuilds() throws {
        let native = try NativeBuild()
        defer { native.remove() }
        try assertSameAsNative("hello.go", lang: "go", native: try native.goCommand("hello.go"), expectedMode: "command")
        try assertSameAsNative("wordcount.go", lang: "golang", native: try native.goCommand("wordcount.go"), expectedMode: "command")
    }

    func testGoHandlerExamplesMatchTheirNativeBuilds() throws {
        let native = try NativeBuild()
        defer { native.remove() }
        try assertSameAsNative("hello_handler.go", lang: "go", native: try native.goHandler("hello_handler.go"), expectedMode: "handler")
        try assertSameAsNative("wordcount_handler.go", lang: "go", native: try native.goHandler("wordcount_handler.go"), expectedMode: "handler")
    }

    func testCppStoresSourceAndModuleAndExportsWork() throws {
        let suite = try suite
        let name = uniqueName("cppadd")
        let source = """
            #include <numeric>
            #include <vector>
            extern "C" int add(int a, int b) { std::vector<int> v{a, b}; return std::accumulate(v.begin(), v.end(), 0); }
            """
        let id = try suite.deployOK(name, "cc", source: source, query: "&entrypoint=add")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(id)/code.cpp"), "source stored as code.cpp")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(id)/code.wasm"), "module stored")
        XCTAssertEqual(try suite.invokeText(id, "40 2"), "42")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").text, source)
    }

    func testGoStoresSourceAndExecutableOnly() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("gofiles"), "go", source: try Examples.source("hello.go"))
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(suite.functionsDirectory)/\(id)").sorted()
        XCTAssertEqual(files, ["code", "code.go", "metadata.json"], "no build folder or cache is published")
    }

    func testCompileErrorsAre422WithDiagnosticsAndStoreNothing() throws {
        let suite = try suite
        let cases: [(lang: String, source: String, mentions: String)] = [
            ("cpp", "#include <string>\nint main() { std::string s = undeclared_cpp_thing; return 0; }\n", "undeclared_cpp_thing"),
            ("go", "package main\n\nfunc main() { undeclaredGoThing() }\n", "undeclaredGoThing"),
            ("go", "package function\n\nimport \"net/http\"\n\nfunc Handle(w http.ResponseWriter, r *http.Request) { undeclaredHandlerThing() }\n",
             "undeclaredHandlerThing"),
            // No network at deploy: a module that needs downloading cannot build.
            ("go", "package main\n\nimport \"github.com/example/nothere\"\n\nfunc main() { nothere.Run() }\n", "nothere"),
        ]
        for (lang, source, mentions) in cases {
            let name = uniqueName("broken-\(lang)")
            let response = try suite.deploy(name, lang, source: source)
            XCTAssertEqual(response.status, 422, "\(response)")
            XCTAssertTrue(response.text.contains(mentions), "the compiler's message is in the body: \(response)")
            XCTAssertTrue(response.text.contains("code.\(lang == "go" ? "go" : "cpp")"), "diagnostics name the user's file: \(response)")
            XCTAssertFalse(response.text.contains(".staging"), "internal paths are not leaked: \(response)")
            XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "nothing stored")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory + "/.staging"), [], "staging is empty")
    }

    func testGoFormIsDetectedFromTheSource() throws {
        let suite = try suite
        let library = try suite.deploy(uniqueName("golib"), "go", source: "package util\n\nfunc Twice(n int) int { return 2 * n }\n")
        XCTAssertEqual(library.status, 422, "neither a command nor a handler: \(library)")
        XCTAssertTrue(library.text.contains("package main"), "\(library)")
        let forced = try suite.deploy(uniqueName("gocmd"), "go", source: try Examples.source("hello.go"), query: "&mode=handler")
        XCTAssertEqual(forced.status, 422, "a command has no Handle: \(forced)")
        let export = try suite.deploy(uniqueName("goexp"), "go", source: try Examples.source("hello.go"), query: "&mode=export")
        XCTAssertEqual(export.status, 400, "go has no exports: \(export)")
    }

    /// Go functions run in the same sandbox as JS and Python: their own user, no view of the
    /// functions folder, no network.
    func testGoRunsSandboxed() throws {
        let suite = try suite
        let probe = """
            package main

            import (
            \t"fmt"
            \t"net"
            \t"os"
            )

            func main() {
            \t_, err := os.ReadFile("\(suite.functionsDirectory)/.auth/admin.key")
            \tfmt.Println("uid", os.Getuid(), "read", err == nil)
            \t_, err = net.Dial("tcp", "127.0.0.1:\(suite.port)")
            \tfmt.Println("dial", err == nil)
            }
            """
        let name = uniqueName("goprobe")
        _ = try suite.deployOK(name, "go", source: probe)
        let output = try suite.invokeText(name, "")
        XCTAssertFalse(output.contains("uid 0 "), "not root: \(output)")
        XCTAssertTrue(output.contains("read false"), "the functions folder is out of sight: \(output)")
        XCTAssertTrue(output.contains("dial false"), "no network: \(output)")
    }

    /// A panicking handler fails its call; the warm runtime answers the next one.
    func testGoHandlerPanicFailsTheCallOnly() throws {
        let suite = try suite
        let source = """
            package function

            import (
            \t"io"
            \t"net/http"
            )

            var calls int

            func Handle(w http.ResponseWriter, r *http.Request) {
            \tbody, _ := io.ReadAll(r.Body)
            \tcalls++
            \tif string(body) == "panic" {
            \t\tpanic("asked to")
            \t}
            \tif string(body) == "teapot" {
            \t\tw.WriteHeader(http.StatusTeapot)
            \t\tw.Write([]byte("short and stout"))
            \t\treturn
            \t}
            \tw.Write([]byte(r.Method + " " + string(body)))
            }
            """
        let name = uniqueName("gopanic")
        _ = try suite.deployOK(name, "go", source: source)
        XCTAssertEqual(try suite.invokeText(name, "one"), "POST one")
        let panicked = try suite.invoke(name, "panic")
        XCTAssertEqual(try panicked.json()["ok"] as? Bool, false, "\(panicked)")
        XCTAssertTrue(panicked.text.contains("asked to"), "\(panicked)")
        let teapot = try suite.invoke(name, "teapot")
        XCTAssertEqual(try teapot.json()["ok"] as? Bool, false, "\(teapot)")
        XCTAssertTrue(teapot.text.contains("418") && teapot.text.contains("short and stout"), "\(teapot)")
        XCTAssertEqual(try suite.invokeText(name, "two"), "POST two")
    }

    /// The memory and time limits hold for Go as for Python: the address-space limit stops a
    /// runaway allocation (named as the memory limit), the timeout a runaway loop, and the
    /// function answers the next call.
    func testGoCommandLimits() throws {
        let suite = try suite
        let source = """
            package main

            import (
            \t"fmt"
            \t"io"
            \t"os"
            )

            func main() {
            \tinput, _ := io.ReadAll(os.Stdin)
            \tswitch string(input) {
            \tcase "eat":
            \t\tvar chunks [][]byte
            \t\tfor i := 0; i < 64; i++ {
            \t\t\tchunk := make([]byte, 64<<20)
            \t\t\tfor j := range chunk {
            \t\t\t\tchunk[j] = 1
            \t\t\t}
            \t\t\tchunks = append(chunks, chunk)
            \t\t}
            \t\tfmt.Println(len(chunks))
            \tcase "spin":
            \t\tfor {
            \t\t}
            \tdefault:
            \t\tfmt.Print("fine")
            \t}
            }
            """
        let name = uniqueName("golimits")
        _ = try suite.deployOK(name, "go", source: source, query: "&memory=64&timeout=2")
        XCTAssertEqual(try suite.invokeText(name, "ok"), "fine")
        let eaten = try suite.invoke(name, "eat")
        XCTAssertEqual(eaten.status, 500, "\(eaten)")
        XCTAssertTrue(eaten.text.contains("memory limit of 64 MiB"), "\(eaten)")
        let spun = try suite.invoke(name, "spin")
        XCTAssertEqual(spun.status, 504, "\(spun)")
        XCTAssertEqual(try suite.invokeText(name, "ok"), "fine")
    }
}
