import Foundation
import Glibc
import XCTest

enum SuiteError: Error, CustomStringConvertible {
    case noProducts([String])
    case startFailed(String)
    case timedOut(String)
    case invokeFailed(String, Int)

    var description: String {
        switch self {
        case .noProducts(let tried): return "faas-gateway not found beside the test bundle; looked in: \(tried.joined(separator: ", "))"
        case .startFailed(let why): return "suite failed to start: \(why)"
        case .timedOut(let why): return "timed out: \(why)"
        case .invokeFailed(let function, let status): return "invoke \(function) answered \(status)"
        }
    }
}

/// The four real daemons, started as subprocesses in a private temp folder with their own
/// sockets, functions folder and gateway port. Start order: load balancer, server (which
/// pre-forks the workers), gateway.
final class FaaSSuite: @unchecked Sendable {
    /// Every suite starts with this admin key (FAAS_ADMIN_KEY) unless its options set
    /// FAAS_ADMIN_KEY or FAAS_AUTH=off, and the test HTTP clients send it by default.
    static let adminKey = "e2e-admin-key-0123456789abcdef"

    struct Options {
        var workers = 4
        var strategy = "rr"
        /// Added to every daemon's environment.
        var environment: [String: String] = [:]
        var gatewayArguments: [String] = []
        var serverArguments: [String] = []
    }

    let name: String
    let options: Options
    let directory: String
    let functionsDirectory: String
    let lbSocket: String
    let serverSocket: String
    let products: URL
    private(set) var port = 0
    private(set) var loadBalancer: Process?
    private(set) var server: Process?
    private(set) var gateway: Process?
    private var logHandles: [FileHandle] = []
    private var stopped = false

