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

        // Every worker serves again, and none was replaced: the engine stopped the call
        // inside the worker (epoch deadline), so no worker had to be killed.
        for index in 0..<8 {
            XCTAssertEqual(try suite.invokeText(hello, "c\(index)"), "Hello, c\(index)\n")
            XCTAssertEqual(try suite.invokeText(py, "p\(index)"), "Hello, p\(index)\n")
        }
        XCTAssertEqual(suite.workerPIDs(), workersBefore, "the stuck call was stopped in its worker, which lives on")
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

/// WebAssembly limits hold inside the call (wasmtime's own API): a call past its time traps in
/// its worker, which lives on with its warm state; memory.grow past the function's limit fails
/// in the call, so the worker never holds more than the limit. One worker, so its pid is the
/// worker of every call.
final class WasmLimitsTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        return options
    }

    private func onlyWorker(_ suite: FaaSSuite, file: StaticString = #filePath, line: UInt = #line) throws -> Int32 {
        let pids = suite.workerPIDs()
        XCTAssertEqual(pids.count, 1, "\(pids)", file: file, line: line)
        return try XCTUnwrap(pids.first, file: file, line: line)
    }

    /// A /proc/<pid>/status field in KiB ("VmHWM", "VmRSS").
    private func statusKiB(_ pid: Int32, _ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    func testTimeoutTrapsTheCallAndTheSameWorkerServesTheNext() throws {
        let suite = try suite
        let hello = try suite.deployOK(uniqueName("hello-warm"), "c", source: try Examples.source("hello.c"))
        let spin = try suite.deployOK(uniqueName("spin1"), "c", source: "int main(){for(;;){}}\n", query: "&timeout=1")
        let sleeper = try suite.deployOK(uniqueName("sleep1"), "c", source: """
            #include <unistd.h>
            int main(void) { sleep(60); return 0; }
            """, query: "&timeout=1")
        XCTAssertEqual(try suite.invokeText(hello, "before"), "Hello, before\n")
        let worker = try onlyWorker(suite)

        for id in [spin, sleeper, spin] {
            let started = Date()
            let response = try suite.invoke(id, "", timeout: 30)
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertEqual(response.status, 504, "\(response)")
            XCTAssertTrue(response.text.contains("timed out"), "\(response)")
            XCTAssertGreaterThanOrEqual(elapsed, 0.9, "not before the limit")
            XCTAssertLessThan(elapsed, 5)
            // The same worker process answers the next call at once.
            XCTAssertEqual(try suite.invokeText(hello, "after"), "Hello, after\n")
            XCTAssertEqual(try onlyWorker(suite), worker, "the worker that ran the stopped call serves the next one")
        }
        let log = (try? String(contentsOfFile: suite.logPath("server"), encoding: .utf8)) ?? ""
        XCTAssertFalse(log.contains("killing its worker"), "the server never had to kill the worker")
    }

    func testMemoryGrowPastTheLimitFailsInsideTheCall() throws {
        let suite = try suite
        let hog = try suite.deployOK(uniqueName("grow32"), "c", source: """
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) {
                size_t mib = 0;
                for (;;) {
                    // volatile: -O2 would otherwise drop an allocation nobody reads.
                    volatile char *p = malloc(1 << 20);
                    if (!p) { fprintf(stderr, "malloc refused after %zu MiB\\n", mib); return 1; }
                    for (int i = 0; i < (1 << 20); i += 4096) p[i] = 1;
                    mib++;
                }
            }
            """, query: "&memory=32")
        let hello = try suite.deployOK(uniqueName("hello-mem"), "c", source: try Examples.source("hello.c"))
        XCTAssertEqual(try suite.invokeText(hello, "x"), "Hello, x\n")
        let worker = try onlyWorker(suite)

        for _ in 0..<3 {
            let response = try suite.invoke(hog, "", timeout: 60)
            XCTAssertEqual(response.status, 500, "\(response)")
            let error = try response.json()["error"] as? String ?? ""
            XCTAssertTrue(error.contains("memory limit of 32 MiB"), "the failure names the limit: \(response)")
            // The program saw malloc fail below the limit, inside the call.
            let reached = error.components(separatedBy: "malloc refused after ").dropFirst().first
                .flatMap { Int($0.prefix(while: \.isNumber)) } ?? -1
            XCTAssertTrue((1..<32).contains(reached), "\(response)")
        }
        // The worker's peak resident memory stayed near the limit (without the limiter the
        // loop grows to the engine's 2 GiB ceiling), and it is the same worker.
        let peak = try XCTUnwrap(statusKiB(worker, "VmHWM"))
        XCTAssertLessThan(peak, 256 << 10, "worker peak RSS \(peak) KiB")
        XCTAssertEqual(try onlyWorker(suite), worker)
        XCTAssertEqual(try suite.invokeText(hello, "y"), "Hello, y\n")
    }
}
