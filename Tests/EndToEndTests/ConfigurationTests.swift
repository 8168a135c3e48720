import Foundation
import Glibc
import XCTest

/// Settings reach the daemon that uses them: the server hands workers theirs as flags, the
/// gateway's memory maximum is what workers can run, a missing sandbox tool or wasm engine
/// refuses the call (naming what is missing) instead of running unconfined or unchecked, and
/// FAAS_SANDBOX=none is said loudly.
final class ConfigurationTests: OwnSuiteTestCase {
    private func start(_ options: FaaSSuite.Options, _ name: String = #function) throws -> FaaSSuite {
        let suite = try FaaSSuite(name: "cfg" + name.prefix(9), options: options)
        self.suite = suite
        return suite
    }

    private func log(_ suite: FaaSSuite, _ daemon: String) -> String {
        (try? String(contentsOfFile: suite.logPath(daemon), encoding: .utf8)) ?? ""
    }

    /// Entries of the functions folder other than the store's own (.staging, .sysroot).
    private func stored(_ suite: FaaSSuite) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory).filter { !$0.hasPrefix(".") }
    }

    private static func nullSeparated(_ data: Data) -> [String] {
        data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    func testGatewayMaxMemoryIsWhatWorkersCanRun() throws {
        var options = workers(1)
        options.gatewayArguments = ["--max-memory", "4096"]
        let suite = try start(options)
        // Grows its linear memory to 2560 MiB (without touching it) and reports the size.
        let source = """
            #include <stdio.h>
            int main(void) {
                unsigned long pages = __builtin_wasm_memory_size(0);
                if (__builtin_wasm_memory_grow(0, 40960 - pages) == (__SIZE_TYPE__)-1) { fprintf(stderr, "grow failed at %lu pages", pages); return 1; }
                printf("%lu MiB", (unsigned long)__builtin_wasm_memory_size(0) / 16);
                return 0;
            }
            """
        let id = try suite.deployOK("bigmem", "c", source: source, query: "&memory=3000")
        // The gateway accepted 3000 MiB (its maximum is 4096): the worker runs it up to that.
        XCTAssertEqual(try suite.invokeText(id, ""), "2560 MiB")
        // Past the function's own limit the grow fails inside the call (the store's limiter),
        // and the function's failure is the invocation's.
        let small = try suite.deployOK("smallmem", "c", source: source, query: "&memory=1000")
        let over = try suite.invoke(small, "")
        XCTAssertEqual(over.status, 500, "\(over)")
        XCTAssertTrue(over.text.contains("grow failed"), "\(over)")
    }

    /// The scheduling policy field of /proc/<pid>/stat (0: SCHED_OTHER, 3: SCHED_BATCH).
    private static func schedulingPolicy(_ pid: Int32) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which may hold spaces): state is field 3, policy 41.
        let fields = text[text.index(after: try XCTUnwrap(text.lastIndex(of: ")")))...].split(separator: " ")
        return try XCTUnwrap(Int(fields[41 - 3]))
    }

    func testDaemonsRunUnderTheBatchPolicyAndTheirChildrenInheritIt() throws {
        let suite = try start(workers(1))
        let daemons = [suite.loadBalancer, suite.server, suite.gateway].compactMap { $0?.processIdentifier }
        XCTAssertEqual(daemons.count, 3)
        for pid in daemons { XCTAssertEqual(try Self.schedulingPolicy(pid), 3, "pid \(pid) runs SCHED_BATCH") }
        let worker = try XCTUnwrap(suite.workerPIDs().first)
        XCTAssertEqual(try Self.schedulingPolicy(worker), 3, "the worker inherits it")
        // What a function runs inherits it too.
        let id = try suite.deployOK("policy", "python", source: "print(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[38], end='')\n")
        XCTAssertEqual(try suite.invokeText(id, ""), "3")
    }

    func testNormalPolicyIsKeptWhenAsked() throws {
        var options = workers(1)
        options.environment = ["FAAS_CPU_POLICY": "normal"]
        let suite = try start(options)
        for pid in [suite.loadBalancer, suite.server, suite.gateway].compactMap({ $0?.processIdentifier }) + suite.workerPIDs() {
            XCTAssertEqual(try Self.schedulingPolicy(pid), 0, "pid \(pid) runs SCHED_OTHER")
        }
    }

    func testServerHandsWorkersTheirSettingsAsFlagsNotTheEnvironment() throws {
        var options = workers(1)
        options.serverArguments = ["--output-cap", "8", "--python", "/usr/bin/python3.11"]
        options.environment = ["FAAS_RUNTIME_IDLE": "30"]
        let suite = try start(options)
        let worker = try XCTUnwrap(suite.workerPIDs().first)
        let arguments = Self.nullSeparated(try Data(contentsOf: URL(fileURLWithPath: "/proc/\(worker)/cmdline")))
        let pairs = Dictionary(zip(arguments.dropFirst(), arguments.dropFirst(2)).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(pairs["--output-cap"], "8", "the server's flag, handed on: \(arguments)")
        XCTAssertEqual(pairs["--runtime-idle"], "30", "the server's variable, handed on as a flag: \(arguments)")
        XCTAssertEqual(pairs["--functions-dir"], suite.functionsDirectory, "\(arguments)")
        let environment = Self.nullSeparated(try Data(contentsOf: URL(fileURLWithPath: "/proc/\(worker)/environ")))
        XCTAssertEqual(environment.filter { $0.hasPrefix("FAAS_") }, [], "nothing reaches a worker through the environment")
        // And the workers use it: 8 bytes of output at most.
        let id = try suite.deployOK("chatty", "python", source: "print('more than eight bytes')\n")
        let response = try suite.invoke(id, "")
        XCTAssertEqual(response.status, 500, "\(response)")
        XCTAssertTrue(response.text.contains("8-byte limit"), "\(response)")
        // An explicit interpreter is the one that runs (sandboxed too).
        let which = try suite.deployOK("which", "python", source: "import sys\nprint(sys.executable == '/usr/bin/python3.11', end='')\n")
        XCTAssertEqual(try suite.invokeText(which, ""), "True", "(the output cap is 8 bytes)")
    }

    func testSandboxNoneIsWarnedAtStartAndRunsAsTheDaemonsUser() throws {
        var options = workers(1)
        options.environment = ["FAAS_SANDBOX": "none"]
        let suite = try start(options)
        for daemon in ["gateway", "server"] {
            XCTAssertTrue(log(suite, daemon).contains("warn \(daemon)"), "\(daemon) logs a warning")
            XCTAssertTrue(log(suite, daemon).contains("WITHOUT isolation"), "\(daemon): \(log(suite, daemon))")
        }
        // What the README says: the function runs as the daemons' user (root here).
        let id = try suite.deployOK("whoami", "python", source: "import os\nprint(os.getuid(), end='')\n")
        XCTAssertEqual(try suite.invokeText(id, ""), String(getuid()))
        XCTAssertTrue(log(suite, "server").split(separator: "\n").contains { $0.contains("worker-0") && $0.contains("WITHOUT isolation") },
                      "the worker warns too: \(log(suite, "server"))")
        // Compilers run with the limits only.
        let c = try suite.deployOK("chello", "c", source: try Examples.source("hello.c"))
        XCTAssertEqual(try suite.invokeText(c, "none"), "Hello, none\n")
    }

    func testMissingBubblewrapFailsClosedNamingIt() throws {
        var options = workers(1)
        options.environment = ["FAAS_BWRAP": "/nonexistent/bwrap"]
        let suite = try start(options)
        XCTAssertFalse(log(suite, "gateway").contains("WITHOUT isolation"), "isolation is on: no warning")
        let deploy = try suite.deploy("csource", "c", source: try Examples.source("hello.c"))
        XCTAssertEqual(deploy.status, 503, "the compiler never runs unconfined: \(deploy)")
        XCTAssertTrue(deploy.text.contains("/nonexistent/bwrap"), "names what is missing: \(deploy)")
        XCTAssertEqual(try suite.request("GET", "/function/csource").status, 404)
        XCTAssertEqual(try stored(suite), [], "nothing stored")
        // Functions fail closed the same way.
        let id = try suite.deployOK("script", "python", source: try Examples.source("hello.py"))
        let invoke = try suite.invoke(id, "x")
        XCTAssertEqual(invoke.status, 503, "\(invoke)")
        XCTAssertTrue(invoke.text.contains("/nonexistent/bwrap"), "\(invoke)")
    }

    func testNoEngineRefusesCompiledDeploysAndStoresNothing() throws {
        var options = workers(1)
        options.environment = ["FAAS_WASM_LIBRARY": "/nonexistent/libwasm.so"]
        let suite = try start(options)
        for (name, language, file) in [("cmod", "c", "hello.c"), ("rmod", "rust", "hello.rs")] {
            let response = try suite.deploy(name, language, source: try Examples.source(file))
            XCTAssertEqual(response.status, 503, "\(language): \(response)")
            XCTAssertTrue(response.text.contains("no wasm engine"), "\(response)")
            XCTAssertTrue(response.text.contains("/nonexistent/libwasm.so"), "\(response)")
            XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "\(language): nothing stored")
        }
        XCTAssertEqual(try stored(suite), [], "no unchecked module stored")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory + "/.staging"), [])
        // Scripts need no engine.
        let id = try suite.deployOK("py", "python", source: try Examples.source("hello.py"))
        XCTAssertEqual(try suite.invokeText(id, "you"), "Hello, you\n")
    }

    func testWorkersWithoutEngineAnswer503() throws {
        var options = workers(1)
        options.serverArguments = ["--wasm-library", "/nonexistent/libwasm.so"]
        let suite = try start(options)
        let id = try suite.deployOK("chello", "c", source: try Examples.source("hello.c"))
        let response = try suite.invoke(id, "x")
        XCTAssertEqual(response.status, 503, "\(response)")
        XCTAssertTrue(response.text.contains("/nonexistent/libwasm.so"), "\(response)")
    }

    /// An install as in systemd/README.md: bin/ and lib/ side by side, no variable, no wheel
    /// above: the engine in ../lib is found.
    func testEngineInstalledBesideTheExecutablesIsFound() throws {
        let products = try FaaSSuite.productsDirectory()
        let root = NSTemporaryDirectory() + "faas-install-\(getpid())-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/fn", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: products.appendingPathComponent("faas-worker").path, toPath: root + "/bin/faas-worker")
        // A module exporting `f: () -> ()`.
        let module: [UInt8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
                               0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b]
        try Data(module).write(to: URL(fileURLWithPath: root + "/fn/code.wasm"))
        let precompile = [root + "/bin/faas-worker", "--precompile", root + "/fn", "--entrypoint", "f", "--log-level", "debug"]
        let before = try ExecutableRun.run(precompile[0], Array(precompile.dropFirst()))
        XCTAssertEqual(before.status, 3, "no engine anywhere yet: \(before)")
        let library = try XCTUnwrap(Self.engineLibrary(), "the wasm engine (scripts/setup-wasm.sh)")
        try FileManager.default.createDirectory(atPath: root + "/lib", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/lib/libwasmtime.so", withDestinationPath: library)
        let after = try ExecutableRun.run(precompile[0], Array(precompile.dropFirst()))
        XCTAssertEqual(after.status, 0, "\(after)")
        XCTAssertTrue(after.output.contains("library=\(root)/lib/libwasmtime.so"), "loaded from ../lib: \(after)")
    }

    /// The engine the test run uses: FAAS_WASM_LIBRARY, else the project's wheel.
    static func engineLibrary() -> String? {
        if let explicit = ProcessInfo.processInfo.environment["FAAS_WASM_LIBRARY"], !explicit.isEmpty { return explicit }
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent(".tools/wasmtime/wasmtime/linux-x86_64/_libwasmtime.so").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}
