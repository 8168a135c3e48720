import Foundation
import XCTest

/// How a deploy decides how a function runs (`&mode`, `&entrypoint`, handler and `main`
/// detection), and that the decision holds at invoke time.
final class FunctionModeTests: SuiteTestCase {
    private func mode(of response: HTTPResult) throws -> String? {
        try response.json()["mode"] as? String
    }

    /// The error text of a failed invoke (any status), or nil when it succeeded.
    private func invokeError(_ function: String, _ payload: String) throws -> String? {
        let response = try suite.invoke(function, payload)
        let object = try response.json()
        if response.status == 200, object["ok"] as? Bool == true { return nil }
        return object["error"] as? String ?? response.text
    }

    // MARK: JS and Python handler detection

    /// issue 17: `let n=0; module.exports = ...` on one line deployed as a command and every
    /// invoke answered 200 with empty output.
    func testJavaScriptExportAnywhereIsAHandler() throws {
        let suite = try suite
        let name = uniqueName("oneline")
        let response = try suite.deploy(name, "js", source: "let n=0; module.exports = () => String(++n);")
        XCTAssertEqual(response.status, 201, "\(response)")
        XCTAssertEqual(try mode(of: response), "handler")
        let first = try suite.invokeText(name, "")
        XCTAssertNotNil(Int(first), "the handler's result, not an empty output: \(first.debugDescription)")
        XCTAssertGreaterThanOrEqual(Int(first) ?? 0, 1)
    }

    func testJavaScriptDetectionTable() throws {
        let suite = try suite
        let cases: [(String, String)] = [
            ("module.exports = async (payload) => payload;", "handler"),
            ("const f = (p) => p; module.exports=f;", "handler"),
            ("function h(p) { return p; }\nif (true) { exports.handler = h; }", "handler"),
            ("exports.default = (p) => p", "handler"),
            ("module.exports.handler = (p) => p", "handler"),
            ("console.log(require('fs').readFileSync(0, 'utf8'));", "command"),
            ("// module.exports = () => 1\nconsole.log('x');", "command"),
            ("/* module.exports = () => 1 */ console.log('x');", "command"),
            ("console.log('module.exports = () => 1');", "command"),
            ("console.log(`\nmodule.exports = 1\n`);", "command"),
            ("if (module.exports == null) console.log('x');", "command"),
            ("const mymodule = {}; mymodule.exports = 1; console.log('x');", "command"),
        ]
        for (index, (source, expected)) in cases.enumerated() {
            let response = try suite.deploy(uniqueName("detect\(index)"), "js", source: source)
            XCTAssertEqual(response.status, 201, "\(source): \(response)")
            XCTAssertEqual(try mode(of: response), expected, source)
        }
        let python: [(String, String)] = [
            ("def handler(payload):\n    return payload\n", "handler"),
            ("async def handler(payload):\n    return payload\n", "handler"),
            ("handler = lambda payload: payload\n", "handler"),
            ("import sys\nprint(sys.stdin.read())\n", "command"),
            ("class A:\n    def handler(self, p):\n        return p\nprint('x')\n", "command"),
        ]
        for (index, (source, expected)) in python.enumerated() {
            let response = try suite.deploy(uniqueName("detectpy\(index)"), "python", source: source)
            XCTAssertEqual(response.status, 201, "\(source): \(response)")
            XCTAssertEqual(try mode(of: response), expected, source)
        }
    }

    /// A handler module forced to run as a command (it only defines the export, prints nothing)
    /// fails with a message, never an empty 200.
    func testHandlerModuleRunAsCommandIsNeverASilentEmptySuccess() throws {
        let suite = try suite
        let js = uniqueName("forcedjs")
        let deployed = try suite.deploy(js, "js", source: "let n=0; module.exports = () => String(++n);", query: "&mode=command")
        XCTAssertEqual(deployed.status, 201, "\(deployed)")
        XCTAssertEqual(try mode(of: deployed), "command")
        let error = try XCTUnwrap(try invokeError(js, ""), "not a silent success")
        XCTAssertTrue(error.contains("mode=handler"), error)

        let py = uniqueName("forcedpy")
        XCTAssertEqual(try suite.deploy(py, "python", source: "def handler(p):\n    return p\n", query: "&mode=script").status, 201)
        let pyError = try XCTUnwrap(try invokeError(py, "x"), "not a silent success")
        XCTAssertTrue(pyError.contains("mode=handler"), pyError)
    }

