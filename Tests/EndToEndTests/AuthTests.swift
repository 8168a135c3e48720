import Foundation
import Glibc
import XCTest

/// Who may deploy and invoke: API keys with scopes (Bearer and Basic), HS256 JWTs, public
/// functions, rate limits, the failure lock-out and the cross-origin refusal, on one suite with
/// auth on (as by default). The suite trusts X-Forwarded-For from 127.0.0.1, so each test
/// speaks from addresses of its own and one test's failed attempts never lock out another's.
final class AuthTests: SuiteTestCase {
    static let jwtSecret = "e2e-jwt-secret-that-is-at-least-32-bytes-long"

    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        options.environment = ["FAAS_JWT_SECRET": jwtSecret, "FAAS_TRUSTED_PROXIES": "127.0.0.1", "FAAS_AUTH_FAILURES": "5",
                               "FAAS_PUBLIC_RATE": "1000"]
        return options
    }

    /// A client address of this test's own (X-Forwarded-For), so lock-outs stay per test.
    private lazy var address = "10.\(UInt8.random(in: 1...250)).\(UInt8.random(in: 1...250)).\(UInt8.random(in: 1...250))"

    /// A client address used once: a refusal from it counts against nobody else.
    private func freshAddress() -> String {
        "10.\(UInt8.random(in: 100...199)).\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))"
    }

    /// One request as `address` with `key` (nil: no Authorization header at all).
    private func call(_ method: String, _ path: String, key: String?, body: String = "", headers: [(String, String)] = [],
                      from client: String? = nil) throws -> HTTPResult {
        var all = headers + [("X-Forwarded-For", client ?? address)]
        if let key { all.append(("Authorization", "Bearer \(key)")) }
        return try suite.request(method, path, body: Data(body.utf8), headers: all, authorized: false)
    }

    /// Creates a key with the admin key; returns (id, key).
    private func createKey(_ body: [String: Any]) throws -> (id: String, key: String) {
        let response = try call("POST", "/keys", key: FaaSSuite.adminKey, body: String(decoding: JWTMaker.json(body), as: UTF8.self))
        XCTAssertEqual(response.status, 201, "\(response)")
        let object = try response.json()
        return (try XCTUnwrap(object["id"] as? String), try XCTUnwrap(object["key"] as? String))
    }

    private func assertRefused(_ response: HTTPResult, _ status: Int, secret: String? = nil, _ message: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, "\(message): \(response)", file: file, line: line)
        XCTAssertEqual((try? response.json())?["ok"] as? Bool, false, "JSON error body: \(response)", file: file, line: line)
        if status == 401 {
            XCTAssertNotNil(response.header("www-authenticate"), "\(message): 401 has WWW-Authenticate", file: file, line: line)
        }
        if let secret {
            XCTAssertFalse(response.text.contains(secret), "\(message): the answer echoes the credential", file: file, line: line)
        }
    }

    private func token(_ scope: String, expiresIn: Double = 300, extra: [String: Any] = [:]) throws -> String {
        var claims: [String: Any] = ["sub": "tester", "scope": scope, "exp": Int(Date().timeIntervalSince1970 + expiresIn)]
        for (name, value) in extra { claims[name] = value }
        return try JWTMaker.hs256(claims, secret: Self.jwtSecret)
    }

    /// Every management and invoke route, with the scope it needs.
    private func routes(function id: String, name: String) -> [(method: String, path: String, body: String, scope: String)] {
        [("POST", "/deploy?name=\(uniqueName("r"))&lang=python", "print(1)\n", "deploy"),
         ("PUT", "/function/\(name)", "print(2)\n", "deploy"),
         ("DELETE", "/function/\(uniqueName("gone"))", "", "deploy"),
         ("GET", "/function/\(name)", "", "read"),
         ("GET", "/functions", "", "read"),
         ("GET", "/metrics", "", "read"),
         ("POST", "/invoke?fn=\(id)", "x", "invoke"),
         ("GET", "/keys", "", "admin"),
         ("POST", "/keys", #"{"scopes":["read"]}"#, "admin"),
         ("DELETE", "/keys/key_000000000000", "", "admin")]
    }

    // MARK: refusals on every route

    func testEveryRouteRefusesMissingWrongRevokedExpiredAndUnderScopedKeys() throws {
        let suite = try suite
        let name = uniqueName("guarded")
        let id = try suite.deployOK(name, "python", source: "print('guarded')\n")
        let revoked = try createKey(["scopes": ["admin"]])
        XCTAssertEqual(try call("DELETE", "/keys/\(revoked.id)", key: FaaSSuite.adminKey).status, 200)
        let expiring = try createKey(["scopes": ["admin"], "expires": Int(Date().timeIntervalSince1970) + 2])
        let wrong = "mfk_" + String(repeating: "A", count: 43)
        let expiredToken = try token("admin", expiresIn: -3600)
        let badSignature = try JWTMaker.hs256(["scope": "admin", "exp": Int(Date().timeIntervalSince1970) + 300], secret: Self.jwtSecret + "x")
        // Wait out the expiring key (it worked while valid: checked below on one route).
        XCTAssertEqual(try call("GET", "/functions", key: expiring.key).status, 200)
        Thread.sleep(forTimeInterval: 2.2)
        for route in routes(function: id, name: name) {
            // Each refusal from an address of its own: the lock-out is tested separately.
            func as_(_ key: String?) throws -> HTTPResult {
                try call(route.method, route.path, key: key, body: route.body, from: freshAddress())
            }
            let label = "\(route.method) \(route.path)"
            assertRefused(try as_(nil), 401, "\(label) without a key")
            assertRefused(try as_(wrong), 401, secret: wrong, "\(label) with an unknown key")
            assertRefused(try as_(revoked.key), 401, secret: revoked.key, "\(label) with a revoked key")
            assertRefused(try as_(expiring.key), 401, secret: expiring.key, "\(label) with an expired key")
            assertRefused(try as_(expiredToken), 401, secret: expiredToken, "\(label) with an expired token")
            assertRefused(try as_(badSignature), 401, secret: badSignature, "\(label) with a token signed by another secret")
            let others = ["read", "deploy", "invoke"].filter { $0 != route.scope }
            for scope in others {
                let underScoped = try createKey(["scopes": [scope]])
                assertRefused(try as_(underScoped.key), 403, secret: underScoped.key, "\(label) with a \(scope) key")
            }
            assertRefused(try as_(try token(others.joined(separator: " "))), 403, "\(label) with a token of scopes \(others)")
        }
    }

    func testEachScopeGrantsItsRoutes() throws {
        let suite = try suite
        let name = uniqueName("scoped")
        let id = try suite.deployOK(name, "python", source: "import sys; print('hi ' + sys.stdin.read())\n")
        let read = try createKey(["scopes": ["read"]]).key
        XCTAssertEqual(try call("GET", "/functions", key: read).status, 200)
        XCTAssertEqual(try call("GET", "/function/\(name)", key: read).status, 200)
        XCTAssertEqual(try call("GET", "/metrics", key: read).status, 200)
        let invoke = try createKey(["scopes": ["invoke"]]).key
        let answer = try call("POST", "/invoke?fn=\(id)", key: invoke, body: "you")
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual(try answer.json()["output"] as? String, "hi you\n")
        let deploy = try createKey(["scopes": ["deploy"]]).key
        let other = uniqueName("by-deploy-key")
        XCTAssertEqual(try call("POST", "/deploy?name=\(other)&lang=python", key: deploy, body: "print(3)\n").status, 201)
        XCTAssertEqual(try call("PUT", "/function/\(other)", key: deploy, body: "print(4)\n").status, 201)
        XCTAssertEqual(try call("DELETE", "/function/\(other)", key: deploy).status, 200)
        // A token's scopes work the same way.
        XCTAssertEqual(try call("POST", "/invoke?fn=\(name)", key: try token("invoke"), body: "jwt").status, 200)
        XCTAssertEqual(try call("GET", "/functions", key: try token("read deploy")).status, 200)
        // HTTP Basic, as `curl -u admin:KEY` sends it.
        let basic = Data("admin:\(FaaSSuite.adminKey)".utf8).base64EncodedString()
        XCTAssertEqual(try call("GET", "/functions", key: nil, headers: [("Authorization", "Basic \(basic)")]).status, 200)
    }

    func testKeyLimitedToOneFunctionCannotInvokeAnother() throws {
        let suite = try suite
        let allowed = uniqueName("allowed")
        let other = uniqueName("other")
        let allowedID = try suite.deployOK(allowed, "python", source: "print('yes')\n")
        let otherID = try suite.deployOK(other, "python", source: "print('no')\n")
        let key = try createKey(["scopes": ["invoke"], "functions": [allowed]]).key
        XCTAssertEqual(try call("POST", "/invoke?fn=\(allowed)", key: key).status, 200)
        XCTAssertEqual(try call("POST", "/invoke?fn=\(allowedID)", key: key).status, 200, "by id as by name")
        assertRefused(try call("POST", "/invoke?fn=\(other)", key: key), 403, "another function by name")
        assertRefused(try call("POST", "/invoke?fn=\(otherID)", key: key), 403, "another function by id")
        // A token's `functions` claim limits it the same way.
        let limited = try token("invoke", extra: ["functions": [allowed]])
        XCTAssertEqual(try call("POST", "/invoke?fn=\(allowed)", key: limited).status, 200)
        assertRefused(try call("POST", "/invoke?fn=\(other)", key: limited), 403, "a token limited to another function")
    }

    // MARK: public functions

    func testPublicFunctionNeedsNoKeyButEverythingElseDoes() throws {
        let suite = try suite
        let name = uniqueName("public")
        let id = try suite.deployOK(name, "python", source: "import sys; print('hook ' + sys.stdin.read())\n", query: "&public=true")
        let answer = try call("POST", "/invoke?fn=\(id)", key: nil, body: "ping")
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual(try answer.json()["output"] as? String, "hook ping\n")
        XCTAssertEqual(try call("POST", "/invoke?fn=\(name)", key: nil).status, 200, "by name too")
        assertRefused(try call("GET", "/function/\(name)", key: nil), 401, "its source still needs a key")
        assertRefused(try call("PUT", "/function/\(name)", key: nil, body: "print(0)\n"), 401, "updating it still needs a key")
        assertRefused(try call("DELETE", "/function/\(name)", key: nil), 401, "deleting it still needs a key")
        // An update keeps it public unless told otherwise; &public=false makes it private.
        XCTAssertEqual(try suite.request("PUT", "/function/\(name)", body: "print('v2')\n").status, 201)
        XCTAssertEqual(try call("POST", "/invoke?fn=\(name)", key: nil).status, 200)
        XCTAssertEqual(try suite.request("PUT", "/function/\(name)?public=false", body: "print('v3')\n").status, 201)
        assertRefused(try call("POST", "/invoke?fn=\(name)", key: nil), 401, "private again")
        // A private function is not reachable without a key, and an unknown one gives nothing away.
        let secret = try suite.deployOK(uniqueName("private"), "python", source: "print('x')\n")
        assertRefused(try call("POST", "/invoke?fn=\(secret)", key: nil), 401, "a private function")
        assertRefused(try call("POST", "/invoke?fn=no-such-\(name)", key: nil), 401, "an unknown function")
    }

    func testCORSIsOptInPerPublicFunction() throws {
        let suite = try suite
        let plain = try suite.deployOK(uniqueName("nocors"), "python", source: "print(1)\n", query: "&public=true")
        let open = try suite.deployOK(uniqueName("cors"), "python", source: "print(2)\n", query: "&public=true&cors=https://app.example")
        let origin = ("Origin", "https://app.example")
        let withCORS = try call("POST", "/invoke?fn=\(open)", key: nil, headers: [origin])
        XCTAssertEqual(withCORS.status, 200)
        XCTAssertEqual(withCORS.header("access-control-allow-origin"), "https://app.example")
        let without = try call("POST", "/invoke?fn=\(plain)", key: nil, headers: [origin])
        XCTAssertNil(without.header("access-control-allow-origin"), "no CORS unless the function opts in")
        let preflight = try call("OPTIONS", "/invoke?fn=\(open)", key: nil, headers: [origin])
        XCTAssertEqual(preflight.status, 204, "\(preflight)")
        XCTAssertEqual(preflight.header("access-control-allow-origin"), "https://app.example")
        XCTAssertEqual(try call("OPTIONS", "/invoke?fn=\(plain)", key: nil, headers: [origin]).status, 403)
        XCTAssertEqual(try suite.deploy(uniqueName("bad"), "python", source: "print(1)\n", query: "&cors=https://x.example").status, 400,
                       "cors without public is refused")
    }

    // MARK: cross-site requests

    func testCrossOriginDeployIsRefused() throws {
        let suite = try suite
        let name = uniqueName("csrf")
        // What a foreign page's form or fetch sends: a "simple" text/plain POST with its Origin.
        // Even with the browser's cached credentials (Basic), it is refused and nothing deploys.
        let basic = Data("admin:\(FaaSSuite.adminKey)".utf8).base64EncodedString()
        let refused = try call("POST", "/deploy?name=\(name)&lang=python", key: nil, body: "print('pwned')\n",
                               headers: [("Content-Type", "text/plain"), ("Origin", "http://evil.example"), ("Authorization", "Basic \(basic)")])
        assertRefused(refused, 403, "a cross-origin deploy")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "nothing was deployed")
        assertRefused(try call("POST", "/deploy?name=\(name)&lang=python", key: FaaSSuite.adminKey, body: "print(1)\n",
                               headers: [("Origin", "null")]), 403, "Origin: null")
        // The gateway's own origin is fine.
        let same = try call("POST", "/deploy?name=\(name)&lang=python", key: FaaSSuite.adminKey, body: "print(1)\n",
                            headers: [("Origin", "http://127.0.0.1:\(suite.port)")])
        XCTAssertEqual(same.status, 201, "\(same)")
    }

    // MARK: rate limits and lock-out

    func testRateLimitedKeyGets429WhileOtherKeysWork() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("limited"), "python", source: "print(1)\n")
        let slow = try createKey(["scopes": ["invoke"], "rate": 0.2]).key
        XCTAssertEqual(try call("POST", "/invoke?fn=\(id)", key: slow).status, 200)
        let limited = try call("POST", "/invoke?fn=\(id)", key: slow)
        assertRefused(limited, 429, secret: slow, "beyond the key's rate")
        XCTAssertGreaterThanOrEqual(Int(limited.header("retry-after") ?? "") ?? 0, 1, "Retry-After: \(limited)")
        let other = try createKey(["scopes": ["invoke"]]).key
        XCTAssertEqual(try call("POST", "/invoke?fn=\(id)", key: other).status, 200, "another key keeps working")
        XCTAssertEqual(try call("POST", "/invoke?fn=\(id)", key: FaaSSuite.adminKey).status, 200)
        let metrics = try suite.request("GET", "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"faas_rate_limited_total{limit="key"}"#) }
        XCTAssertGreaterThanOrEqual(Int(line?.split(separator: " ").last ?? "") ?? 0, 1, metrics)
    }

    func testRepeatedFailuresFromOneAddressGet429() throws {
        let suite = try suite
        let attacker = "10.66.66.\(UInt8.random(in: 1...254))"
        for attempt in 0..<5 {
            assertRefused(try call("GET", "/functions", key: "mfk_guess\(attempt)xxxxxxxxxxxxxxxx", from: attacker), 401, "attempt \(attempt)")
        }
        let locked = try call("GET", "/functions", key: "mfk_guess-again-xxxxxxxxxxxxxxxx", from: attacker)
        assertRefused(locked, 429, "after 5 failures")
        XCTAssertNotNil(locked.header("retry-after"))
        assertRefused(try call("GET", "/functions", key: FaaSSuite.adminKey, from: attacker), 429, "even a good key, for a while")
        XCTAssertEqual(try call("GET", "/functions", key: FaaSSuite.adminKey).status, 200, "other addresses are not locked out")
        // The log names the address, never the key.
        let log = try String(contentsOfFile: suite.logPath("gateway"), encoding: .utf8)
        XCTAssertTrue(log.contains("client=\(attacker)"), "failed attempts are logged with the client's address")
        XCTAssertFalse(log.contains("mfk_guess"), "the log never holds a presented key")
        XCTAssertFalse(log.contains(FaaSSuite.adminKey), "the log never holds the admin key")
    }

    // MARK: keys

    func testKeysAreShownOnceListedWithoutSecretsAndRevokedAtOnce() throws {
        let suite = try suite
        let created = try createKey(["scopes": ["read", "invoke"], "functions": ["some-fn"], "rate": 50])
        XCTAssertTrue(created.key.hasPrefix("mfk_") && created.key.count >= 40, created.key)
        XCTAssertEqual(try call("GET", "/functions", key: created.key).status, 200)
        let listing = try call("GET", "/keys", key: FaaSSuite.adminKey)
        XCTAssertEqual(listing.status, 200)
        XCTAssertFalse(listing.text.contains(created.key), "GET /keys never shows a key")
        XCTAssertFalse(listing.text.contains("sha256"), "nor its hash")
        let keys = try XCTUnwrap(try listing.json()["keys"] as? [[String: Any]])
        let entry = try XCTUnwrap(keys.first { $0["id"] as? String == created.id })
        XCTAssertEqual(entry["scopes"] as? [String], ["invoke", "read"])
        XCTAssertNotNil(entry["created"])
        XCTAssertNotNil(entry["last_used"], "the key was used: \(entry)")
        XCTAssertNotNil(keys.first { $0["id"] as? String == "admin" })
        XCTAssertEqual(try call("DELETE", "/keys/\(created.id)", key: FaaSSuite.adminKey).status, 200)
        assertRefused(try call("GET", "/functions", key: created.key), 401, "revoked: refused at the next request")
        XCTAssertEqual(try call("DELETE", "/keys/\(created.id)", key: FaaSSuite.adminKey).status, 404)
        for bad in [#"{"scopes":["root"]}"#, #"{"scopes":[]}"#, #"{"scopes":["read"],"colour":"red"}"#, "not json",
                    #"{"scopes":["read"],"functions":["x"]}"#, #"{"scopes":["invoke"],"expires":1}"#, #"{"scopes":["invoke"],"rate":0}"#] {
            assertRefused(try call("POST", "/keys", key: FaaSSuite.adminKey, body: bad), 400, bad)
        }
    }

    func testKeyFileIsOwnerOnlyAndHoldsNoKeyInClear() throws {
        let suite = try suite
        let created = try createKey(["scopes": ["read"]])
        let folder = suite.functionsDirectory + "/.auth"
        let file = folder + "/keys.json"
        var info = stat()
        XCTAssertEqual(stat(file, &info), 0, "keys.json exists at \(file)")
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "keys.json is 0600")
        XCTAssertEqual(stat(folder, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700, "its folder is 0700")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertFalse(text.contains(created.key), "keys.json holds no key in clear")
        XCTAssertFalse(text.contains(FaaSSuite.adminKey), "not even the admin key")
        XCTAssertTrue(text.contains("sha256:"), "only hashes")
        // No temporary file is left behind by the atomic writes.
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertFalse(entries.contains { $0.hasSuffix(".tmp") }, "\(entries)")
    }

    // MARK: tokens

    func testTokensWithAlgNoneOrAnotherAlgorithmAreRefused() throws {
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = ["sub": "mallory", "scope": "admin", "exp": now + 300]
        assertRefused(try call("GET", "/functions", key: JWTMaker.unsigned(claims), from: freshAddress()), 401, "alg none")
        // An HS256 signature under a header that claims RS256 or HS512.
        for alg in ["RS256", "ES256", "HS512", "none", "NONE"] {
            let forged = try JWTMaker.hs256(claims, secret: Self.jwtSecret, header: ["alg": alg, "typ": "JWT"])
            assertRefused(try call("GET", "/functions", key: forged, from: freshAddress()), 401, "alg \(alg)")
        }
        assertRefused(try call("GET", "/functions", key: try token("admin", extra: ["nbf": now + 3600]), from: freshAddress()), 401, "not valid yet")
        assertRefused(try call("GET", "/functions", key: try JWTMaker.hs256(["scope": "admin"], secret: Self.jwtSecret), from: freshAddress()), 401, "no exp")
        XCTAssertEqual(try call("GET", "/functions", key: try token("admin")).status, 200, "the same token, properly signed, works")
    }
}
