import Foundation
import XCTest

/// Makes JSON Web Tokens for the tests with the `openssl` command (installed by scripts/setup):
/// HS256 through `openssl dgst -hmac`, RS256 / ES256 through `openssl dgst -sign` with keys
/// `openssl genpkey` made. Independent of the gateway's own libcrypto code.
enum JWTMaker {
    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// `header.claims.` ready to be signed.
    static func signingInput(header: [String: Any], claims: [String: Any]) -> String {
        base64url(json(header)) + "." + base64url(json(claims))
    }

    static func hs256(_ claims: [String: Any], secret: String, header: [String: Any] = ["alg": "HS256", "typ": "JWT"]) throws -> String {
        let input = signingInput(header: header, claims: claims)
        let hexKey = secret.utf8.map { String(format: "%02x", $0) }.joined()
        let mac = try openssl(["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hexKey)", "-binary"], input: Data(input.utf8))
        return input + "." + base64url(mac)
    }

    static func rs256(_ claims: [String: Any], privateKey: String, header: [String: Any] = ["alg": "RS256", "typ": "JWT"]) throws -> String {
        let input = signingInput(header: header, claims: claims)
        let signature = try openssl(["dgst", "-sha256", "-sign", privateKey, "-binary"], input: Data(input.utf8))
        return input + "." + base64url(signature)
    }

    static func es256(_ claims: [String: Any], privateKey: String, header: [String: Any] = ["alg": "ES256", "typ": "JWT"]) throws -> String {
        let input = signingInput(header: header, claims: claims)
        let der = try openssl(["dgst", "-sha256", "-sign", privateKey, "-binary"], input: Data(input.utf8))
        return input + "." + base64url(Data(try joseSignature(der: [UInt8](der))))
    }

    /// An unsigned token (`alg: none`), as an attacker would send it.
    static func unsigned(_ claims: [String: Any]) -> String {
        signingInput(header: ["alg": "none", "typ": "JWT"], claims: claims) + "."
    }

    /// Makes a key pair in `directory`: (private PEM path, public PEM path).
    static func keyPair(_ kind: String, in directory: String) throws -> (privateKey: String, publicKey: String) {
        let privateKey = "\(directory)/\(kind).key.pem"
        let publicKey = "\(directory)/\(kind).pub.pem"
        let options = kind == "rsa" ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        _ = try openssl(["genpkey"] + options + ["-out", privateKey], input: Data())
        _ = try openssl(["pkey", "-in", privateKey, "-pubout", "-out", publicKey], input: Data())
        return (privateKey, publicKey)
    }

    /// DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to JOSE's fixed 64-byte r || s.
    static func joseSignature(der: [UInt8]) throws -> [UInt8] {
        var index = 0
        func byte() throws -> UInt8 {
            guard index < der.count else { throw SuiteError.startFailed("short DER signature") }
            defer { index += 1 }
            return der[index]
        }
        guard try byte() == 0x30 else { throw SuiteError.startFailed("DER signature is not a SEQUENCE") }
        var length = Int(try byte())
        if length & 0x80 != 0 { length = Int(try byte()) }
        var out: [UInt8] = []
        for _ in 0..<2 {
            guard try byte() == 0x02 else { throw SuiteError.startFailed("DER signature: INTEGER expected") }
            let count = Int(try byte())
            var integer = Array(der[index..<(index + count)])
            index += count
            while integer.count > 32 && integer.first == 0 { integer.removeFirst() }
            out += [UInt8](repeating: 0, count: 32 - integer.count) + integer
        }
        return out
    }

    @discardableResult
    static func openssl(_ arguments: [String], input: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SuiteError.startFailed("openssl \(arguments.first ?? "") failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return output
    }
}
