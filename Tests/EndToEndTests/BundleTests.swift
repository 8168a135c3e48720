import Foundation
import XCTest

/// Deploys of .zip and .tar.gz bundles: several files per function in each language, the
/// entry file's forms, function.json, the archive kept as sent, and the hostile catalogue.
final class BundleTests: SuiteTestCase {
    /// Small bundle limits, so the catalogue's archives stay small.
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.environment = ["FAAS_BUNDLE_MAX_FILES": "25", "FAAS_BUNDLE_MAX_UNPACKED": "4194304"]
        return options
    }

    private func deploy(_ name: String, _ language: String, _ archive: Data, query: String = "",
                        file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let response = try suite.deploy(name, language, source: archive, query: query)
        XCTAssertEqual(response.status, 201, "\(response)", file: file, line: line)
        return try response.json()
    }

    func testPythonBundleWithLocalModulesAndVendoredPackages() throws {
        let suite = try suite
        let archive = try ArchiveMaker.zip([
            ("app/main.py", "from util import greet\nimport tinyvendored, sitepkg, helpers.names\ndef handler(payload):\n    return greet(payload) + tinyvendored.MARK + sitepkg.MARK + helpers.names.NAME\n"),
            ("app/util.py", "def greet(p):\n    return 'hi ' + p\n"),
            ("helpers/__init__.py", ""),
            ("helpers/names.py", "NAME = '!'\n"),
            ("python/tinyvendored/__init__.py", "MARK = ' [python/]'\n"),
            ("site-packages/sitepkg.py", "MARK = ' [site-packages/]'\n"),
        ])
        let name = uniqueName("pybundle")
        let answer = try deploy(name, "python", archive, query: "&entrypoint=app/main.handler")
        XCTAssertEqual(answer["bundle"] as? String, "zip")
        XCTAssertEqual(answer["entry_file"] as? String, "app/main.py")
        XCTAssertEqual(answer["mode"] as? String, "handler")
        XCTAssertEqual(try suite.invokeText(name, "you"), "hi you [python/] [site-packages/]!")
        // The archive comes back exactly as it was sent.
        let stored = try suite.request("GET", "/function/\(name)")
        XCTAssertEqual(stored.status, 200)
        XCTAssertEqual(stored.body, archive)
        XCTAssertEqual(stored.headers["content-type"], "application/zip")

        // A command bundle (tar.gz), its entry found by convention (main.py).
        let command = try ArchiveMaker.tarGzip([("main.py", "import sys, lib\nprint(lib.double(sys.stdin.read()))\n"),
                                                ("lib.py", "def double(s):\n    return s * 2\n")])
        let commandName = uniqueName("pycmd")
        let commandAnswer = try deploy(commandName, "python", command)
        XCTAssertEqual(commandAnswer["bundle"] as? String, "tar.gz")
        XCTAssertEqual(commandAnswer["mode"] as? String, "command")
        XCTAssertEqual(try suite.invokeText(commandName, "ab"), "abab\n")
        XCTAssertEqual(try suite.request("GET", "/function/\(commandName)").body, command)
    }

    func testJavaScriptBundleResolvesRequireFromTheBundle() throws {
        let suite = try suite
        let files = [
            ("index.js", "const { twice } = require('./lib/math');\nconst pad = require('leftpad');\nmodule.exports = async (p) => pad(String(twice(Number(p))), 5);\n"),
            ("lib/math.js", "exports.twice = (n) => n * 2;\n"),
            ("node_modules/leftpad/package.json", #"{"name":"leftpad","main":"main.js"}"#),
            ("node_modules/leftpad/main.js", "module.exports = (s, n) => '.'.repeat(Math.max(0, n - s.length)) + s;\n"),
            ("cli.js", "const { twice } = require('./lib/math');\nconst pad = require('leftpad');\nconsole.log(pad(String(twice(21)), 4));\n"),
        ]
        let handler = uniqueName("jsbundle")
        XCTAssertEqual(try deploy(handler, "js", try ArchiveMaker.zip(files))["mode"] as? String, "handler")
        XCTAssertEqual(try suite.invokeText(handler, "21"), "...42")
        let command = uniqueName("jscmd")
        let answer = try deploy(command, "js", try ArchiveMaker.tarGzip(files), query: "&entrypoint=cli.handler&mode=command")
        XCTAssertEqual(answer["entry_file"] as? String, "cli.js")
        XCTAssertEqual(try suite.invokeText(command, ""), "..42\n")
    }

    func testCBundleCompilesEveryFileWithItsHeaders() throws {
        let suite = try suite
        let archive = try ArchiveMaker.zip([
            ("main.c", "#include <stdio.h>\n#include \"lib/calc.h\"\nint main(void) { printf(\"%d %d\\n\", add(2, 3), twice(4)); return 0; }\n"),
            ("lib/calc.h", "int add(int a, int b);\nint twice(int a);\n"),
            ("lib/calc.c", "#include \"calc.h\"\nint add(int a, int b) { return a + b; }\n"),
            ("lib/twice.cpp", "#include <vector>\nextern \"C\" int twice(int a) { std::vector<int> v(a, 2); int s = 0; for (int x : v) s += x; return s; }\n"),
        ])
        let name = uniqueName("cbundle")
        XCTAssertEqual(try deploy(name, "c", archive)["mode"] as? String, "command")
        XCTAssertEqual(try suite.invokeText(name, ""), "5 8\n")
        // A compile error names the bundle's own file.
        let broken = try suite.deploy(uniqueName("cbroken"), "c", source: try ArchiveMaker.zip([("main.c", "#include \"x.h\"\nint main(void) { return 0; }\n"),
                                                                                              ("x.h", "int oops(\n")]))
        XCTAssertEqual(broken.status, 422, "\(broken)")
        XCTAssertTrue(broken.text.contains("x.h"), broken.text)
    }

    func testRustBundleFollowsItsModFiles() throws {
        let suite = try suite
        let archive = try ArchiveMaker.tarGzip([
            ("src/main.rs", "mod util;\nuse std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); println!(\"{}\", util::shout(&s)); }\n"),
            ("src/util.rs", "pub fn shout(s: &str) -> String { s.to_uppercase() }\n"),
        ])
        let name = uniqueName("rsbundle")
        XCTAssertEqual(try deploy(name, "rust", archive)["entry_file"] as? String, "src/main.rs")
        XCTAssertEqual(try suite.invokeText(name, "quiet"), "QUIET\n")
    }

    func testGoBundleBuildsWithItsVendorTree() throws {
        let suite = try suite
        let archive = try ArchiveMaker.zip([
            ("go.mod", "module example.com/app\n\ngo 1.19\n\nrequire example.com/greet v1.0.0\n"),
            ("main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"os\"\n\n\t\"example.com/app/internal/words\"\n\t\"example.com/greet\"\n)\n\nfunc main() {\n\tb, _ := io.ReadAll(os.Stdin)\n\tfmt.Println(greet.Hello(string(b)), words.Count(string(b)))\n}\n"),
            ("internal/words/words.go", "package words\n\nimport \"strings\"\n\nfunc Count(s string) int { return len(strings.Fields(s)) }\n"),
            ("vendor/modules.txt", "# example.com/greet v1.0.0\n## explicit\nexample.com/greet\n"),
            ("vendor/example.com/greet/greet.go", "package greet\n\nfunc Hello(s string) string { return \"hello, \" + s }\n"),
        ])
        let name = uniqueName("gobundle")
        XCTAssertEqual(try deploy(name, "go", archive)["mode"] as? String, "command")
        XCTAssertEqual(try suite.invokeText(name, "two words"), "hello, two words 2\n")
        // A requirement that is neither vendored nor in the standard library: no download, 422.
        let offline = try suite.deploy(uniqueName("gonet"), "go", source: try ArchiveMaker.zip([
            ("go.mod", "module example.com/app\n\ngo 1.19\n\nrequire example.com/missing v1.0.0\n"),
            ("main.go", "package main\n\nimport \"example.com/missing\"\n\nfunc main() { missing.Run() }\n"),
        ]))
        XCTAssertEqual(offline.status, 422, "\(offline)")
    }

    /// An OpenFaaS golang-http function folder as it is: package `function` over several files,
    /// its go.mod (`module handler/function`) and its vendor/ tree, behind our shim.
    func testGoHandlerBundleWithSeveralFilesAndItsVendorTree() throws {
        let suite = try suite
        let archive = try ArchiveMaker.tarGzip([
            ("go.mod", "module handler/function\n\ngo 1.19\n\nrequire example.com/greet v1.0.0\n"),
            ("handler.go", "package function\n\nimport (\n\t\"io\"\n\t\"net/http\"\n\n\t\"example.com/greet\"\n)\n\n"
                + "func Handle(w http.ResponseWriter, r *http.Request) {\n\tb, _ := io.ReadAll(r.Body)\n\tw.Write([]byte(greet.Hello(shout(string(b)))))\n}\n"),
            ("shout.go", "package function\n\nimport \"strings\"\n\nfunc shout(s string) string { return strings.ToUpper(s) }\n"),
            ("vendor/modules.txt", "# example.com/greet v1.0.0\n## explicit\nexample.com/greet\n"),
            ("vendor/example.com/greet/greet.go", "package greet\n\nfunc Hello(s string) string { return \"hello, \" + s }\n"),
        ])
        let name = uniqueName("gohbundle")
        XCTAssertEqual(try deploy(name, "go", archive)["mode"] as? String, "handler")
        XCTAssertEqual(try suite.invokeText(name, "hi"), "hello, HI")
    }

    func testManifestNamesTheFunctionAndQueryOverridesIt() throws {
        let suite = try suite
        let name = uniqueName("manifest")
        let archive = try ArchiveMaker.zip([
            ("function.json", #"{"name":"\#(name)","language":"python","entrypoint":"src/fn.handler","timeout":7,"memory":96,"env":{"GREETING":"hey"}}"#),
            ("src/fn.py", "import os\ndef handler(p):\n    return os.environ['GREETING'] + ' ' + p\n"),
        ])
        let response = try suite.request("POST", "/deploy", body: archive)
        XCTAssertEqual(response.status, 201, "\(response)")
        let answer = try response.json()
        XCTAssertEqual(answer["name"] as? String, name)
        XCTAssertEqual(answer["timeout"] as? Double, 7)
        XCTAssertEqual(answer["memory"] as? Int, 96)
        XCTAssertEqual(try suite.invokeText(name, "there"), "hey there")
        // The query wins over the manifest.
        let other = uniqueName("override")
        let overridden = try deploy(other, "python", archive, query: "&timeout=3&env=GREETING=yo")
        XCTAssertEqual(overridden["timeout"] as? Double, 3)
        XCTAssertEqual(try suite.invokeText(other, "there"), "yo there")
        let bad = try suite.request("POST", "/deploy", body: try ArchiveMaker.zip([("function.json", #"{"name":"x","lang":"python"}"#), ("main.py", "")]))
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.text.contains("lang"), bad.text)
    }

    /// Every hostile archive is refused with 400 and a message, and functions/ (staging
    /// included) is exactly as before.
    func testHostileArchiveCatalogue() throws {
        let suite = try suite
        func listing() -> [String] {
            let root = suite.functionsDirectory
            return ((FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []).filter { !$0.hasPrefix(".auth") && !$0.hasPrefix(".lock") && !$0.hasPrefix(".invocations") }.sorted()
        }
        let tar = """
            def tgz(*members):
                b = io.BytesIO()
                with tarfile.open(fileobj=b, mode='w:gz', format=tarfile.PAX_FORMAT) as t:
                    for name, kind, data, link in members:
                        info = tarfile.TarInfo(name); info.type = kind; info.size = len(data); info.linkname = link
                        t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
                out.write(b.getvalue())
            R = tarfile.REGTYPE

            """
        let zip = """
            import warnings; warnings.simplefilter('ignore')
            b = io.BytesIO()
            z = zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED)
            def unix(name, mode):
                i = zipfile.ZipInfo(name); i.create_system = 3; i.external_attr = mode << 16; return i

            """
        let end = "\nz.close()\nout.write(b.getvalue())"
        let cases: [(String, String, String)] = [
            ("absolute zip path", zip + "z.writestr('/tmp/evil.py', 'x')" + end, "absolute"),
            ("dot-dot zip path", zip + "z.writestr('../../evil.py', 'x')" + end, ".."),
            ("zip symlink", zip + "z.writestr(unix('main.py', stat.S_IFLNK | 0o777), '/etc/passwd')" + end, "link"),
            ("zip duplicate", zip + "z.writestr('main.py', 'print(1)')\nz.writestr('main.py', 'print(2)')" + end, "twice"),
            ("zip bomb", zip + "z.writestr('main.py', b'#' * 3_000_000)" + end, "zip bomb"),
            ("too many files", zip + "for i in range(30): z.writestr(f'm{i}.py', '')" + end, "FAAS_BUNDLE_MAX_FILES"),
            ("too large", zip + "z.writestr('main.py', bytes(range(256)) * 20000, compress_type=zipfile.ZIP_STORED)" + end, "FAAS_BUNDLE_MAX_UNPACKED"),
            ("truncated zip", zip + "z.writestr('main.py', 'print(1)\\n' * 500)\nz.close()\nout.write(b.getvalue()[:-40])", "truncated"),
            ("absolute tar path", tar + "tgz(('/abs.py', R, b'x', ''))", "absolute"),
            ("dot-dot tar path", tar + "tgz(('a/../../up.py', R, b'x', ''))", ".."),
            ("tar symlink leaving", tar + "tgz(('main.py', tarfile.SYMTYPE, b'', '/etc/passwd'))", "link"),
            ("tar symlink inside", tar + "tgz(('a.py', R, b'x', ''), ('main.py', tarfile.SYMTYPE, b'', 'a.py'))", "link"),
            ("tar hardlink", tar + "tgz(('a.py', R, b'x', ''), ('main.py', tarfile.LNKTYPE, b'', '/etc/shadow'))", "link"),
            ("tar device", tar + "tgz(('main.py', tarfile.CHRTYPE, b'', ''))", "device"),
            ("tar fifo", tar + "tgz(('main.py', tarfile.FIFOTYPE, b'', ''))", "device"),
            ("tar duplicate", tar + "tgz(('main.py', R, b'1', ''), ('main.py', R, b'2', ''))", "twice"),
            ("tar bomb", tar + "tgz(('main.py', R, b'\\0' * 40_000_000, ''))", "FAAS_BUNDLE_MAX"),
            ("truncated tar.gz", tar + "b2 = io.BytesIO()\nt = tarfile.open(fileobj=b2, mode='w:gz')\ni = tarfile.TarInfo('main.py'); i.size = 4000; t.addfile(i, io.BytesIO(bytes(range(250)) * 16)); t.close()\nout.write(b2.getvalue()[:200])", "truncated"),
        ]
        let before = listing()
        for (what, script, expected) in cases {
            let archive = try ArchiveMaker.python(script)
            let response = try suite.deploy(uniqueName("hostile"), "python", source: archive)
            XCTAssertEqual(response.status, 400, "\(what): \(response)")
            let error = (try? response.json())?["error"] as? String ?? ""
            XCTAssertTrue(error.contains(expected), "\(what): \(error)")
        }
        XCTAssertEqual(listing(), before, "functions/ changed")
    }

    /// scripts/bundle.sh vendors requirements with pip (here a wheel built by the test, so no
    /// network is needed) into python/, and the bundle runs as deployed.
    func testBundleScriptVendorsRequirements() throws {
        let suite = try suite
        let work = NSTemporaryDirectory() + "bundle-script-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work + "/fn", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let wheel = try ArchiveMaker.python("""
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w') as z:
                z.writestr('tinyshout/__init__.py', 'def shout(s):\\n    return s.upper() + "!"\\n')
                z.writestr('tinyshout-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: tinyshout\\nVersion: 1.0\\n')
                z.writestr('tinyshout-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
                z.writestr('tinyshout-1.0.dist-info/RECORD', '')
            out.write(b.getvalue())
            """)
        try wheel.write(to: URL(fileURLWithPath: work + "/tinyshout-1.0-py3-none-any.whl"))
        try Data("\(work)/tinyshout-1.0-py3-none-any.whl\n".utf8).write(to: URL(fileURLWithPath: work + "/requirements.txt"))
        try Data("import tinyshout\ndef handler(p):\n    return tinyshout.shout(p)\n".utf8).write(to: URL(fileURLWithPath: work + "/fn/handler.py"))
        let script = Examples.directory.deletingLastPathComponent().appendingPathComponent("bundle.sh").path
        for out in ["\(work)/out.zip", "\(work)/out.tar.gz"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            process.arguments = [work + "/fn", out, work + "/requirements.txt"]
            process.environment = ProcessInfo.processInfo.environment.merging(["PYTHON": "/usr/bin/python3"]) { $1 }
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, out)
            let name = uniqueName("vendored")
            _ = try deploy(name, "python", try Data(contentsOf: URL(fileURLWithPath: out)))
            XCTAssertEqual(try suite.invokeText(name, "loud"), "LOUD!")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/fn/python"), "bundle.sh never writes into DIR")

        // npm's node_modules/.bin links are left out; any other link is refused.
        try FileManager.default.createDirectory(atPath: work + "/js/node_modules/.bin", withIntermediateDirectories: true)
        try Data("module.exports = () => 'js';\n".utf8).write(to: URL(fileURLWithPath: work + "/js/index.js"))
        try FileManager.default.createSymbolicLink(atPath: work + "/js/node_modules/.bin/tool", withDestinationPath: "/bin/true")
        func bundle(_ folder: String, _ out: String) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: script)
            process.arguments = [folder, out]
            process.environment = ProcessInfo.processInfo.environment.merging(["PYTHON": "/usr/bin/python3"]) { $1 }
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        XCTAssertEqual(try bundle(work + "/js", work + "/js.zip"), 0)
        let js = uniqueName("jsbin")
        _ = try deploy(js, "js", try Data(contentsOf: URL(fileURLWithPath: work + "/js.zip")))
        XCTAssertEqual(try suite.invokeText(js, ""), "js")
        try FileManager.default.createSymbolicLink(atPath: work + "/js/secret", withDestinationPath: "/etc/passwd")
        XCTAssertEqual(try bundle(work + "/js", work + "/js2.zip"), 1)
        XCTAssertEqual(try bundle(work + "/js", work + "/js.rar"), 2)
    }
}