    static func productsDirectory() throws -> URL {
        var candidates: [URL] = []
        let bundle = Bundle(for: FaaSSuite.self).bundleURL
        candidates.append(bundle.deletingLastPathComponent())
        candidates.append(bundle)
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent())
        }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("faas-gateway").path) {
            return candidate
        }
        throw SuiteError.noProducts(candidates.map(\.path))
    }

    /// Starts a suite and waits until the gateway answers `/health` and every worker is
    /// registered with the load balancer.
    /// With `start: false` nothing runs yet: the test launches the daemons itself, in any order.
    init(name: String, options: Options = Options(), start: Bool = true) throws {
        self.name = name
        self.options = options
        DaemonReaper.installOnce()
        products = try Self.productsDirectory()
        // Short: UNIX socket paths are limited to 107 bytes.
        directory = NSTemporaryDirectory() + "faas-e2e-\(name.prefix(12))-\(getpid())-\(UUID().uuidString.prefix(6))"
        functionsDirectory = directory + "/functions"
        lbSocket = directory + "/lb.sock"
        serverSocket = directory + "/server.sock"
        try FileManager.default.createDirectory(atPath: functionsDirectory, withIntermediateDirectories: true)
        guard start else { return }
        do {
            try self.start()
        } catch {
            print("[\(name)] start failed: \(error)\n\(logTails())")
            stop()
            throw error
        }
    }

    deinit { stop() }

    func removeFiles() { try? FileManager.default.removeItem(atPath: directory) }

    // MARK: processes

    private func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FAAS_") }
        // The engine library is passed only when the caller set it; otherwise the worker finds
        // the project-local one itself.
        if let library = ProcessInfo.processInfo.environment["FAAS_WASM_LIBRARY"], !library.isEmpty {
            environment["FAAS_WASM_LIBRARY"] = library
        }
        environment["FAAS_ADMIN_KEY"] = Self.adminKey
        // A fixed pool unless a test asks for autoscaling (FAAS_MAX_WORKERS in its options):
        // tests count workers and name them by pid.
        environment["FAAS_MAX_WORKERS"] = String(options.workers)
        for (key, value) in options.environment { environment[key] = value }
        return environment
    }

    func logPath(_ daemon: String) -> String { "\(directory)/\(daemon).log" }

    private func launch(_ executable: String, _ arguments: [String], log daemon: String) throws -> Process {
        let path = logPath(daemon)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw SuiteError.startFailed("cannot open \(path)") }
        handle.seekToEndOfFile()
        logHandles.append(handle)
        let process = Process()
        let binary = products.appendingPathComponent(executable).path
        if let setpriv = DaemonReaper.setpriv {
            // The daemon dies with the test process even if that one is killed outright.
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.environment = environment()
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        DaemonReaper.track(process.processIdentifier)
        return process
    }

    private func start() throws {
        try launchLoadBalancer()
        try launchServer()
        try launchGateway()
        try waitUntilReady()
    }

    func launchLoadBalancer() throws {
        let lb = try launch("faas-load-balancer", ["--lb-sock", lbSocket, "--strategy", options.strategy], log: "load-balancer")
        loadBalancer = lb
        try waitFor("load balancer socket", process: lb) { self.canConnectUnix(self.lbSocket) }
    }

    func launchServer() throws {
        let server = try launch("faas-server", ["--server-sock", serverSocket, "--lb-sock", lbSocket, "--functions-dir", functionsDirectory,
                                                "--workers", String(options.workers)] + options.serverArguments, log: "server")
        self.server = server
        try waitFor("server socket", process: server) { self.canConnectUnix(self.serverSocket) }
    }

    func launchGateway() throws {
        let logged = (try? String(contentsOfFile: logPath("gateway"), encoding: .utf8))?.utf8.count ?? 0
        let gateway = try launch("faas-gateway", ["--host", "127.0.0.1", "--port", "0", "--server-sock", serverSocket,
                                                  "--functions-dir", functionsDirectory] + options.gatewayArguments, log: "gateway")
        self.gateway = gateway
        try waitFor("gateway 'listening port=' log line", process: gateway) {
            guard let data = FileManager.default.contents(atPath: self.logPath("gateway")), data.count > logged else { return false }
            let log = String(decoding: data.dropFirst(logged), as: UTF8.self)
            guard let range = log.range(of: #"listening port=[0-9]+"#, options: .regularExpression) else { return false }
            self.port = Int(log[range].dropFirst("listening port=".count)) ?? 0
            return self.port > 0
        }
    }

    /// Waits until `/health` answers 200 and the server has all its workers, registered with
    /// the load balancer (`registrations` counts log lines since `since`).
    func waitUntilReady(registrationsSince since: Int = 0, timeout: Double = 30) throws {
        try waitFor("gateway /health 200", timeout: timeout) {
            (try? HTTP.request(port: self.port, "GET", "/health", timeout: 2))?.status == 200
        }
        try waitFor("\(options.workers) workers registered with the load balancer", timeout: timeout) {
            self.registrations() - since >= self.options.workers && self.workerPIDs().count == self.options.workers
        }
    }

    /// SIGKILLs one daemon and waits until it is gone.
    func kill9(_ process: Process?) {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        DaemonReaper.forget(process.processIdentifier)
    }

    /// `worker registered` lines in the load balancer's log so far.
    func registrations() -> Int {
        let log = (try? String(contentsOfFile: logPath("load-balancer"), encoding: .utf8)) ?? ""
        return log.components(separatedBy: "worker registered").count - 1
    }

    private func canConnectUnix(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }

    /// Polls `condition` every 20 ms; fails early if `process` exits meanwhile.
    func waitFor(_ what: String, timeout: Double = 30, process: Process? = nil, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return }
            if let process, !process.isRunning {
                throw SuiteError.startFailed("\(what): \(process.executableURL?.lastPathComponent ?? "daemon") exited with status \(process.terminationStatus)")
            }
            usleep(20_000)
        }
        throw SuiteError.timedOut("\(what) after \(timeout) s")
    }

    /// SIGTERM to gateway, server, load balancer (reverse start order), each waited for up to
    /// 10 s, then SIGKILL. Returns the exit statuses (nil for a daemon that had to be killed).
    @discardableResult
    func stop(removeFiles: Bool = true) -> [String: Int32?] {
        guard !stopped else { return [:] }
        stopped = true
        var statuses: [String: Int32?] = [:]
        for (label, process) in [("gateway", gateway), ("server", server), ("load-balancer", loadBalancer)] {
            guard let process else { continue }
            statuses[label] = Self.terminate(process)
        }
        for handle in logHandles { try? handle.close() }
        logHandles = []
        if removeFiles && ProcessInfo.processInfo.environment["FAAS_E2E_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
        return statuses
    }

    private static func terminate(_ process: Process) -> Int32? {
        defer { DaemonReaper.forget(process.processIdentifier) }
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    // MARK: diagnostics

    /// The last lines of each daemon's log.
    func logTails(lines: Int = 40) -> String {
        var text = ""
        for daemon in ["load-balancer", "server", "gateway"] {
            let log = (try? String(contentsOfFile: logPath(daemon), encoding: .utf8)) ?? "(no log)"
            let tail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
            text += "----- \(name) \(daemon).log (last \(lines) lines) -----\n\(tail)\n"
        }
        return text
    }

    // MARK: workers

    var serverPID: Int32 { server?.processIdentifier ?? 0 }

    /// The server's live children that are workers (from /proc/<pid>/task/<pid>/children).
    func workerPIDs() -> [Int32] {
        let pid = serverPID
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0) }.filter { child in
            guard let comm = try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8),
                  let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8) else { return false }
            // Skip zombies: a dead worker not yet reaped is not a worker any more.
            let state = stat.split(separator: ")").last?.split(separator: " ").first
            return comm.hasPrefix("faas-worker") && state != "Z"
        }.sorted()
    }

    /// The worker (its pid) whose sandbox runs `function`, read from the environment the worker
    /// gives every function process (FAAS_FUNCTION_ID, FAAS_WORKER_PID).
    static func workerRunning(function: String) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries where entry.allSatisfy(\.isNumber) {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { continue }
            let variables = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard variables.contains("FAAS_FUNCTION_ID=\(function)") else { continue }
            if let worker = variables.first(where: { $0.hasPrefix("FAAS_WORKER_PID=") }) {
                return Int32(worker.dropFirst("FAAS_WORKER_PID=".count))
            }
        }
        return nil
    }

    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
    }

    // MARK: HTTP

    /// A request with the admin key, unless `headers` has an `Authorization` or `authorized` is false.
    func request(_ method: String, _ path: String, body: Data = Data(), headers: [(String, String)] = [], authorized: Bool = true,
                 timeout: Double = 60) throws -> HTTPResult {
        try HTTP.request(port: port, method, path, body: body, headers: headers, authorized: authorized, timeout: timeout)
    }

    func request(_ method: String, _ path: String, body: String, timeout: Double = 60) throws -> HTTPResult {
        try request(method, path, body: Data(body.utf8), timeout: timeout)
    }

    /// `POST /deploy?name=&lang=` plus any extra query (`"&entrypoint=add"`).
    func deploy(_ name: String, _ language: String, source: Data, query: String = "") throws -> HTTPResult {
        try request("POST", "/deploy?name=\(name.queryEncoded)&lang=\(language.queryEncoded)\(query)", body: source, timeout: 180)
    }

    func deploy(_ name: String, _ language: String, source: String, query: String = "") throws -> HTTPResult {
        try deploy(name, language, source: Data(source.utf8), query: query)
    }

    /// Deploys and checks 201; returns the new id.
    func deployOK(_ name: String, _ language: String, source: String, query: String = "",
                  file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let response = try deploy(name, language, source: source, query: query)
        XCTAssertEqual(response.status, 201, "deploy \(name): \(response)", file: file, line: line)
        guard response.status == 201 else { throw SuiteError.startFailed("deploy \(name) failed: \(response)") }
        return try XCTUnwrap(try response.json()["id"] as? String, "deploy answer has an id", file: file, line: line)
    }

    func invoke(_ function: String, payload: Data = Data(), timeout: Double = 60) throws -> HTTPResult {
        try request("POST", "/invoke?fn=\(function.queryEncoded)", body: payload, timeout: timeout)
    }

    func invoke(_ function: String, _ payload: String, timeout: Double = 60) throws -> HTTPResult {
        try invoke(function, payload: Data(payload.utf8), timeout: timeout)
    }

    /// Invokes and checks `200 {"ok":true,...}`; returns the output bytes (base64 decoded
    /// when the answer says so).
    func invokeOutput(_ function: String, _ payload: Data, file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        let response = try invoke(function, payload: payload)
        guard response.status == 200, let object = try? response.json(), object["ok"] as? Bool == true,
              let output = object["output"] as? String else {
            XCTFail("invoke \(function): expected 200 {\"ok\":true,\"output\":...}, got \(response)", file: file, line: line)
            throw SuiteError.invokeFailed(function, response.status)
        }
        if let encoding = object["encoding"] {
            XCTAssertEqual(encoding as? String, "base64", file: file, line: line)
            return try XCTUnwrap(Data(base64Encoded: output), "output is not base64", file: file, line: line)
        }
        return Data(output.utf8)
    }

    func invokeText(_ function: String, _ payload: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        String(decoding: try invokeOutput(function, Data(payload.utf8), file: file, line: line), as: UTF8.self)
    }
}

