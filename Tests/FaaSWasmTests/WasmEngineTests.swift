import Foundation
import XCTest

@testable import FaaSWasm
import FaaSStore

/// End-to-end checks of the wasm path: real C and Rust sources compiled with the deploy-time
/// toolchain commands, run through the dynamically loaded engine. Needs scripts/setup-wasm.sh
/// to have run; without an engine these tests fail (on purpose) rather than skip.
final class WasmEngineTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "wasm-tests-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: helpers

    private func makeEngine(_ interface: WasmInterface = .automatic) throws -> WasmEngine {
        let explicit = ProcessInfo.processInfo.environment["FAAS_WASM_LIBRARY"]
        do {
            return try WasmEngine(libraryPath: explicit, interface: interface)
        } catch {
            XCTFail("wasm engine missing (run scripts/setup-wasm.sh): \(error)")
            throw error
        }
    }

    /// Compiles with the same commands the gateway uses; fails the test with the compiler's
    /// message on error.
    private func build(_ language: String, _ source: String, entrypoint: String? = nil, name: String = "code") throws -> [UInt8] {
        let ext = language == "rust" ? "rs" : "c"
        let src = "\(dir)/\(name).\(ext)"
        let out = "\(dir)/\(name).wasm"
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let sysroot = "\(dir)/sysroot"
        try WasmToolchain.ensureSysroot(at: sysroot)
        // As the deploy decides it: an entrypoint asks for an export; else main makes a command.
        let lang = try XCTUnwrap(Language(rawValue: language))
        let hasMain = lang == .c ? WasmToolchain.cHasMain(source) : WasmToolchain.rustHasMain(source)
        let mode: WasmInvocation.Mode = entrypoint.map { .export(name: $0) } ?? (hasMain ? .command : .export(name: ""))
        let cmd = try WasmToolchain.commands(language: lang, build: mode, source: src, output: out, sysroot: sysroot)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cmd.executable)
        p.arguments = cmd.arguments
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let errPipe = Pipe()
        p.standardError = errPipe
        p.standardOutput = errPipe
        try p.run()
        let diag = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let message = String(decoding: diag, as: UTF8.self)
            XCTFail("compile failed: \(cmd.executable) \(cmd.arguments.joined(separator: " "))\n\(message)")
            throw WasmToolchain.ToolchainError.io(message)
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    private func command(_ stdin: String = "", cap: Int = 1 << 20, name: String = "fn") -> WasmInvocation {
        WasmInvocation(mode: .command, programName: name, stdin: Array(stdin.utf8), outputCap: cap)
    }

    private func export(_ fn: String, _ args: String) -> WasmInvocation {
        WasmInvocation(mode: .export(name: fn), programName: fn, stdin: Array(args.utf8))
    }

    private func output(_ o: WasmOutcome, file: StaticString = #filePath, line: UInt = #line) -> String? {
        switch o {
        case .success(let out, _): return String(decoding: out, as: UTF8.self)
        case .failure(let error, let stderr, let kind):
            XCTFail("expected success, got \(kind): \(error) stderr=\(String(decoding: stderr, as: UTF8.self))", file: file, line: line)
            return nil
        }
    }

    private func failure(_ o: WasmOutcome, file: StaticString = #filePath, line: UInt = #line) -> (error: String, stderr: String, kind: WasmFailureKind)? {
        switch o {
        case .success(let out, _):
            XCTFail("expected failure, got output \(String(decoding: out, as: UTF8.self))", file: file, line: line)
            return nil
        case .failure(let error, let stderr, let kind):
            return (error, String(decoding: stderr, as: UTF8.self), kind)
        }
    }

    private static let cHello = """
        #include <stdio.h>
        int main(void) {
            char buf[256];
            size_t n;
            printf("hello ");
            while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) fwrite(buf, 1, n, stdout);
            return 0;
        }
        """

    // MARK: command mode

    func testCHelloEchoesStdin() throws {
        let engine = try makeEngine()
        let module = try engine.compile(try build("c", Self.cHello))
        XCTAssertTrue(module.hasCommandEntry)
        XCTAssertEqual(output(engine.run(module, command("world"))), "hello world")
        XCTAssertEqual(output(engine.run(module, command(""))), "hello ")
        let big = String(repeating: "x", count: 100_000)
        XCTAssertEqual(output(engine.run(module, command(big))), "hello " + big)
    }

    func testCArgvEnvironClockRandomAndNoFilesystem() throws {
        let engine = try makeEngine()
        let src = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <time.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                struct timespec ts;
                unsigned char r[16];
                int rc = getentropy(r, sizeof r);
                clock_gettime(CLOCK_MONOTONIC, &ts);
                FILE *f = fopen("/etc/passwd", "r");
                struct timespec nap = {0, 2000000}, t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                int slept = nanosleep(&nap, NULL);  /* poll_oneoff with a clock subscription */
                clock_gettime(CLOCK_MONOTONIC, &t1);
                long ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
                printf("argc=%d argv0=%s env=%s rand=%d clock=%d file=%s sleep=%d %d\\n", argc, argv[0],
                       getenv("PATH") ? "yes" : "none", rc, ts.tv_sec > 0 || ts.tv_nsec > 0,
                       f ? "opened" : "denied", slept, ns >= 2000000);
                return 0;
            }
            """
        let module = try engine.compile(try build("c", src))
        XCTAssertEqual(output(engine.run(module, command(name: "myfn"))), "argc=1 argv0=myfn env=none rand=0 clock=1 file=denied sleep=0 1\n")
    }

    func testRustHelloEchoesStdin() throws {
        let engine = try makeEngine()
        let src = """
            use std::io::Read;
            fn main() {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s).unwrap();
                println!("hello {}", s);
            }
            """
        let module = try engine.compile(try build("rust", src))
        XCTAssertEqual(output(engine.run(module, command("rust"))), "hello rust\n")
    }

    func testRustExportWithoutMain() throws {
        let engine = try makeEngine()
        let src = """
            #[no_mangle]
            pub extern "C" fn mul(a: i32, b: i32) -> i32 { a * b }
            """
        let module = try engine.compile(try build("rust", src))
        XCTAssertEqual(output(engine.run(module, export("mul", "6 7"))), "42")
    }

    func testExitStatusFailsWithStderr() throws {
        let engine = try makeEngine()
        let src = """
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) { printf("partial"); fprintf(stderr, "bad input\\n"); exit(3); }
            """
        let module = try engine.compile(try build("c", src))
        let f = failure(engine.run(module, command()))
        XCTAssertEqual(f?.error, "exit status 3")
        XCTAssertEqual(f?.stderr, "bad input\n")
        XCTAssertEqual(f?.kind, .exit(code: 3))

        let zero = try engine.compile(try build("c", """
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) { printf("done"); exit(0); }
            """, name: "zero"))
        XCTAssertEqual(output(engine.run(zero, command())), "done")

        // Rust's process::exit(0) goes through proc_exit(0): still a success.
        let rust = try engine.compile(try build("rust", """
            fn main() { print!("bye"); std::process::exit(0); }
            """, name: "rexit"))
        XCTAssertEqual(output(engine.run(rust, command())), "bye")
    }

    func testOutputCap() throws {
        let engine = try makeEngine()
        let src = """
            #include <stdio.h>
            int main(void) { for (int i = 0; i < 100000; i++) printf("0123456789"); return 0; }
            """
        let module = try engine.compile(try build("c", src))
        let f = failure(engine.run(module, command(cap: 1000)))
        XCTAssertEqual(f?.error, "output exceeds 1000 bytes")
        XCTAssertEqual(f?.kind, .outputTooLarge)
        // Just under the cap is fine.
        XCTAssertEqual(output(engine.run(module, command(cap: 1_000_000)))?.count, 1_000_000)
    }

    // MARK: export mode

    func testCExportAddWithArgumentForms() throws {
        let engine = try makeEngine()
        let src = """
            int add(int a, int b) { return a + b; }
            long long big(long long a) { return a * 1000000; }
            """
        let module = try engine.compile(try build("c", src, entrypoint: "add"))
        XCTAssertFalse(module.hasCommandEntry)
        for payload in ["2 3", "2,3", "[2,3]", " [2, 3]\n", "2\n3"] {
            XCTAssertEqual(output(engine.run(module, export("add", payload))), "5", payload)
        }
        XCTAssertEqual(output(engine.run(module, export("add", "-7 2"))), "-5")
        XCTAssertEqual(output(engine.run(module, export("big", "5000000"))), "5000000000000")

        let few = failure(engine.run(module, export("add", "2")))
        XCTAssertEqual(few?.kind, .badArguments)
        XCTAssertEqual(few?.error, "add takes 2 arguments (i32, i32), got 1")
        let junk = failure(engine.run(module, export("add", "2 x")))
        XCTAssertEqual(junk?.kind, .badArguments)
        XCTAssertEqual(junk?.error, "argument 2 of add: 'x' is not a valid i32")
        let missing = failure(engine.run(module, export("nope", "")))
        XCTAssertEqual(missing?.kind, .badArguments)
        XCTAssertTrue(missing?.error.contains("no exported function 'nope'") ?? false)
        XCTAssertTrue(missing?.error.contains("add") ?? false)

        // A bare module has no _start: command mode explains instead of crashing.
        XCTAssertEqual(failure(engine.run(module, command()))?.kind, .badArguments)
    }

    func testFloatParamsAndResults() throws {
        let engine = try makeEngine()
        let src = """
            double half(double x) { return x / 2; }
            float scale(float x, int k) { return x * k; }
            void nothing(void) {}
            """
        let module = try engine.compile(try build("c", src))
        XCTAssertEqual(output(engine.run(module, export("half", "5"))), "2.5")
        XCTAssertEqual(output(engine.run(module, export("half", "[1e300]"))), "5e+299")
        XCTAssertEqual(output(engine.run(module, export("scale", "1.25, 2"))), "2.5")
        XCTAssertEqual(output(engine.run(module, export("nothing", ""))), "")
    }

    func testFreshInstancePerRun() throws {
        let engine = try makeEngine()
        let module = try engine.compile(try build("c", """
            int counter;
            int inc(void) { return ++counter; }
            """))
        for _ in 0..<3 {
            XCTAssertEqual(output(engine.run(module, export("inc", ""))), "1")
        }
        let cmd = try engine.compile(try build("c", """
            #include <stdio.h>
            static int calls;
            int main(void) { printf("%d", ++calls); return 0; }
            """, name: "cmd"))
        for _ in 0..<3 {
            XCTAssertEqual(output(engine.run(cmd, command())), "1")
        }
    }

    // MARK: traps

    func testTrapsFailCleanlyAndEngineStaysUsable() throws {
        let engine = try makeEngine()
        let hello = try engine.compile(try build("c", Self.cHello, name: "hello"))
        let src = """
            int boom(void) { __builtin_trap(); }
            int oob(int i) { volatile int *p = (volatile int *)0xFFFFFFF0u; return p[i]; }
            int divide(int a, int b) { return a / b; }
            volatile int depth;
            int deep(int n) { depth = n; return deep(n + 1) + depth; }  /* volatile read after the call: no loop */
            int shadow(int n) { volatile int pad[32]; pad[n & 31] = n; return shadow(n + 1) + pad[(n + 1) & 31]; }
            """
        let module = try engine.compile(try build("c", src, name: "traps"))
        let cases: [(String, String, [String])] = [
            ("boom", "", ["unreachable"]),
            ("oob", "0", ["out of bounds"]),
            ("divide", "1 0", ["divide by zero"]),
            ("deep", "0", ["stack overflow", "call stack exhausted"]),
            // C's stack lives in linear memory: exhausting it is an out-of-bounds access.
            ("shadow", "0", ["out of bounds"]),
        ]
        for (fn, args, words) in cases {
            let f = failure(engine.run(module, export(fn, args)))
            XCTAssertEqual(f?.kind, .trap, fn)
            let text = f?.error.lowercased() ?? ""
            XCTAssertTrue(words.contains(where: { text.contains($0) }), "\(fn): \(text)")
            XCTAssertFalse(text.contains("\n"), "one-line message: \(text)")
            print("trap \(fn): \(f?.error ?? "")")
            XCTAssertEqual(output(engine.run(hello, command("again"))), "hello again")
        }

        // A command that traps keeps what it wrote to stderr.
        let cmd = try engine.compile(try build("c", """
            #include <stdio.h>
            int main(void) { fprintf(stderr, "about to fail\\n"); __builtin_trap(); }
            """, name: "cmdtrap"))
        let f = failure(engine.run(cmd, command()))
        XCTAssertEqual(f?.kind, .trap)
        XCTAssertEqual(f?.stderr, "about to fail\n")
    }

    // MARK: limits inside the call

    /// Allocates 1 MiB blocks (touched) until malloc fails, then reports how far it got.
    private static let cMemoryHog = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
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
        """

    func testWasmtimeAPIIsUsedWhenTheLibraryHasIt() throws {
        let engine = try makeEngine()
        XCTAssertEqual(engine.engineName, "wasmtime")
        XCTAssertTrue(engine.boundsCallsInside, "the wheel's _libwasmtime.so has wasmtime's own API")
        XCTAssertFalse(try makeEngine(.standard).boundsCallsInside)
    }

    func testMemoryGrowPastTheLimitFailsInsideTheCall() throws {
        let engine = try makeEngine()
        let module = try engine.compile(try build("c", Self.cMemoryHog))
        var inv = command()
        inv.memoryLimit = 32 << 20
        let rssBefore = Self.residentBytes()
        let f = try XCTUnwrap(failure(engine.run(module, inv)))
        XCTAssertEqual(f.kind, .memoryLimit, f.error)
        XCTAssertTrue(f.error.contains("memory limit of 32 MiB"), f.error)
        // The program itself saw the refusal: malloc returned NULL below the limit.
        let reached = Int(f.stderr.split(separator: " ").dropFirst(3).first ?? "") ?? -1
        XCTAssertTrue((16..<32).contains(reached), f.stderr)
        XCTAssertLessThan(Self.residentBytes() - rssBefore, 64 << 20, "the call never held much more than its limit")

        // The same module under a larger limit goes further: the limit is per call.
        inv.memoryLimit = 64 << 20
        let g = try XCTUnwrap(failure(engine.run(module, inv)))
        let further = Int(g.stderr.split(separator: " ").dropFirst(3).first ?? "") ?? -1
        XCTAssertTrue((48..<64).contains(further), g.stderr)

        // A program that handles the refusal succeeds: only the grow failed, not the call.
        let polite = try engine.compile(try build("c", """
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) {
                volatile char *p = malloc(64 << 20);
                if (p) p[(64 << 20) - 1] = 1;
                printf("%s", p ? "got it" : "refused");
                return 0;
            }
            """, name: "polite"))
        inv.memoryLimit = 16 << 20
        XCTAssertEqual(output(engine.run(polite, inv)), "refused")
        inv.memoryLimit = 128 << 20
        XCTAssertEqual(output(engine.run(polite, inv)), "got it")
    }

    func testModuleStartingAboveTheLimitFailsBeforeRunning() throws {
        for interface in [WasmInterface.automatic, .standard] {
            let engine = try makeEngine(interface)
            let module = try engine.compile(try build("c", """
                #include <stdio.h>
                static volatile char big[8 << 20];
                int main(int argc, char **argv) { big[argc << 20] = 1; printf("ran %d", big[argc << 20]); return 0; }
                """, name: "big"))
            var inv = command()
            inv.memoryLimit = 4 << 20
            let f = failure(engine.run(module, inv))
            XCTAssertEqual(f?.kind, .memoryLimit, "\(interface)")
            XCTAssertTrue(f?.error.contains("starts with 8 MiB") ?? false, f?.error ?? "")
            inv.memoryLimit = 16 << 20
            XCTAssertEqual(output(engine.run(module, inv)), "ran 1")
        }
    }

    func testTimeoutTrapsTheCallAndTheEngineStaysUsable() throws {
        let engine = try makeEngine()
        let hello = try engine.compile(try build("c", Self.cHello, name: "hello"))
        let spinMain = try engine.compile(try build("c", "volatile int x;\nint main(void) { for (;;) x++; }\n", name: "spinmain"))
        let spinExport = try engine.compile(try build("c", "volatile int x;\nint spin(int n) { for (;;) x += n; }\n",
                                                      entrypoint: "spin", name: "spinexport"))
        for (spin, inv) in [(spinMain, command()), (spinExport, export("spin", "1"))] {
            var limited = inv
            limited.timeout = 0.3
            let started = Date()
            let f = failure(engine.run(spin, limited))
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertEqual(f?.kind, .timeout, f?.error ?? "")
            XCTAssertGreaterThanOrEqual(elapsed, 0.29)
            XCTAssertLessThan(elapsed, 3)
            XCTAssertEqual(output(engine.run(hello, command("after"))), "hello after")
        }
        // A call without a time limit is not stopped by the ticker.
        let busy = try engine.compile(try build("c", """
            int work(int n) { volatile int s = 0; for (int i = 0; i < n; i++) s += i; return 7; }
            """, entrypoint: "work", name: "busy"))
        XCTAssertEqual(output(engine.run(busy, export("work", "50000000"))), "7")
    }

    func testSleepPastTheDeadlineStopsAtTheDeadline() throws {
        for interface in [WasmInterface.automatic, .standard] {
            let engine = try makeEngine(interface)
            let module = try engine.compile(try build("c", """
                #include <stdio.h>
                #include <unistd.h>
                int main(void) { printf("before"); fflush(stdout); sleep(30); printf("after"); return 0; }
                """, name: "sleeper"))
            var inv = command()
            inv.timeout = 0.3
            let started = Date()
            let f = failure(engine.run(module, inv))
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertEqual(f?.kind, .timeout, "\(interface): \(f?.error ?? "")")
            XCTAssertGreaterThanOrEqual(elapsed, 0.29)
            XCTAssertLessThan(elapsed, 3)
        }
    }

    func testStandardInterfaceStillRunsEverything() throws {
        let engine = try makeEngine(.standard)
        XCTAssertFalse(engine.boundsCallsInside)
        let hello = try engine.compile(try build("c", Self.cHello, name: "hello"))
        XCTAssertEqual(output(engine.run(hello, command("std"))), "hello std")
        let add = try engine.compile(try build("c", "int add(int a, int b) { return a + b; }\n", name: "add"))
        XCTAssertEqual(output(engine.run(add, export("add", "2 40"))), "42")
        let exit = try engine.compile(try build("c", """
            #include <stdio.h>
            #include <stdlib.h>
            int main(void) { fprintf(stderr, "no\\n"); exit(4); }
            """, name: "exit"))
        let e = failure(engine.run(exit, command()))
        XCTAssertEqual(e?.kind, .exit(code: 4))
        XCTAssertEqual(e?.stderr, "no\n")
        let trap = try engine.compile(try build("c", "int boom(void) { __builtin_trap(); }\n", name: "boom"))
        XCTAssertEqual(failure(engine.run(trap, export("boom", "")))?.kind, .trap)
        let bytes = try XCTUnwrap(engine.serialize(hello))
        XCTAssertEqual(output(engine.run(try engine.deserialize(bytes), command("again"))), "hello again")
        // Serialized modules of one interface are not loaded by the other (different engine
        // settings); the caller recompiles.
        XCTAssertThrowsError(try makeEngine().deserialize(bytes))

        // The standard API checks the memory limit after the call.
        let grow = try engine.compile(try build("c", """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            int main(void) {
                volatile char *p = malloc(48 << 20);
                if (p) for (int i = 0; i < (48 << 20); i += 4096) p[i] = 1;
                printf("%d", p != 0);
                return 0;
            }
            """, name: "grow"))
        var inv = command()
        inv.memoryLimit = 32 << 20
        let m = failure(engine.run(grow, inv))
        XCTAssertEqual(m?.kind, .memoryLimit)
        XCTAssertTrue(m?.error.contains("grew to") ?? false, m?.error ?? "")
    }

    func testEnginesComeAndGoWithTheirTickers() throws {
        let threadsBefore = Self.threadCount()
        for _ in 0..<5 {
            let engine = try makeEngine()
            XCTAssertTrue(engine.boundsCallsInside)
        }
        XCTAssertLessThanOrEqual(Self.threadCount(), threadsBefore, "each engine's ticker thread ends with it")
    }

    func testIdleTickerParksAndWakesForTheNextCall() throws {
        let before = Set(Self.threads(named: "faas-epoch"))
        let engine = try makeEngine()
        let ticker = try XCTUnwrap(Set(Self.threads(named: "faas-epoch")).subtracting(before).first, "the engine's ticker thread")
        let spin = try engine.compile(try build("c", "volatile int x;\nint main(void) { for (;;) x++; }\n", name: "spin"))
        var inv = command()
        inv.timeout = 0.2
        XCTAssertEqual(failure(engine.run(spin, inv))?.kind, .timeout)
        // A second without calls: the thread parks (no more wake-ups).
        Thread.sleep(forTimeInterval: 1.5)
        let parked = Self.wakeUps(ticker)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(Self.wakeUps(ticker), parked, "an idle ticker sleeps until the next call")
        // The next call wakes it: its deadline still stops it.
        let started = Date()
        XCTAssertEqual(failure(engine.run(spin, inv))?.kind, .timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        XCTAssertGreaterThan(Self.wakeUps(ticker), parked)
    }

    /// Thread ids of this process whose name is `name`.
    private static func threads(named name: String) -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { tid in
            (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == name
        }
    }

    /// Voluntary context switches of a thread of this process: one per sleep.
    private static func wakeUps(_ tid: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/task/\(tid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") } ?? ""
        return Int(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? -1
    }

    private static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    // MARK: modules and library

    func testSerializeDeserializeRoundTrip() throws {
        let engine = try makeEngine()
        let module = try engine.compile(try build("c", Self.cHello))
        let bytes = try XCTUnwrap(engine.serialize(module))
        XCTAssertGreaterThan(bytes.count, 0)
        let again = try engine.deserialize(bytes)
        XCTAssertEqual(output(engine.run(again, command("cache"))), "hello cache")
        XCTAssertThrowsError(try engine.deserialize([1, 2, 3, 4])) { error in
            guard case WasmError.deserializeFailed = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try engine.compile(Array("not wasm".utf8))) { error in
            guard case WasmError.invalidModule = error else { return XCTFail("\(error)") }
        }
        // Valid header, garbage body.
        XCTAssertThrowsError(try engine.compile([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 9, 9, 9])) { error in
            guard case WasmError.invalidModule = error else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(["wasmtime", "wasmer"].contains(engine.engineName), engine.engineName)
    }

    func testUnknownImportFailsInstantiationCleanly() throws {
        let engine = try makeEngine()
        let src = """
            __attribute__((import_module("env"), import_name("mystery")))
            int mystery(int);
            int call(int x) { return mystery(x); }
            """
        let module = try engine.compile(try build("c", src))
        XCTAssertEqual(module.unsupportedImports, ["env.mystery (only wasi_snapshot_preview1 imports are provided)"])
        let f = failure(engine.run(module, export("call", "1")))
        XCTAssertEqual(f?.kind, .instantiation)
        XCTAssertEqual(f?.error, "cannot instantiate module: unsupported import env.mystery (only wasi_snapshot_preview1 imports are provided)")
    }

    func testUnimplementedWasiImportGetsENOSYS() throws {
        let engine = try makeEngine()
        let src = """
            __attribute__((import_module("wasi_snapshot_preview1"), import_name("sock_accept")))
            int sock_accept(int fd, int flags, int *out);
            int try_accept(void) { int fd; return sock_accept(3, 0, &fd); }
            """
        let module = try engine.compile(try build("c", src))
        XCTAssertEqual(module.unsupportedImports, [])
        XCTAssertEqual(output(engine.run(module, export("try_accept", ""))), "52")
    }

    func testMissingLibraryThrows() {
        XCTAssertThrowsError(try WasmEngine(libraryPath: "/nonexistent/libwasm.so")) { error in
            guard case WasmError.libraryUnavailable(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("/nonexistent/libwasm.so"), message)
        }
    }

    func testLibraryFoundWithoutExplicitPath() throws {
        let engine = try WasmEngine(libraryPath: nil)
        XCTAssertTrue(engine.libraryPath.hasSuffix("_libwasmtime.so") || engine.libraryPath.hasPrefix("lib"), engine.libraryPath)
    }

    /// Rough per-call cost of the C hello (fresh store + instance + call), for the report.
    func testCHelloPerCallCost() throws {
        let wasm = try build("c", Self.cHello)
        for interface in [WasmInterface.automatic, .standard] {
            let engine = try makeEngine(interface)
            let module = try engine.compile(wasm)
            let n = Int(ProcessInfo.processInfo.environment["WASM_BENCH_CALLS"] ?? "") ?? 2000
            var inv = command("bench")
            inv.memoryLimit = 128 << 20
            inv.timeout = 10
            for _ in 0..<200 { _ = engine.run(module, inv) }  // warm up allocators
            let rssBefore = Self.residentBytes()
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = Self.threadCPUNanos()
            for _ in 0..<n {
                guard case .success = engine.run(module, inv) else { return XCTFail("run failed") }
            }
            let perCall = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(n) / 1000
            let cpuPerCall = Double(Self.threadCPUNanos() - cpuStart) / Double(n) / 1000
            let grown = Self.residentBytes() - rssBefore
            print("wasm C hello: \(String(format: "%.1f", perCall)) µs per call (\(String(format: "%.1f", cpuPerCall)) µs CPU) over \(n) calls (\(engine.engineName), \(interface) API); RSS grew \(grown / 1024) KiB")
            XCTAssertLessThan(perCall, 5000)
            // A store per run is freed with it: no growth proportional to the number of calls.
            XCTAssertLessThan(grown, 16 << 20)
        }
    }

    private static func threadCPUNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A C source with main, linked as an export module (&entrypoint=add): the export runs,
    /// and libc links for the main it does not call.
    func testCSourceWithMainBuiltAsExport() throws {
        let engine = try makeEngine()
        let src = """
            #include <stdio.h>
            int add(int a, int b) { return a + b; }
            int main(void) { int a, b; if (scanf("%d %d", &a, &b) == 2) printf("%d\\n", add(a, b)); return 0; }
            """
        let module = try engine.compile(try build("c", src, entrypoint: "add"))
        XCTAssertEqual(output(engine.run(module, export("add", "2 3"))), "5")
        XCTAssertEqual(module.unsupportedImports, [])
        let program = try engine.compile(try build("c", src, name: "asCommand"))
        XCTAssertEqual(output(engine.run(program, command("2 3"))), "5\n")
    }
}

/// Pure logic: argument parsing, rendering, toolchain commands.
final class WasmToolchainTests: XCTestCase {
    func testArgumentTokens() {
        XCTAssertEqual(WasmArguments.tokens(Array("[2, 3]".utf8)), ["2", "3"])
        XCTAssertEqual(WasmArguments.tokens(Array("  2,3 \n".utf8)), ["2", "3"])
        XCTAssertEqual(WasmArguments.tokens(Array("".utf8)), [])
        XCTAssertEqual(WasmArguments.tokens(Array("[]".utf8)), [])
        XCTAssertEqual(WasmArguments.value("4294967295", kind: WasmVal.i32)?.asI32, -1)
        XCTAssertNil(WasmArguments.value("4294967296", kind: WasmVal.i32))
        XCTAssertNil(WasmArguments.value("2.5", kind: WasmVal.i32))
        XCTAssertEqual(WasmArguments.render([WasmVal(i32: -3), WasmVal(f64: 2.5), WasmVal(f32: 1)]), "-3 2.5 1.0")
    }

    func testCHasMain() {
        XCTAssertTrue(WasmToolchain.cHasMain("int main(void) { return 0; }"))
        XCTAssertTrue(WasmToolchain.cHasMain("#include <stdio.h>\nint\nmain (int argc, char **argv) {}"))
        XCTAssertTrue(WasmToolchain.cHasMain("void main(){}"))
        XCTAssertFalse(WasmToolchain.cHasMain("int add(int a, int b) { return a + b; }"))
        XCTAssertFalse(WasmToolchain.cHasMain("// int main(void)\nint add(int a){return a;}"))
        XCTAssertFalse(WasmToolchain.cHasMain("/* int main() */ const char *s = \"int main(\";"))
        XCTAssertFalse(WasmToolchain.cHasMain("int domain(int x) { return x; }"))
        XCTAssertTrue(WasmToolchain.rustHasMain("fn main() {}"))
        XCTAssertFalse(WasmToolchain.rustHasMain("#[no_mangle] pub extern \"C\" fn add(a: i32) -> i32 { a } // fn main()"))
    }

    func testCommands() throws {
        let m = try WasmToolchain.commands(language: .c, build: .command, source: "m.c", output: "o.wasm", sysroot: "/S")
        XCTAssertTrue(m.executable.hasSuffix("clang"))
        XCTAssertEqual(m.arguments, ["--target=wasm32-wasi", "--sysroot=/S", "-O2", "-nodefaultlibs", "-o", "o.wasm", "m.c", "-lc", "/S/lib/libclang_rt.builtins-wasm32.a"])
        // The caller's decision, not the source, says how it links: a source with main deployed
        // with &entrypoint=add is an export module.
        let a = try WasmToolchain.commands(language: .c, build: .export(name: "add"), source: "m.c", output: "o.wasm", sysroot: "/S")
        XCTAssertTrue(a.arguments.contains("-nostdlib"))
        XCTAssertTrue(a.arguments.contains("-Wl,--export-all"))
        XCTAssertTrue(a.arguments.contains("-Wl,--no-entry"))
        XCTAssertTrue(a.arguments.contains("-Wl,--export=add"))
        let r = try WasmToolchain.commands(language: .rust, build: .export(name: "mul"), source: "main.rs", output: "o.wasm", sysroot: "/S")
        XCTAssertEqual(r.executable, "/usr/bin/rustc")
        XCTAssertTrue(r.arguments.contains("cdylib"))
        let rm = try WasmToolchain.commands(language: .rust, build: .command, source: "main.rs", output: "o.wasm", sysroot: "/S")
        XCTAssertFalse(rm.arguments.contains("cdylib"))
        XCTAssertThrowsError(try WasmToolchain.commands(language: .js, build: .command, source: "x", output: "y", sysroot: "/S"))
        XCTAssertThrowsError(try WasmToolchain.commands(language: .go, build: .command, source: "x", output: "y", sysroot: "/S"))
    }

    /// C++ is C's command line in g++ mode, without exceptions, against the sysroot's libc++.
    func testCppCommands() throws {
        let sysroot = NSTemporaryDirectory() + "wasm-cpp-sysroot-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: sysroot) }
        XCTAssertThrowsError(try WasmToolchain.commands(language: .cpp, build: .command, source: "m.cpp", output: "o.wasm", sysroot: sysroot)) { error in
            XCTAssertTrue("\(error)".contains("libc++"), "names what is missing: \(error)")
        }
        try FileManager.default.createDirectory(atPath: sysroot + "/include/wasm32-wasi/c++/v1", withIntermediateDirectories: true)
        let m = try WasmToolchain.commands(language: .cpp, build: .command, source: "m.cpp", output: "o.wasm", sysroot: sysroot)
        XCTAssertTrue(m.executable.hasSuffix("clang"))
        XCTAssertEqual(Array(m.arguments.prefix(6)), ["--driver-mode=g++", "-std=c++17", "-fno-exceptions", "-nostdinc++", "-isystem", sysroot + "/include/wasm32-wasi/c++/v1"])
        let libraries = Array(m.arguments.drop(while: { $0 != "m.cpp" }).dropFirst())
        XCTAssertEqual(libraries, ["-lc++", "-lc++abi", "-lc", sysroot + "/lib/libclang_rt.builtins-wasm32.a"])
        let a = try WasmToolchain.commands(language: .cpp, build: .export(name: "add"), source: "m.cpp", output: "o.wasm", sysroot: sysroot)
        XCTAssertEqual(a.arguments.firstIndex(of: "-Wl,--export=add"), a.arguments.firstIndex(of: "-Wl,--no-entry")! + 1)
        XCTAssertTrue(a.arguments.contains("-lc++"))
        XCTAssertEqual(try WasmToolchain.Tools().executables(language: .cpp), try WasmToolchain.Tools().executables(language: .c))
    }

    func testToolchainFromSettingsOrPath() throws {
        let dir = NSTemporaryDirectory() + "wasm-tools-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/swift/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/llvm/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func tool(_ path: String) throws {
            FileManager.default.createFile(atPath: path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        }
        try tool(dir + "/swift/bin/swift")
        try tool(dir + "/swift/bin/clang")
        try tool(dir + "/llvm/bin/wasm-ld")
        let found = WasmToolchain.Tools()
        // No clang on PATH: the one beside swift; its wasm-ld is not beside it, so PATH's.
        XCTAssertEqual(try found.resolvedClang(path: "\(dir)/llvm/bin:\(dir)/swift/bin"), dir + "/swift/bin/clang")
        XCTAssertEqual(try found.resolvedWasmLinker(clang: dir + "/swift/bin/clang", path: dir + "/llvm/bin"), dir + "/llvm/bin/wasm-ld")
        try tool(dir + "/swift/bin/wasm-ld")
        XCTAssertNil(try found.resolvedWasmLinker(clang: dir + "/swift/bin/clang", path: dir + "/llvm/bin"), "clang finds its own")
        XCTAssertThrowsError(try found.resolvedClang(path: dir + "/llvm/bin")) { error in
            XCTAssertTrue("\(error)".contains("FAAS_CLANG"), "\(error)")
        }
        XCTAssertThrowsError(try found.resolvedWasmLinker(clang: dir + "/none/clang", path: dir + "/none"))
        // Explicit settings win, and an explicit linker is passed to clang.
        let explicit = WasmToolchain.Tools(clang: "/x/clang", wasmLinker: "/y/wasm-ld", rustc: "/z/rustc")
        try "int main(void){return 0;}".write(toFile: "\(dir)/m.c", atomically: true, encoding: .utf8)
        let c = try WasmToolchain.commands(language: .c, build: .command, source: "\(dir)/m.c", output: "o.wasm", sysroot: "/S", tools: explicit)
        XCTAssertEqual(c.executable, "/x/clang")
        XCTAssertEqual(c.arguments.last, "-fuse-ld=/y/wasm-ld")
        let r = try WasmToolchain.commands(language: .rust, build: .command, source: "\(dir)/n.rs", output: "o.wasm", sysroot: "/S", tools: explicit)
        XCTAssertEqual(r.executable, "/z/rustc")
    }

    func testEnsureSysrootIsIdempotent() throws {
        let dir = NSTemporaryDirectory() + "wasm-sysroot-\(getpid())/a/b"
        defer { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "wasm-sysroot-\(getpid())") }
        try WasmToolchain.ensureSysroot(at: dir)
        try WasmToolchain.ensureSysroot(at: dir)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/include/wasm32-wasi/stdio.h"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/lib/wasm32-wasi/libc.a"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/lib/libclang_rt.builtins-wasm32.a"))
    }
}
