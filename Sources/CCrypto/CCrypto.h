// Debian's libcrypto (OpenSSL 3, package libssl-dev) for the gateway's auth: hashes, HMAC,
// signature checks, random bytes, constant-time comparison. Only the system headers are
// included; nothing is vendored.
#ifndef CCRYPTO_H
#define CCRYPTO_H

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#endif
