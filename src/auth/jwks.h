// A JSON Web Key Set (RFC 7517) of public signing keys, parsed into OpenSSL keys once so that
// every token verification is a lookup plus one EVP_DigestVerify. Pure: the caller fetches the
// document (jwks_uri) and decides when to refetch (e.g. on an unknown kid, rate-limited).
//
// Accepted keys: kty "RSA" (n, e; 2048..8192 bits), kty "EC" (crv "P-256"/"P-384", x, y at the
// curve's full length; the point must be on the curve), kty "OKP" (crv "Ed25519", x). Skipped,
// not fatal (each noted in JwkSet::skipped()): other kty/crv (including "oct": shared secrets
// never verify anything here), keys with "use" other than "sig", "key_ops" without "verify",
// an "alg" that is not a supported JWS algorithm for the key type, and keys whose material is
// malformed or out of bounds. The set as a whole is refused when it is not a JSON object with a
// "keys" array, has more than JwksLimits::max_keys entries, or ends up with no usable key.
//
// A JwkSet is immutable after parseJwks and safe to share across threads (hold it as
// std::shared_ptr<const JwkSet>); lookups are const and OpenSSL verification with a shared
// public EVP_PKEY is thread-safe.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jws_alg.h"
#include "core/status.h"

namespace igw {

// One usable public key.
struct Jwk {
  std::string kid;  // empty when the JWK has none
  JwkType kty = JwkType::kRsa;
  JwkCurve crv = JwkCurve::kNone;  // kNone for RSA
  std::string alg;                 // the JWK's "alg", empty when absent
  int bits = 0;                    // RSA modulus bits, curve bits for EC/OKP
  std::shared_ptr<EVP_PKEY> pkey;  // never null in a JwkSet; shared, never modified
};

struct JwksLimits {
  size_t max_keys = 64;         // entries in "keys" (usable or not)
  size_t max_bytes = 1u << 20;  // the document (x5c chains make JWKS a few KiB per key)
  unsigned max_depth = 16;      // JSON nesting
  int min_rsa_bits = 2048;
  int max_rsa_bits = 8192;
};

class JwkSet {
 public:
  JwkSet() = default;

  const std::vector<Jwk>& keys() const { return keys_; }
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

  // The first key whose kid equals `kid`, or nullptr. (Several keys may share a kid, e.g. one
  // RSA and one EC; verifySignature considers each.)
  const Jwk* findByKid(std::string_view kid) const;

  // Why each skipped entry was skipped, e.g. `key 3 (kid "abc"): RSA modulus of 1024 bits is
  // outside 2048..8192`. Kids are made log-safe. For the caller's log, not for clients.
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  friend Result<JwkSet> parseJwks(std::string_view json, const JwksLimits& limits);
  std::vector<Jwk> keys_;
  std::vector<std::string> skipped_;
};

// Parses a JWKS document. Errors are Code::kUnavailable (the identity provider's document is
// unusable) with a message such as "JWKS has no usable signing keys".
Result<JwkSet> parseJwks(std::string_view json, const JwksLimits& limits);
inline Result<JwkSet> parseJwks(std::string_view json) {
  return parseJwks(json, JwksLimits{});
}

}  // namespace igw