    // MARK: &mode

    func testScriptIsAnAliasOfCommand() throws {
        let suite = try suite
        for (index, spelling) in ["script", "command", "Script"].enumerated() {
            let name = uniqueName("alias\(index)")
            let response = try suite.deploy(name, "python", source: try Examples.source("hello.py"), query: "&mode=\(spelling)")
            XCTAssertEqual(response.status, 201, "\(spelling): \(response)")
            XCTAssertEqual(try mode(of: response), "command", "stored under one name")
            XCTAssertEqual(try suite.invokeText(name, "alias"), "Hello, alias\n")
            let listed = try suite.request("GET", "/functions").text
            XCTAssertFalse(listed.contains("\"script\""), listed)
        }
    }

    func testHandlerModeWithoutAHandlerIsRefusedAtDeploy() throws {
        let suite = try suite
        let py = uniqueName("nohandlerpy")
        let response = try suite.deploy(py, "python", source: try Examples.source("hello.py"), query: "&mode=handler")
        XCTAssertEqual(response.status, 422, "\(response)")
        XCTAssertTrue(response.text.contains("def handler"), "names what was looked for: \(response)")
        XCTAssertEqual(try suite.request("GET", "/function/\(py)").status, 404, "nothing stored")

        let js = uniqueName("nohandlerjs")
        let jsResponse = try suite.deploy(js, "js", source: try Examples.source("hello.js"), query: "&mode=handler")
        XCTAssertEqual(jsResponse.status, 422, "\(jsResponse)")
        XCTAssertTrue(jsResponse.text.contains("module.exports"), "\(jsResponse)")
        XCTAssertEqual(try suite.request("GET", "/function/\(js)").status, 404)

        // With one, the same request deploys a handler.
        let ok = try suite.deploy(uniqueName("withhandler"), "python", source: "def handler(p):\n    return 'h:' + p\n", query: "&mode=handler")
        XCTAssertEqual(ok.status, 201, "\(ok)")
        XCTAssertEqual(try mode(of: ok), "handler")
    }

    func testUnknownOrUnfitModeIs400NamingTheModes() throws {
        let suite = try suite
        let unknown = try suite.deploy(uniqueName("banana"), "js", source: "console.log(1)", query: "&mode=banana")
        XCTAssertEqual(unknown.status, 400, "\(unknown)")
        XCTAssertTrue(unknown.text.contains("command") && unknown.text.contains("handler"), "\(unknown)")
        let export = try suite.deploy(uniqueName("jsexport"), "js", source: "console.log(1)", query: "&mode=export")
        XCTAssertEqual(export.status, 400, "\(export)")
        XCTAssertTrue(export.text.contains("handler"), "\(export)")
        let handler = try suite.deploy(uniqueName("chandler"), "c", source: try Examples.source("hello.c"), query: "&mode=handler")
        XCTAssertEqual(handler.status, 400, "\(handler)")
        XCTAssertTrue(handler.text.contains("command") && handler.text.contains("export"), "\(handler)")
    }

    // MARK: C and Rust

    func testCModes() throws {
        let suite = try suite
        let hello = uniqueName("ccommand")
        let deployed = try suite.deploy(hello, "c", source: try Examples.source("hello.c"), query: "&mode=command")
        XCTAssertEqual(deployed.status, 201, "\(deployed)")
        XCTAssertEqual(try mode(of: deployed), "command")
        XCTAssertEqual(try suite.invokeText(hello, "modes"), "Hello, modes\n")

        let add = uniqueName("cexport")
        let exported = try suite.deploy(add, "c", source: try Examples.source("add.c"), query: "&mode=export&entrypoint=add")
        XCTAssertEqual(exported.status, 201, "\(exported)")
        XCTAssertEqual(try mode(of: exported), "export")
        XCTAssertEqual(try suite.invokeText(add, "2 3"), "5")

        let noMain = try suite.deploy(uniqueName("cnomain"), "c", source: try Examples.source("add.c"), query: "&mode=command")
        XCTAssertEqual(noMain.status, 422, "\(noMain)")
        XCTAssertTrue(noMain.text.contains("main"), "\(noMain)")
        let noEntry = try suite.deploy(uniqueName("cnoentry"), "c", source: try Examples.source("add.c"), query: "&mode=export")
        XCTAssertEqual(noEntry.status, 400, "\(noEntry)")
        XCTAssertTrue(noEntry.text.contains("entrypoint"), "\(noEntry)")
    }