/// A test class sharing one suite among its tests: started in the class `setUp`, stopped in
/// the class `tearDown`. A suite that failed to start fails every test of the class: each test
/// starts with `try suite`, which throws in the test body (a failure, never a skip). When a test fails, the tail of each daemon's log is printed.
class SuiteTestCase: XCTestCase {
    class var suiteName: String { String(describing: self) }
    class var suiteOptions: FaaSSuite.Options { FaaSSuite.Options() }

    private nonisolated(unsafe) static var suites: [ObjectIdentifier: Result<FaaSSuite, Error>] = [:]
    private static let lock = NSLock()

    override class func setUp() {
        super.setUp()
        let outcome = Result { try FaaSSuite(name: suiteName, options: suiteOptions) }
        lock.lock()
        suites[ObjectIdentifier(self)] = outcome
        lock.unlock()
    }

    override class func tearDown() {
        lock.lock()
        let outcome = suites.removeValue(forKey: ObjectIdentifier(self))
        lock.unlock()
        if case .success(let suite) = outcome { suite.stop() }
        super.tearDown()
    }

    /// This class's suite; throws (failing the test) when it could not start.
    var suite: FaaSSuite {
        get throws {
            Self.lock.lock()
            let outcome = Self.suites[ObjectIdentifier(type(of: self))]
            Self.lock.unlock()
            guard let outcome else { throw SuiteError.startFailed("no suite for \(type(of: self))") }
            return try outcome.get()
        }
    }

