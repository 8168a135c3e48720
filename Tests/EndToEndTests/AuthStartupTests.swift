import Foundation
import Glibc
import XCTest

/// Auth at start-up and across gateways, each test on a suite of its own: the generated admin
/// key and the scripts that send it, FAAS_AUTH=off, RS256 / ES256 tokens with iss and aud,
/// refused settings, and a revocation seen by a second gateway on the same folder.
final class AuthStartupTests: OwnSuiteTestCase {
    private static var repository: URL { Examples.directory.deletingLastPathComponent().deletingLastPathComponent() }

    /// Runs a script of scripts/ with `environment` (on top of PATH and HOME only).
    private func runScript(_ name: String, _ arguments: [String], environment: [String: String], stdin: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = Self.repository.appendingPathComponent("scripts/\(name)")
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testFirstStartCreatesAnOwnerOnlyAdminKeyThatTheScriptsSend() throws {
        var options = workers(1)
        options.environment["FAAS_ADMIN_KEY"] = ""
        let suite = try FaaSSuite(name: "genkey", options: options)
        self.suite = suite
        let path = suite.functionsDirectory + "/.auth/admin.key"
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0, "the admin key is written to \(path)")
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "owner-only")
        let key = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(key.hasPrefix("mfk_") && key.count >= 40, key)
        let log = try String(contentsOfFile: suite.logPath("gateway"), encoding: .utf8)
        XCTAssertTrue(log.contains("created the admin key") && log.contains(path), log)
        XCTAssertFalse(log.contains(key), "the log never shows the key")
        XCTAssertEqual(try suite.request("GET", "/functions", headers: [("Authorization", "Bearer \(key)")]).status, 200)
        XCTAssertEqual(try suite.request("GET", "/functions").status, 401, "the test harness's key is not this suite's")
        XCTAssertEqual(try suite.request("GET", "/health", authorized: false).status, 200, "/health stays open")

        // The wrappers find the key by themselves (FAAS_FUNCTIONS_DIR, as scripts/run exports it).
        let environment = ["FAAS_URL": "http://127.0.0.1:\(suite.port)", "FAAS_FUNCTIONS_DIR": suite.functionsDirectory]
        let deployed = try runScript("deploy.sh", ["hello", "python", Examples.directory.appendingPathComponent("hello.py").path], environment: environment)
        XCTAssertEqual(deployed.status, 0, deployed.output)
        let invoked = try runScript("invoke.sh", ["hello", "World"], environment: environment)
        XCTAssertEqual(invoked.status, 0, invoked.output)
        XCTAssertTrue(invoked.output.contains("Hello, World"), invoked.output)
        // FAAS_API_KEY wins over the file.
        let wrongKey = try runScript("invoke.sh", ["hello", "x"], environment: environment.merging(["FAAS_API_KEY": "mfk_wrong-key-0000000000000"]) { $1 })
        XCTAssertEqual(wrongKey.status, 1, wrongKey.output)
        XCTAssertTrue(wrongKey.output.contains("HTTP 401"), wrongKey.output)

