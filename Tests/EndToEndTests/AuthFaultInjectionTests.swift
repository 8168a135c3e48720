import Foundation
import XCTest

/// Hostile `Authorization` headers at the gateway: malformed schemes and encodings, duplicated
/// headers, huge tokens, `alg: none`, tokens for another algorithm, and a seeded stream of
/// random values. Each is refused with 400 (bad HTTP), 401 or 431, never echoed, never a crash.
final class AuthFaultInjectionTests: SuiteTestCase {
    static let secret = "fault-injection-jwt-secret-0123456789abcdef"

    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        // No lock-out here: this suite sends hundreds of bad credentials from one address.
        options.environment = ["FAAS_JWT_SECRET": secret, "FAAS_AUTH_FAILURES": "1000000"]
        return options
    }

    /// Sends `GET /functions` with the raw header lines given; returns the status line's code.
    private func status(_ headerLines: String, file: StaticString = #filePath, line: UInt = #line) throws -> (Int, String) {
        let connection = try HTTPConnection(port: try suite.port, timeout: 10)
        defer { connection.close() }
        try connection.send("GET /functions HTTP/1.1\r\nHost: x\r\n\(headerLines)Connection: close\r\n\r\n")
        let response = try connection.readResponse()
        return (response.status, response.text)
    }

    func testMalformedAuthorizationHeadersAre401() throws {
        let basicNoColon = Data("admin".utf8).base64EncodedString()
        let basicEmpty = Data("admin:".utf8).base64EncodedString()
        let values = ["", " ", "Bearer", "Bearer ", "Bearer  ", "bearer", "Basic", "Basic ====", "Basic !!!", "Basic \(basicNoColon)",
                      "Basic \(basicEmpty)", "Digest username=admin", "Bearer a b c", "Bearer =abc", "Bearer abc==x", "Bearer \u{7f}",
                      "Bearer ..", "Bearer a.b.c", "Bearer ...", "Bearer e30.e30.", "Bearer e30.e30.e30", "Negotiate YIIB",
                      "Bearer " + String(repeating: "A", count: 8193), "Bearer \(FaaSSuite.adminKey) extra",
                      "Basic " + Data("admin:\(FaaSSuite.adminKey)".utf8).base64EncodedString() + "garbage"]
        for value in values {
            let (code, body) = try status("Authorization: \(value)\r\n")
            XCTAssertTrue(code == 401 || code == 400, "\(value.prefix(60).debugDescription) -> \(code) \(body)")
            if value.count > 12 { XCTAssertFalse(body.contains(value.dropFirst(7)), "the credential is not echoed: \(body)") }
        }
        // Two Authorization headers, even with one good key, are refused.
        XCTAssertEqual(try status("Authorization: Bearer \(FaaSSuite.adminKey)\r\nAuthorization: Bearer other\r\n").0, 401)
        XCTAssertEqual(try status("Authorization: Bearer \(FaaSSuite.adminKey)\r\n").0, 200, "the gateway is unharmed")
    }

    func testHugeTokensAreRefused() throws {
        // Under the header limit but over the credential limit: 401, not read into a key lookup.
        XCTAssertEqual(try status("Authorization: Bearer " + String(repeating: "a", count: 12_000) + "\r\n").0, 401)
        let hugeJWT = "e30." + String(repeating: "e", count: 9_000) + ".sig"
        XCTAssertEqual(try status("Authorization: Bearer \(hugeJWT)\r\n").0, 401)
        // Over the header limit: the parser's 431.
        XCTAssertEqual(try status("Authorization: Bearer " + String(repeating: "a", count: 70_000) + "\r\n").0, 431)
        // A token whose claims are deeply nested JSON.
        let nested = JWTMaker.base64url(Data((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8))
        let header = JWTMaker.base64url(Data(#"{"alg":"HS256"}"#.utf8))
        XCTAssertEqual(try status("Authorization: Bearer \(header).\(nested).c2ln\r\n").0, 401)
        XCTAssertEqual(try status("Authorization: Bearer \(FaaSSuite.adminKey)\r\n").0, 200)
    }

    func testAlgNoneAndWrongAlgorithmTokensAre401() throws {
        let claims: [String: Any] = ["scope": "admin", "exp": Int(Date().timeIntervalSince1970) + 300]
        var tokens = [JWTMaker.unsigned(claims), JWTMaker.unsigned(claims) + "c2ln",
                      JWTMaker.signingInput(header: ["alg": "None"], claims: claims) + ".",
                      JWTMaker.signingInput(header: [:], claims: claims) + ".c2ln",
                      JWTMaker.signingInput(header: ["alg": 256], claims: claims) + ".c2ln"]
        for alg in ["RS256", "ES256", "HS384", "HS512", "PS256", "EdDSA"] {
            tokens.append(try JWTMaker.hs256(claims, secret: Self.secret, header: ["alg": alg]))
        }
        tokens.append(try JWTMaker.hs256(claims, secret: Self.secret, header: ["alg": "HS256", "crit": ["exp"]]))
        for token in tokens {
            let (code, body) = try status("Authorization: Bearer \(token)\r\n")
            XCTAssertEqual(code, 401, "\(token.prefix(50)) -> \(body)")
        }
        XCTAssertEqual(try status("Authorization: Bearer \(try JWTMaker.hs256(claims, secret: Self.secret))\r\n").0, 200, "a good token works")
    }

    func testForwardedForIsIgnoredFromUntrustedPeers() throws {
        // This suite trusts no proxy: a client naming another address is logged as itself.
        let (code, _) = try status("Authorization: Bearer mfk_untrusted-forwarder-xxxxxxxx\r\nX-Forwarded-For: 203.0.113.77\r\n")
        XCTAssertEqual(code, 401)
        let log = try String(contentsOfFile: try suite.logPath("gateway"), encoding: .utf8)
        XCTAssertTrue(log.contains("authentication failed client=127.0.0.1"), log)
        XCTAssertFalse(log.contains("203.0.113.77"), "the forged address is not believed")
    }

    func testSeededRandomAuthorizationValues() throws {
        var generator = SeededGenerator(seed: 0x9e37_79b9_7f4a_7c15)
        let alphabet = Array("ABCabc0189+/=-_.~ :;,\"'\\{}[]%\t".unicodeScalars)
        let prefixes = ["", "Bearer ", "Basic ", "bearer ", "BASIC ", "Bearer e30.", "Bearer mfk_"]
        for round in 0..<300 {
            let length = Int(generator.next() % 200)
            var value = prefixes[Int(generator.next() % UInt64(prefixes.count))]
            for _ in 0..<length { value.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let (code, _) = try status("Authorization: \(value)\r\n")
            XCTAssertTrue([400, 401].contains(code), "round \(round): \(value.debugDescription) -> \(code)")
        }
        XCTAssertEqual(try status("Authorization: Bearer \(FaaSSuite.adminKey)\r\n").0, 200, "the gateway is unharmed")
    }
}

/// SplitMix64: the same values every run, so a failure replays.
struct SeededGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
