import Foundation
import Glibc
import XCTest

/// The shipped deploy/nginx/minifaas.conf in front of a real suite: Debian's nginx with a
/// certificate made by openssl here, curl --cacert over TLS and HTTP/2. Auth works through the
/// proxy, and the gateway sees each client's own address (curl binds 127.0.0.2 or 127.0.0.3;
/// nginx reaches the gateway from 127.0.0.1, the trusted proxy), so failed attempts are logged
/// and locked out per real client, and a forged X-Forwarded-For changes nothing.
final class NginxFrontTests: OwnSuiteTestCase {
    private var nginx: Process?
    private var folder = ""

    override func tearDown() {
        if let nginx, nginx.isRunning {
            kill(nginx.processIdentifier, SIGTERM)
            nginx.waitUntilExit()
            DaemonReaper.forget(nginx.processIdentifier)
        }
        if !folder.isEmpty { try? FileManager.default.removeItem(atPath: folder) }
        super.tearDown()
    }

    private static var shippedConfig: URL {
        Examples.directory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy/nginx/minifaas.conf")
    }

    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// curl through nginx: (status, body, HTTP version).
    private func curl(_ port: Int, _ method: String, _ path: String, from source: String = "127.0.0.2", key: String?,
                      body: String? = nil, headers: [String] = []) throws -> (status: Int, body: String, version: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-sS", "--http2", "--cacert", folder + "/cert.pem", "--resolve", "localhost:\(port):127.0.0.1", "--interface", source,
                         "-X", method, "-o", "-", "-w", "\n%{http_code} %{http_version}"]
        if let key { arguments += ["-H", "Authorization: Bearer \(key)"] }
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        arguments.append("https://localhost:\(port)\(path)")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // A failed connection (nginx not up yet) is status 0, for the caller to judge.
        guard process.terminationStatus == 0 else { return (0, "curl exit \(process.terminationStatus): \(text)", "") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let last = (lines.last ?? "").split(separator: " ")
        return (Int(last.first ?? "") ?? 0, lines.dropLast().joined(separator: "\n"), last.count > 1 ? String(last[1]) : "")
    }

    func testTLSFrontPassesAuthAndTheClientAddress() throws {
        var options = workers(1)
        options.environment = ["FAAS_TRUSTED_PROXIES": "127.0.0.1", "FAAS_AUTH_FAILURES": "3"]
        let suite = try FaaSSuite(name: "nginx", options: options)
        self.suite = suite
        folder = suite.directory + "/nginx"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try JWTMaker.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", folder + "/key.pem", "-out", folder + "/cert.pem",
                              "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], input: Data())
        let port = try freePort()

        // The shipped file, with only the addresses and certificate paths of this test.
        var config = try String(contentsOf: Self.shippedConfig, encoding: .utf8)
        for (from, to) in [("server 127.0.0.1:8080;", "server 127.0.0.1:\(suite.port);"),
                           ("listen 443 ssl http2;", "listen 127.0.0.1:\(port) ssl http2;"),
                           ("listen [::]:443 ssl http2;", ""),
                           ("/etc/ssl/minifaas/fullchain.pem", folder + "/cert.pem"),
                           ("/etc/ssl/minifaas/privkey.pem", folder + "/key.pem")] {
            XCTAssertTrue(config.contains(from), "the shipped config has \(from)")
            config = config.replacingOccurrences(of: from, with: to)
        }
        XCTAssertTrue(config.contains("client_max_body_size 8388608;"), "body limit = FAAS_MAX_BODY's default")
        try config.write(toFile: folder + "/minifaas.conf", atomically: true, encoding: .utf8)
        let main = """
        daemon off;
        master_process off;
        pid \(folder)/nginx.pid;
        error_log \(folder)/error.log info;
        events { worker_connections 64; }
        http {
            access_log \(folder)/access.log;
            client_body_temp_path \(folder)/body;
            proxy_temp_path \(folder)/proxy;
            fastcgi_temp_path \(folder)/fastcgi;
            uwsgi_temp_path \(folder)/uwsgi;
            scgi_temp_path \(folder)/scgi;
            include \(folder)/minifaas.conf;
        }
        """
        try main.write(toFile: folder + "/nginx.conf", atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        server.arguments = ["-p", folder, "-c", folder + "/nginx.conf"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        DaemonReaper.track(server.processIdentifier)
        nginx = server
        try suite.waitFor("nginx on \(port)", process: server) { (try? self.curl(port, "GET", "/health", key: nil).status) == 200 }

        // Deploy and invoke through TLS and HTTP/2 with the key; refused without it.
        let name = "tls-\(UUID().uuidString.prefix(6).lowercased())"
        let deploy = try curl(port, "POST", "/deploy?name=\(name)&lang=python", key: FaaSSuite.adminKey,
                              body: "import sys; print('tls ' + sys.stdin.read())\n")
        XCTAssertEqual(deploy.status, 201, deploy.body)
        XCTAssertEqual(deploy.version, "2", "HTTP/2 to the client")
        let invoke = try curl(port, "POST", "/invoke?fn=\(name)", key: FaaSSuite.adminKey, body: "hello")
        XCTAssertEqual(invoke.status, 200, invoke.body)
        XCTAssertTrue(invoke.body.contains(#""output":"tls hello\n""#), invoke.body)
        let anonymous = try curl(port, "POST", "/invoke?fn=\(name)", key: nil, body: "x")
        XCTAssertEqual(anonymous.status, 401, anonymous.body)

        // Failed attempts from 127.0.0.2 (claiming to be someone else): logged and locked out
        // under 127.0.0.2, while 127.0.0.3 goes on.
        for attempt in 0..<3 {
            let wrong = try curl(port, "GET", "/functions", key: "mfk_wrong-\(attempt)-xxxxxxxxxxxxxxxx", headers: ["X-Forwarded-For: 203.0.113.9"])
            XCTAssertEqual(wrong.status, 401, wrong.body)
        }
        let locked = try curl(port, "GET", "/functions", key: FaaSSuite.adminKey, headers: ["X-Forwarded-For: 203.0.113.10"])
        XCTAssertEqual(locked.status, 429, "127.0.0.2 is locked out, forged header or not: \(locked.body)")
        XCTAssertEqual(try curl(port, "GET", "/functions", from: "127.0.0.3", key: FaaSSuite.adminKey).status, 200, "another client is not")
        let log = try String(contentsOfFile: suite.logPath("gateway"), encoding: .utf8)
        XCTAssertTrue(log.contains("authentication failed client=127.0.0.2"), log)
        XCTAssertFalse(log.contains("client=203.0.113.9"), "a forged X-Forwarded-For is not believed")
        XCTAssertFalse(log.contains("mfk_wrong"), "no key in the log")
    }
}