        // A restart keeps the key (it is created only when there is none).
        suite.kill9(suite.gateway)
        try suite.launchGateway()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), key)
        XCTAssertEqual(try suite.request("GET", "/functions", headers: [("Authorization", "Bearer \(key)")]).status, 200)
    }

    func testAuthOffIsOpenAndWarns() throws {
        var options = workers(1)
        options.environment["FAAS_AUTH"] = "off"
        let suite = try FaaSSuite(name: "authoff", options: options)
        self.suite = suite
        let name = "open-\(UUID().uuidString.prefix(6).lowercased())"
        XCTAssertEqual(try suite.request("POST", "/deploy?name=\(name)&lang=python", body: Data("print('open')\n".utf8), authorized: false).status, 201)
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=\(name)", authorized: false).status, 200)
        XCTAssertEqual(try suite.request("GET", "/metrics", authorized: false).status, 200)
        let log = try String(contentsOfFile: suite.logPath("gateway"), encoding: .utf8)
        XCTAssertTrue(log.contains("warn") && log.contains("FAAS_AUTH=off"), log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: suite.functionsDirectory + "/.auth/admin.key"), "no key is made when auth is off")
    }

    func testBadAuthSettingsStopTheGatewayWithoutShowingSecrets() throws {
        let products = try FaaSSuite.productsDirectory()
        let folder = NSTemporaryDirectory() + "faas-authset-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let garbage = folder + "/not-a-key.pem"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: garbage))
        let cases: [([String: String], String)] = [
            (["FAAS_ADMIN_KEY": "short-secret"], "invalid FAAS_ADMIN_KEY"),
            (["FAAS_JWT_SECRET": "too-short-secret"], "invalid FAAS_JWT_SECRET"),
            (["FAAS_JWT_PUBLIC_KEY": garbage], "public key"),
            (["FAAS_AUTH": "maybe"], "invalid FAAS_AUTH"),
            (["FAAS_TRUSTED_PROXIES": "nginx.local"], "invalid FAAS_TRUSTED_PROXIES"),
        ]
        for (environment, expected) in cases {
            let process = Process()
            process.executableURL = products.appendingPathComponent("faas-gateway")
            process.arguments = ["--port", "0", "--host", "127.0.0.1", "--functions-dir", folder + "/functions", "--server-sock", folder + "/none.sock"]
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertNotEqual(process.terminationStatus, 0, "\(environment) is refused: \(text)")
            XCTAssertTrue(text.contains(expected), "\(environment): \(text)")
            for secret in ["short-secret", "too-short-secret"] { XCTAssertFalse(text.contains(secret), "the secret is not shown: \(text)") }
        }
    }

    private func tokenSuite(_ kind: String) throws -> (suite: FaaSSuite, privateKey: String, otherPrivateKey: String, publicKey: String) {
        let folder = NSTemporaryDirectory() + "faas-jwt-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        let pair = try JWTMaker.keyPair(kind, in: folder)
        let otherFolder = folder + "/other"
        try FileManager.default.createDirectory(atPath: otherFolder, withIntermediateDirectories: true)
        let other = try JWTMaker.keyPair(kind, in: otherFolder)
        var options = workers(1)
        options.environment = ["FAAS_JWT_PUBLIC_KEY": pair.publicKey, "FAAS_JWT_ISSUER": "https://issuer.example", "FAAS_JWT_AUDIENCE": "minifaas",
                               "FAAS_AUTH_FAILURES": "1000"]
        let suite = try FaaSSuite(name: "jwt-\(kind)", options: options)
        self.suite = suite
        return (suite, pair.privateKey, other.privateKey, pair.publicKey)
    }

    private func claims(scope: String = "read", iss: String = "https://issuer.example", aud: Any = "minifaas") -> [String: Any] {
        ["sub": "svc", "scope": scope, "iss": iss, "aud": aud, "exp": Int(Date().timeIntervalSince1970) + 300,
         "nbf": Int(Date().timeIntervalSince1970) - 10]
    }

    private func status(_ suite: FaaSSuite, _ token: String) throws -> Int {
        try suite.request("GET", "/functions", headers: [("Authorization", "Bearer \(token)")]).status
    }

    func testRS256TokensWithIssuerAndAudience() throws {
        let (suite, privateKey, otherKey, publicKey) = try tokenSuite("rsa")
        XCTAssertEqual(try status(suite, try JWTMaker.rs256(claims(), privateKey: privateKey)), 200)
        XCTAssertEqual(try status(suite, try JWTMaker.rs256(claims(aud: ["other", "minifaas"]), privateKey: privateKey)), 200, "aud as a list")
        XCTAssertEqual(try status(suite, try JWTMaker.rs256(claims(scope: "invoke"), privateKey: privateKey)), 403, "without the read scope")
        XCTAssertEqual(try status(suite, try JWTMaker.rs256(claims(iss: "https://evil.example"), privateKey: privateKey)), 401, "wrong iss")
        XCTAssertEqual(try status(suite, try JWTMaker.rs256(claims(aud: "someone-else"), privateKey: privateKey)), 401, "wrong aud")
        XCTAssertEqual(try status(suite, try JWTMaker.rs256(claims(), privateKey: otherKey)), 401, "signed by another key")
        // The classic confusion: HS256 "signed" with the public key's PEM text as the secret.
        let pem = try String(contentsOfFile: publicKey, encoding: .utf8)
        XCTAssertEqual(try status(suite, try JWTMaker.hs256(claims(), secret: pem)), 401, "HS256 keyed with the public key")
        XCTAssertEqual(try status(suite, JWTMaker.unsigned(claims())), 401, "alg none")
        // A valid signature over other claims: the payload swapped after signing.
        let good = try JWTMaker.rs256(claims(), privateKey: privateKey).split(separator: ".")
        let admin = JWTMaker.base64url(JWTMaker.json(claims(scope: "admin")))
        XCTAssertEqual(try status(suite, "\(good[0]).\(admin).\(good[2])"), 401, "tampered claims")
    }

    func testES256Tokens() throws {
        let (suite, privateKey, otherKey, _) = try tokenSuite("ec")
        XCTAssertEqual(try status(suite, try JWTMaker.es256(claims(), privateKey: privateKey)), 200)
        XCTAssertEqual(try status(suite, try JWTMaker.es256(claims(), privateKey: otherKey)), 401, "signed by another key")
        // The DER signature as is (not JOSE's r || s) is refused, as is RS256 on an EC key.
        let input = JWTMaker.signingInput(header: ["alg": "ES256"], claims: claims())
        let der = try JWTMaker.openssl(["dgst", "-sha256", "-sign", privateKey, "-binary"], input: Data(input.utf8))
        XCTAssertEqual(try status(suite, input + "." + JWTMaker.base64url(der)), 401, "DER instead of r || s")
        XCTAssertEqual(try status(suite, try JWTMaker.rs256(claims(), privateKey: privateKey, header: ["alg": "RS256"])), 401, "alg RS256")
    }

    func testPublicCallsAreRateLimitedPerClientAddress() throws {
        var options = workers(1)
        options.environment = ["FAAS_PUBLIC_RATE": "0.1", "FAAS_TRUSTED_PROXIES": "127.0.0.1"]
        let suite = try FaaSSuite(name: "pubrate", options: options)
        self.suite = suite
        let id = try suite.deployOK("hook", "python", source: "print('hook')\n", query: "&public=true")
        func call(from address: String, key: Bool = false) throws -> HTTPResult {
            try suite.request("POST", "/invoke?fn=\(id)", headers: [("X-Forwarded-For", address)], authorized: key)
        }
        XCTAssertEqual(try call(from: "192.0.2.1").status, 200)
        let limited = try call(from: "192.0.2.1")
        XCTAssertEqual(limited.status, 429, "\(limited)")
        XCTAssertGreaterThanOrEqual(Int(limited.header("retry-after") ?? "") ?? 0, 1)
        XCTAssertEqual(try call(from: "192.0.2.2").status, 200, "another address has its own bucket")
        XCTAssertEqual(try call(from: "192.0.2.1", key: true).status, 200, "a call with a key is not a public call")
        let metrics = try suite.request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains(#"faas_rate_limited_total{limit="public"} 1"#), metrics)
    }

    func testRevocationIsSeenByASecondGatewayOnTheSameFolder() throws {
        let suite = try FaaSSuite(name: "twogw", options: workers(1))
        self.suite = suite
        let products = try FaaSSuite.productsDirectory()
        let logPath = suite.directory + "/gateway2.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let second = Process()
        second.executableURL = products.appendingPathComponent("faas-gateway")
        second.arguments = ["--host", "127.0.0.1", "--port", "0", "--server-sock", suite.serverSocket, "--functions-dir", suite.functionsDirectory]
        second.environment = ["FAAS_ADMIN_KEY": FaaSSuite.adminKey]
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: logPath))
        second.standardOutput = handle
        second.standardError = handle
        try second.run()
        DaemonReaper.track(second.processIdentifier)
        defer {
            kill(second.processIdentifier, SIGTERM)
            second.waitUntilExit()
            DaemonReaper.forget(second.processIdentifier)
        }
        var port = 0
        try suite.waitFor("second gateway listening", process: second) {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            guard let range = log.range(of: #"listening port=[0-9]+"#, options: .regularExpression) else { return false }
            port = Int(log[range].dropFirst("listening port=".count)) ?? 0
            return port > 0
        }
        let create = try suite.request("POST", "/keys", body: Data(#"{"scopes":["read"]}"#.utf8))
        XCTAssertEqual(create.status, 201)
        let key = try XCTUnwrap(try create.json()["key"] as? String)
        let id = try XCTUnwrap(try create.json()["id"] as? String)
        let auth = [("Authorization", "Bearer \(key)")]
        XCTAssertEqual(try HTTP.request(port: port, "GET", "/functions", headers: auth).status, 200, "a key made on one gateway works on the other")
        XCTAssertEqual(try HTTP.request(port: port, "DELETE", "/keys/\(id)").status, 200, "revoked on the second")
        XCTAssertEqual(try suite.request("GET", "/functions", headers: auth).status, 401, "refused by the first at the next request")
        XCTAssertEqual(try HTTP.request(port: port, "GET", "/functions", headers: auth).status, 401)
    }
}
