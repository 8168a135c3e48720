import Foundation
import XCTest

/// C and Rust through the real deploy-time toolchains and the wasm engine in the workers.
/// Needs scripts/setup-wasm.sh to have run: without the toolchain or the engine these tests
/// fail, they do not skip.
final class WasmTests: SuiteTestCase {
    func testCHelloEchoesStdin() throws {
        let suite = try suite
        let name = uniqueName("helloc")
        let source = try Examples.source("hello.c")
        let response = try suite.deploy(name, "c", source: source)
        XCTAssertEqual(response.status, 201, "C deploy needs clang + wasi-libc (scripts/setup-wasm.sh): \(response)")
        let id = try XCTUnwrap(try response.json()["id"] as? String)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(id)/code.wasm"), "compiled module stored")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(id)/code.c"), "source stored")
        XCTAssertEqual(try suite.invokeText(id, "world"), "Hello, world\n")
        XCTAssertEqual(try suite.invokeText(name, "wasm ✓"), "Hello, wasm ✓\n")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").text, source)
        // A larger stdin goes through the WASI shim intact.
        let big = String(repeating: "abcdefghij", count: 10_000)
        XCTAssertEqual(try suite.invokeText(id, big), "Hello, \(big)\n")
    }

    func testCExportStyleAdd() throws {
        let suite = try suite
        let name = uniqueName("add")
        let id = try suite.deployOK(name, "c", source: try Examples.source("add.c"), query: "&entrypoint=add")
        XCTAssertEqual(try suite.invokeText(id, "2 3"), "5")
        XCTAssertEqual(try suite.invokeText(id, "-7 4"), "-3")
        XCTAssertEqual(try suite.invokeText(name, "40 2"), "42")
        // A source without main needs an entrypoint.
        let missing = try suite.deploy(uniqueName("noentry"), "c", source: try Examples.source("add.c"))
        XCTAssertTrue((400..<500).contains(missing.status), "\(missing)")
        // An entrypoint the module does not export is refused at deploy.
        let wrong = try suite.deploy(uniqueName("wrongentry"), "c", source: try Examples.source("add.c"), query: "&entrypoint=mul")
        XCTAssertTrue((400..<500).contains(wrong.status), "\(wrong)")
    }

    func testRustHelloEchoesStdin() throws {
        let suite = try suite
        let name = uniqueName("hellors")
        let response = try suite.deploy(name, "rust", source: try Examples.source("hello.rs"))
        XCTAssertEqual(response.status, 201, "Rust deploy needs rustc + wasm32-wasip1 (scripts/setup-wasm.sh): \(response)")
        let id = try XCTUnwrap(try response.json()["id"] as? String)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(id)/code.rs"))
        XCTAssertEqual(try suite.invokeText(id, "rust"), "Hello, rust\n")
        XCTAssertEqual(try suite.invokeText(name, "again"), "Hello, again\n")
    }

    /// Compilers read untrusted source: they must not see the host's files (another function's
    /// code, /etc), only the toolchain and the deploy's own folder.
    func testCompilersCannotReadHostFiles() throws {
        let suite = try suite
        let secret = uniqueName("secret")
        let secretID = try suite.deployOK(secret, "python", source: "print('TOP-SECRET-\(secret)')\n")
        let path = "\(suite.functionsDirectory)/\(secretID)/code.py"
        let rust = try suite.deploy(uniqueName("steal"), "rust", source: "fn main() { print!(\"{}\", include_str!(\"\(path)\")); }\n")
        XCTAssertEqual(rust.status, 422, "\(rust)")
        XCTAssertFalse(rust.text.contains("TOP-SECRET"), "\(rust)")
        let c = try suite.deploy(uniqueName("stealc"), "c", source: "#include \"\(path)\"\nint main(void) { return 0; }\n")
        XCTAssertEqual(c.status, 422, "\(c)")
        XCTAssertFalse(c.text.contains("TOP-SECRET"), "\(c)")
        let etc = try suite.deploy(uniqueName("stealetc"), "c", source: "#include \"/etc/hostname\"\nint main(void) { return 0; }\n")
        XCTAssertEqual(etc.status, 422, "\(etc)")
    }

    func testCompileErrorIs422AndStoresNothing() throws {
        let suite = try suite
        let name = uniqueName("broken")
        let response = try suite.deploy(name, "c", source: "int main(void) { return undeclared_thing_xyz; }\n")
        XCTAssertEqual(response.status, 422, "\(response)")
        XCTAssertTrue(response.text.contains("undeclared_thing_xyz"), "the compiler's message is in the body: \(response)")
        XCTAssertTrue(response.text.contains("error"), "\(response)")
        XCTAssertFalse(response.text.contains(".staging"), "internal paths are not leaked: \(response)")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "nothing stored")
        XCTAssertEqual(try suite.invoke(name, "").status, 404)
        let entries = try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory)
        XCTAssertEqual(entries.filter { $0.hasPrefix(name) }, [], "no half function: \(entries)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory + "/.staging"), [], "staging is empty")
        // The name is still free.
        _ = try suite.deployOK(name, "c", source: try Examples.source("hello.c"))
        XCTAssertEqual(try suite.invokeText(name, "fixed"), "Hello, fixed\n")

        let rust = try suite.deploy(uniqueName("brokenrs"), "rust", source: "fn main() { let x: u32 = \"not a number\"; }\n")
        XCTAssertEqual(rust.status, 422, "\(rust)")
        XCTAssertTrue(rust.text.contains("mismatched types") || rust.text.contains("E0308"), "\(rust)")
    }

    func testTrapIs500AndTheWorkerStaysUsable() throws {
        let suite = try suite
        let hello = try suite.deployOK(uniqueName("hello-after-trap"), "c", source: try Examples.source("hello.c"))
        let trap = try suite.deployOK(uniqueName("trap"), "c", source: "int main(void) { __builtin_trap(); return 0; }\n")
        for _ in 0..<4 {   // one per worker under round robin
            let response = try suite.invoke(trap, "")
            XCTAssertEqual(response.status, 500, "\(response)")
            let error = (try response.json()["error"] as? String ?? "").lowercased()
            XCTAssertTrue(error.contains("trap") || error.contains("unreachable"), "\(response)")
        }
        for index in 0..<8 {
            XCTAssertEqual(try suite.invokeText(hello, "after\(index)"), "Hello, after\(index)\n")
        }
    }

    func testOutputOverTheCapFails() throws {
        let suite = try suite
        let source = """
            #include <stdio.h>
            int main(void) {
                static char line[1024];
                for (int i = 0; i < 1023; i++) line[i] = 'x';
                for (int i = 0; i < 2048; i++) fputs(line, stdout);   /* about 2 MiB */
                return 0;
            }
            """
        let id = try suite.deployOK(uniqueName("flood"), "c", source: source)
        let response = try suite.invoke(id, "")
        XCTAssertEqual(response.status, 500, "\(response)")
        let error = try response.json()["error"] as? String ?? ""
        XCTAssertTrue(error.contains("limit") || error.contains("1048576"), "the failure names the output limit: \(response)")
        XCTAssertLessThan(response.body.count, 64 * 1024, "the flood itself is not returned")

        // Just under the cap is fine.
        let under = try suite.deployOK(uniqueName("under"), "c", source: """
            #include <stdio.h>
            int main(void) { for (int i = 0; i < 1000; i++) fputs("0123456789", stdout); return 0; }
            """)
        XCTAssertEqual(try suite.invokeOutput(under, Data()).count, 10_000)
    }

    func testInfiniteLoopTimesOutAndWorkersRecover() throws {
        let suite = try suite
        let hello = try suite.deployOK(uniqueName("hello-after-loop"), "c", source: try Examples.source("hello.c"))
        let py = try suite.deployOK(uniqueName("py-after-loop"), "python", source: try Examples.source("hello.py"))
        let loop = try suite.deployOK(uniqueName("spin"), "c", source: "int main(){for(;;){}}\n", query: "&timeout=1")
        let workersBefore = suite.workerPIDs()

        let started = Date()
        let response = try suite.invoke(loop, "", timeout: 30)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(response.status, 504, "\(response)")
        XCTAssertEqual(try response.json()["ok"] as? Bool, false)
        XCTAssertGreaterThanOrEqual(elapsed, 0.9, "not before the limit")
        XCTAssertLessThan(elapsed, 5, "within a few seconds of the 1 s limit")

        // Every worker (the replaced one included) serves again.
        for index in 0..<8 {
            XCTAssertEqual(try suite.invokeText(hello, "c\(index)"), "Hello, c\(index)\n")
            XCTAssertEqual(try suite.invokeText(py, "p\(index)"), "Hello, p\(index)\n")
        }
        try suite.waitFor("four workers again", timeout: 10) { suite.workerPIDs().count == 4 }
        let workersAfter = suite.workerPIDs()
        XCTAssertEqual(Set(workersBefore).intersection(workersAfter).count, 3, "exactly the stuck worker was replaced: \(workersBefore) -> \(workersAfter)")
    }

    func testRedeployAfterDeleteRunsTheNewModule() throws {
        let suite = try suite
        var collided = false
        for _ in 0..<4 where !collided {
            let name = uniqueName("wreuse")
            APITests.alignToSecond()
            let old = try suite.deployOK(name, "c", source: try Examples.source("hello.c"))
            for _ in 0..<suite.options.workers { XCTAssertEqual(try suite.invokeText(name, "2 3"), "Hello, 2 3\n") }
            XCTAssertEqual(try suite.request("DELETE", "/function/\(name)").status, 200)
            let new = try suite.deployOK(name, "c", source: try Examples.source("add.c"), query: "&entrypoint=add")
            collided = new == old
            var answers: [String] = []
            for _ in 0..<(2 * suite.options.workers) {
                let response = try suite.invoke(name, "2 3")
                answers.append(response.status == 200 ? ((try? response.json()["output"] as? String) ?? "?") : "\(response)")
            }
            XCTAssertEqual(answers, Array(repeating: "5", count: answers.count),
                           "after delete + redeploy (\(old) -> \(new)) every worker must run the new module")
        }
        XCTAssertTrue(collided, "the test could not redeploy within the same second (ids never matched)")
    }

    func testWasmHasNoFilesystem() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("nofs"), "c", source: """
            #include <stdio.h>
            int main(void) {
                FILE *f = fopen("/etc/passwd", "r");
                puts(f ? "opened" : "denied");
                FILE *w = fopen("/tmp/wasm-escape", "w");
                puts(w ? "wrote" : "denied");
                return 0;
            }
            """)
        XCTAssertEqual(try suite.invokeText(id, ""), "denied\ndenied\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/wasm-escape"))
    }
}