    /// issue 17: `&entrypoint` on Python or JS was silently ignored (201). Since issue 12 it names
    /// the handler's function: it is used (and a source without that function is refused, 422,
    /// storing nothing), never ignored.
    func testEntrypointOnAnInterpretedLanguageIsUsedNeverIgnored() throws {
        let suite = try suite
        for (language, source) in [("python", "def handler(p):\n    return 'called ' + p\n"), ("js", "module.exports = (p) => 'called ' + p;")] {
            let name = uniqueName("entry")
            let response = try suite.deploy(name, language, source: source, query: "&entrypoint=handler")
            XCTAssertEqual(response.status, 201, "\(language): \(response)")
            XCTAssertEqual(try suite.invokeText(name, "x"), "called x")
        }
        let name = uniqueName("entry")
        let response = try suite.deploy(name, "py", source: "print(1)\n", query: "&entrypoint=handler")
        XCTAssertEqual(response.status, 422, "\(response)")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "nothing stored")
    }

    /// issue 17: `&lang=` takes aliases (py, node, rs, ...) but the 400 listed only four names.
    func testUnknownLanguageListsEveryAcceptedName() throws {
        let suite = try suite
        let refused = try suite.deploy(uniqueName("cobol"), "cobol", source: "print(1)\n")
        XCTAssertEqual(refused.status, 400, "\(refused)")
        let error = try XCTUnwrap(try refused.json()["error"] as? String)
        XCTAssertTrue(error.contains("c, rust (rs), js (javascript, node), python (py, python3), cpp (cc, c++, cxx) or go (golang)"), error)
        // Each alias the message names is accepted.
        for (alias, source) in [("py", "print(1)\n"), ("python3", "print(1)\n"), ("node", "console.log(1)"), ("javascript", "console.log(1)"),
                                ("golang", "package main\n\nfunc main() {}\n"), ("cxx", "int main() { return 0; }\n")] {
            let response = try suite.deploy(uniqueName("alias"), alias, source: source)
            XCTAssertEqual(response.status, 201, "\(alias): \(response)")
        }
    }

    /// issue 8: a C source with main deployed with &entrypoint=add was stored as an export but
    /// linked as a WASI command, so the export did not exist.
    func testCSourceWithMainAndAnEntrypointRunsTheExport() throws {
        let suite = try suite
        let source = """
            #include <stdio.h>
            int add(int a, int b) { return a + b; }
            int main(void) { int a, b; if (scanf("%d %d", &a, &b) == 2) printf("main says %d\\n", add(a, b)); return 0; }
            """
        let name = uniqueName("cboth")
        let response = try suite.deploy(name, "c", source: source, query: "&entrypoint=add")
        XCTAssertEqual(response.status, 201, "\(response)")
        XCTAssertEqual(try mode(of: response), "export")
        XCTAssertEqual(try suite.invokeText(name, "2 3"), "5")
        // Without the entrypoint, the same source is a command.
        let command = uniqueName("cbothcmd")
        XCTAssertEqual(try mode(of: try suite.deploy(command, "c", source: source)), "command")
        XCTAssertEqual(try suite.invokeText(command, "2 3"), "main says 5\n")
    }

    func testRustSourceWithMainAndAnEntrypointRunsTheExport() throws {
        let suite = try suite
        let source = """
            #[no_mangle]
            pub extern "C" fn add(a: i32, b: i32) -> i32 { a + b }
            fn main() { println!("{}", add(1, 1)); }
            """
        let name = uniqueName("rsboth")
        let response = try suite.deploy(name, "rust", source: source, query: "&entrypoint=add")
        XCTAssertEqual(response.status, 201, "\(response)")
        XCTAssertEqual(try mode(of: response), "export")
        XCTAssertEqual(try suite.invokeText(name, "40 2"), "42")
    }
}
