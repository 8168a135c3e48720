import CCrypto

/// A public key read from a PEM file (`FAAS_JWT_PUBLIC_KEY`) that checks RS256 or ES256
/// signatures through libcrypto's EVP_DigestVerify.
final class VerificationKey: @unchecked Sendable {
    enum Kind: String, Sendable {
        case rsa = "RS256"
        case ecP256 = "ES256"
    }

    enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case unsupported(String)

        var description: String {
            switch self {
            case .unreadable(let why): return "cannot read the public key: \(why)"
            case .unsupported(let why): return "unsupported public key: \(why)"
            }
        }
    }

    let kind: Kind
    private let key: OpaquePointer

    /// Parses a PEM `PUBLIC KEY` (SubjectPublicKeyInfo): RSA of at least 2048 bits, or EC P-256.
    init(pem: [UInt8]) throws {
        guard let bio = pem.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw LoadError.unreadable("BIO_new_mem_buf failed")
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
            ERR_clear_error()
            throw LoadError.unreadable("not a PEM public key (-----BEGIN PUBLIC KEY-----)")
        }
        let type = EVP_PKEY_get_base_id(key)
        let bits = EVP_PKEY_get_bits(key)
        if type == EVP_PKEY_RSA && bits >= 2048 {
            kind = .rsa
        } else if type == EVP_PKEY_EC && bits == 256 {
            kind = .ecP256
        } else {
            EVP_PKEY_free(key)
            throw LoadError.unsupported("expected RSA (2048 bits or more) or EC P-256, got type \(type) with \(bits) bits")
        }
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// Checks a JWS signature over `message` with SHA-256. For ES256 the JOSE signature is
    /// r || s (32 bytes each), which libcrypto wants as a DER ECDSA-Sig-Value.
    func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        let der: [UInt8]
        switch kind {
        case .rsa: der = signature
        case .ecP256:
            guard let converted = Self.derSignature(joseSignature: signature) else { return false }
            der = converted
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            ERR_clear_error()
            return false
        }
        let result = der.withUnsafeBytes { sig in
            message.withUnsafeBytes { msg in
                EVP_DigestVerify(context, sig.baseAddress?.assumingMemoryBound(to: UInt8.self), sig.count,
                                 msg.baseAddress?.assumingMemoryBound(to: UInt8.self), msg.count)
            }
        }
        ERR_clear_error()
        return result == 1
    }

    private static func derSignature(joseSignature signature: [UInt8]) -> [UInt8]? {
        guard signature.count == 64 else { return nil }
        guard let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        let r = signature[0..<32].withUnsafeBytes { BN_bin2bn($0.baseAddress?.assumingMemoryBound(to: UInt8.self), 32, nil) }
        let s = signature[32..<64].withUnsafeBytes { BN_bin2bn($0.baseAddress?.assumingMemoryBound(to: UInt8.self), 32, nil) }
        guard let r, let s else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        // ECDSA_SIG_set0 takes ownership of r and s.
        guard ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        return written == length ? der : nil
    }
}
