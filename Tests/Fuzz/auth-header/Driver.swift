// fuzz-modules: CCrypto FaaSSystem FaaSHTTP
// fuzz-sources: Sources/FaaSGateway/Auth/Credentials.swift Sources/FaaSGateway/Auth/Base64URL.swift Sources/FaaSGateway/Auth/Crypto.swift Sources/FaaSGateway/Auth/JWTVerifier.swift Sources/FaaSGateway/Auth/VerificationKey.swift Sources/FaaSGateway/Auth/Principal.swift Sources/FaaSGateway/Auth/Scope.swift Sources/FaaSGateway/Auth/AuthFailure.swift
//
// The gateway's `Authorization` header (`Credentials`) and HS256 JWT checks (`JWTVerifier`,
// `Base64URL`), compiled from FaaSGateway's own files. The first byte picks what the rest is:
//   0: an `Authorization` header value;  1: a token as sent;
//   2: a token's header JSON, a newline, its claims JSON: signed here with the secret.
// Besides "never crashes": parsing is deterministic; a Bearer credential is token68; a token
// is accepted only when its alg is HS256 and its signature is the HMAC made with the secret
// (recomputed here through libcrypto), never with another secret; an accepted token's
// base64url parts re-encode to the very same text (no second spelling of a signed token);
// a token signed here is never refused for its signature, and tampering with it is refused.
import Foundation

private let secret = Array("fuzz-secret-0123456789abcdef-0123456789".utf8)
private let verifier = JWTVerifier(key: .secret(secret), issuer: nil, audience: nil)
/// A secret no seed is signed with.
private let otherVerifier = JWTVerifier(key: .secret(Array("a-second-secret-that-signs-nothing-at-all".utf8)), issuer: nil, audience: nil)
/// A fixed clock, so an input always gives the same verdict.
private let now = 1_800_000_000.0

private func same(_ a: Result<Principal, AuthFailure>, _ b: Result<Principal, AuthFailure>) -> Bool {
    switch (a, b) {
    case (.success(let x), .success(let y)): return x.id == y.id && x.scopes == y.scopes && x.functions == y.functions
    case (.failure(let x), .failure(let y)): return x == y
    default: return false
    }
}

private func checkToken(_ token: String) {
    let verdict = verifier.verify(token, now: now)
    guard same(verdict, verifier.verify(token, now: now)) else { fatalError("two verdicts for \(token.debugDescription)") }
    if case .success = otherVerifier.verify(token, now: now) { fatalError("accepted with another secret: \(token.debugDescription)") }
    guard case .success = verdict else { return }
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { fatalError("accepted a token of \(parts.count) parts: \(token.debugDescription)") }
    let decoded = parts.map { Base64URL.decode($0) }
    for (part, bytes) in zip(parts, decoded) {
        guard let bytes, Base64URL.encode(bytes) == part else {
            fatalError("accepted a token whose part \(part.debugDescription) does not re-encode to itself")
        }
    }
    let header = (try? JSONSerialization.jsonObject(with: Data(decoded[0]!))) as? [String: Any]
    guard header?["alg"] as? String == "HS256" else { fatalError("accepted alg other than HS256: \(token.debugDescription)") }
    let mac = Crypto.hmacSHA256(key: secret, message: Array((parts[0] + "." + parts[1]).utf8))
    guard mac == decoded[2]! else { fatalError("accepted a signature not made with the secret: \(token.debugDescription)") }
}

private func checkHeader(_ value: String) {
    let credentials = Credentials(header: value)
    guard credentials == Credentials(header: value) else { fatalError("two parses of \(value.debugDescription)") }
    guard case .secret(let secret) = credentials else { return }
    guard !secret.isEmpty, secret.utf8.count <= Credentials.maxLength else {
        fatalError("empty or overlong credential from \(value.debugDescription)")
    }
    if value.split(separator: " ", maxSplits: 1).first?.lowercased() == "bearer", !Credentials.isToken68(secret) {
        fatalError("a Bearer credential that is not token68: \(secret.debugDescription)")
    }
    if JWTVerifier.looksLikeJWT(secret) { checkToken(secret) }
}

private func checkSigned(header: [UInt8], claims: [UInt8], tamper: UInt8) {
    let input = Base64URL.encode(header) + "." + Base64URL.encode(claims)
    let mac = Crypto.hmacSHA256(key: secret, message: Array(input.utf8))
    let token = input + "." + Base64URL.encode(mac)
    checkToken(token)
    switch verifier.verify(token, now: now) {
    case .failure(.invalidToken("bad signature")), .failure(.invalidToken("not a compact JWS")):
        fatalError("a token signed with the secret was refused for its form or signature: \(token)")
    case .failure(.invalidToken(let why)) where why.hasPrefix("alg"):
        let alg = ((try? JSONSerialization.jsonObject(with: Data(header))) as? [String: Any])?["alg"] as? String
        if alg == "HS256" { fatalError("HS256 refused as another alg: \(token)") }
    default: break
    }
    // One flipped bit anywhere in the signature bytes.
    var forged = mac
    forged[Int(tamper) % forged.count] ^= 1 << (tamper % 8)
    if case .success = verifier.verify(input + "." + Base64URL.encode(forged), now: now) {
        fatalError("accepted a forged signature: \(input)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    switch first % 3 {
    case 0: checkHeader(String(decoding: rest, as: UTF8.self))
    case 1: checkToken(String(decoding: rest, as: UTF8.self))
    default:
        let newline = rest.firstIndex(of: 0x0A) ?? rest.endIndex
        checkSigned(header: Array(rest[..<newline]), claims: Array(rest[min(newline + 1, rest.endIndex)...]), tamper: first)
    }
    return 0
}
