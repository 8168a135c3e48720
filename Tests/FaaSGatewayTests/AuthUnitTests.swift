import XCTest
import Foundation
import FaaSSystem
@testable import FaaSGateway

final class AuthUnitTests: XCTestCase {
    func testSHA256AndHMACMatchKnownVectors() {
        XCTAssertEqual(Crypto.hex(Crypto.sha256(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // RFC 4231 test case 2.
        XCTAssertEqual(Crypto.hex(Crypto.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertTrue(Crypto.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(Crypto.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(Crypto.constantTimeEqual([1, 2], [1, 2, 3]))
        XCTAssertNotEqual(Authenticator.newKey(), Authenticator.newKey())
        XCTAssertEqual(Authenticator.newKey().count, 47)
    }

    private func hs256(_ claims: String, header: String = #"{"alg":"HS256"}"#, secret: String) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        return input + "." + Base64URL.encode(Crypto.hmacSHA256(key: Array(secret.utf8), message: Array(input.utf8)))
    }

    func testJWTVerifier() {
        let secret = String(repeating: "s", count: 32)
        let verifier = JWTVerifier(key: .secret(Array(secret.utf8)), issuer: "iss", audience: "aud")
        let now = 1_800_000_000.0
        func check(_ token: String) -> Result<Principal, AuthFailure> { verifier.verify(token, now: now) }
        let good = hs256(#"{"exp":1800000100,"iss":"iss","aud":"aud","scope":"invoke read other","sub":"me","functions":["f"]}"#, secret: secret)
        guard case .success(let principal) = check(good) else { return XCTFail("good token refused: \(check(good))") }
        XCTAssertEqual(principal.scopes, [.invoke, .read])
        XCTAssertEqual(principal.functions, ["f"])
        XCTAssertEqual(principal.id, "jwt:me")
        XCTAssertTrue(principal.mayInvoke("f"))
        XCTAssertFalse(principal.mayInvoke("g"))
        let refused = [
            hs256(#"{"exp":1700000000,"iss":"iss","aud":"aud","scope":"read"}"#, secret: secret),
            hs256(#"{"exp":1800000100,"iss":"other","aud":"aud","scope":"read"}"#, secret: secret),
            hs256(#"{"exp":1800000100,"iss":"iss","aud":["x"],"scope":"read"}"#, secret: secret),
            hs256(#"{"exp":1800000100,"nbf":1800000500,"iss":"iss","aud":"aud","scope":"read"}"#, secret: secret),
            hs256(#"{"iss":"iss","aud":"aud","scope":"read"}"#, secret: secret),
            hs256(#"{"exp":1800000100,"iss":"iss","aud":"aud"}"#, secret: secret),
            hs256(#"{"exp":1800000100,"iss":"iss","aud":"aud","scope":"read"}"#, secret: secret + "x"),
            hs256(#"{"exp":1800000100,"iss":"iss","aud":"aud","scope":"read"}"#, header: #"{"alg":"none"}"#, secret: secret),
            hs256(#"{"exp":1800000100,"iss":"iss","aud":"aud","scope":"read"}"#, header: #"{"alg":"RS256"}"#, secret: secret),
            hs256(#"[1]"#, secret: secret),
            "a.b", "a.b.c.d", "", "..", "!!.e30.e30",
        ]
        for token in refused {
            if case .success = check(token) { XCTFail("accepted \(token)") }
        }
        XCTAssertEqual(try? check(hs256(#"{"exp":1700000000,"scope":"read","iss":"iss","aud":"aud"}"#, secret: secret)).get().id, nil)
        if case .failure(let failure) = check(refused[0]) { XCTAssertEqual(failure, .expired) }
    }

    /// Found by the auth-header fuzz target: base64url with non-zero unused bits decoded, so a
    /// signed token had several spellings ("...Vc" and "...Vd" verified alike).
    func testBase64URLHasOneSpellingAndSignedTokensCannotBeRespelled() {
        XCTAssertEqual(Base64URL.decode("QQ"), [65])
        XCTAssertEqual(Base64URL.decode("QUE"), [65, 65])
        XCTAssertEqual(Base64URL.decode("QUFB"), [65, 65, 65])
        XCTAssertEqual(Base64URL.decode(""), [])
        for text in ["QR", "QT", "QUF", "QUH", "Q", "QQ=", "Q+", "Q/"] {
            XCTAssertNil(Base64URL.decode(Substring(text)), text)
        }
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(Base64URL.decode(Substring(Base64URL.encode(bytes))), bytes)
        }
        let secret = String(repeating: "s", count: 32)
        let verifier = JWTVerifier(key: .secret(Array(secret.utf8)), issuer: nil, audience: nil)
        let token = hs256(#"{"exp":1800000100,"scope":"read"}"#, secret: secret)
        guard case .success = verifier.verify(token, now: 1_800_000_000) else { return XCTFail("valid token refused") }
        // 32 signature bytes: 43 characters, the last one with 2 unused bits; setting either refuses.
        let last = token.utf8.last!
        for bit in 0..<2 {
            let respelled = String(token.dropLast()) + String(UnicodeScalar(Self.base64URLAlphabet[Self.base64URLAlphabet.firstIndex(of: last)! ^ (1 << bit)]))
            if case .success = verifier.verify(respelled, now: 1_800_000_000) { XCTFail("accepted a re-spelled signature: \(respelled)") }
        }
    }

    private static let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    func testTokenBucket() {
        var bucket = TokenBucket(rate: 2, burst: 2, now: 0)
        XCTAssertNil(bucket.take(now: 0))
        XCTAssertNil(bucket.take(now: 0))
        XCTAssertEqual(bucket.take(now: 0) ?? 0, 0.5, accuracy: 1e-9)
        XCTAssertNil(bucket.take(now: 0.5))
        XCTAssertNotNil(bucket.take(now: 0.5))
        XCTAssertTrue(bucket.isFull(now: 10))
    }

    func testClientAddressTrustsOnlyConfiguredProxies() {
        let trusted: Set<String> = ["127.0.0.1", "10.0.0.2"]
        XCTAssertEqual(ClientAddress.effective(peer: "127.0.0.1", forwardedFor: ["198.51.100.1"], trusted: trusted), "198.51.100.1")
        XCTAssertEqual(ClientAddress.effective(peer: "203.0.113.5", forwardedFor: ["198.51.100.1"], trusted: trusted), "203.0.113.5")
        XCTAssertEqual(ClientAddress.effective(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 198.51.100.1"], trusted: trusted), "198.51.100.1")
        XCTAssertEqual(ClientAddress.effective(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 198.51.100.1, 10.0.0.2"], trusted: trusted), "198.51.100.1")
        XCTAssertEqual(ClientAddress.effective(peer: "127.0.0.1", forwardedFor: ["garbage"], trusted: trusted), "127.0.0.1")
        XCTAssertEqual(ClientAddress.effective(peer: "127.0.0.1", forwardedFor: [], trusted: trusted), "127.0.0.1")
        XCTAssertEqual(ClientAddress.effective(peer: "127.0.0.1", forwardedFor: ["198.51.100.1"], trusted: []), "127.0.0.1")
        XCTAssertEqual(ClientAddress.normalized("::FFFF:1.2.3.4"), "::ffff:1.2.3.4")
        XCTAssertNil(ClientAddress.normalized("1.2.3"))
    }

    func testOriginPolicy() {
        XCTAssertTrue(OriginPolicy.isSameOrigin("http://localhost:8080", host: "localhost:8080"))
        XCTAssertTrue(OriginPolicy.isSameOrigin("https://faas.example.com", host: "faas.example.com"))
        XCTAssertTrue(OriginPolicy.isSameOrigin("https://faas.example.com", host: "faas.example.com:443"))
        XCTAssertFalse(OriginPolicy.isSameOrigin("http://evil.example", host: "localhost:8080"))
        XCTAssertFalse(OriginPolicy.isSameOrigin("null", host: "localhost:8080"))
        XCTAssertFalse(OriginPolicy.isSameOrigin("http://localhost:8081", host: "localhost:8080"))
        XCTAssertFalse(OriginPolicy.isSameOrigin("http://localhost:8080", host: nil))
    }

    func testKeyStoreWritesOwnerOnlyHashesAndSeesOtherWriters() throws {
        let folder = NSTemporaryDirectory() + "keystore-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = Logger(daemon: "test", level: .error)
        let first = try KeyStore(directory: folder, log: log)
        let second = try KeyStore(directory: folder, log: log)
        let key = Authenticator.newKey()
        try first.update { $0.keys.append(APIKeyRecord(id: "k1", hash: APIKeyRecord.hash(of: key), scopes: ["read"], created: 1)) }
        let attributes = try FileManager.default.attributesOfItem(atPath: first.path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertFalse(try String(contentsOfFile: first.path, encoding: .utf8).contains(key))
        try second.refresh()
        XCTAssertEqual(second.lookup(key)?.id, "k1", "a second store sees the first's write")
        XCTAssertNil(second.lookup(key + "x"))
        try second.update { $0.keys.removeAll() }
        try first.refresh()
        XCTAssertNil(first.lookup(key), "and its revocation")
    }
}