    override func tearDown() {
        if let run = testRun, run.totalFailureCount > 0, let suite = try? suite {
            print(suite.logTails())
        }
        super.tearDown()
    }

    /// A unique function name for this test (names are global in a suite).
    func uniqueName(_ base: String) -> String {
        "\(base)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Example sources from scripts/examples/, found by walking up from this file.
enum Examples {
    static var directory: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("scripts/examples")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("hello.py").path) { return candidate }
        }
        return URL(fileURLWithPath: "scripts/examples")
    }

    static func source(_ file: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
    }
}

/// Last-resort cleanup so no daemon outlives the test process: SIGPIPE is ignored (a closed
/// stdout must not kill the runner before its tearDown), daemons get `--pdeathsig KILL`
/// through setpriv(1) when available, and whatever is still tracked at exit is SIGKILLed.
enum DaemonReaper {
    private static let lock = NSLock()
    private nonisolated(unsafe) static var pids: Set<Int32> = []
    private nonisolated(unsafe) static var installed = false

    static let setpriv: String? = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func installOnce() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        signal(SIGPIPE, SIG_IGN)
        atexit { DaemonReaper.killAll() }
    }

    static func track(_ pid: Int32) {
        lock.lock()
        pids.insert(pid)
        lock.unlock()
    }

    static func forget(_ pid: Int32) {
        lock.lock()
        pids.remove(pid)
        lock.unlock()
    }

    static func killAll() {
        lock.lock()
        let all = pids
        pids = []
        lock.unlock()
        for pid in all { kill(pid, SIGKILL) }
    }
}
