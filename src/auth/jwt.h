// Verification of OpenID Connect access tokens: compact JWS (RFC 7515) signed with a key from
// the identity provider's JWKS, carrying JWT claims (RFC 7519). Pure and synchronous: no I/O,
// no clock of its own (the caller passes `now`), no global state.
//
// Typical use, once per token (the caller caches the outcome until `exp`):
//
//   JwtError kind;
//   auto verified = verifyJwt(bearer, *jwks, rules, nowUnix(), &kind);
//   if (!verified && kind == JwtError::kUnknownKey) { /* refetch the JWKS, rate-limited */ }
//
// Failures are Status{Code::kUnauthenticated} (401) whose message says what failed ("token
// expired", "unknown signing key", "unsupported algorithm \"none\"") and never contains the
// token; values quoted from the token (alg, kid) are cut short and made log-safe.
//
// Algorithms: RS256, RS384, RS512, PS256 (RSA-PSS, MGF1 with the same hash, salt length = hash
// length), ES256, ES384 (JOSE r||s signatures), EdDSA (Ed25519). Everything else, "none" and
// HS256/384/512 included, is refused, so a public key can never be used as an HMAC secret.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/jwks.h"
#include "auth/jws_alg.h"
#include "core/status.h"

namespace igw {

// What kind of failure, for the caller's decisions (refresh the JWKS on kUnknownKey; count
// expiries apart in metrics). kNone on success.
enum class JwtError {
  kNone,
  kMalformed,       // not a compact JWS, bad base64url, header/claims not JSON objects, ...
  kUnsupportedAlg,  // alg not allowed, or not allowed with the selected key
  kUnknownKey,      // no key with the token's kid (or, without kid, no single fitting key)
  kBadSignature,    // the signature does not verify
  kExpired,         // exp + leeway <= now
  kNotYetValid,     // nbf - leeway > now, or iat - leeway > now
  kWrongIssuer,     // iss missing or not exactly the configured issuer
  kWrongAudience,   // aud missing or does not contain the configured audience
};

// "malformed", "unsupported_alg", ... (stable, for metric labels and logs).
std::string_view jwtErrorName(JwtError e);

struct JwtLimits {
  size_t max_token_bytes = 16 * 1024;  // the whole compact token
  unsigned max_json_depth = 16;        // header and claims JSON nesting
};

// A compact JWS split and decoded, NOT verified. Owns its data (no views into the token).
struct DecodedJwt {
  std::string alg;            // header "alg" (required string; may be unsupported, e.g. "none")
  std::string kid;            // header "kid", empty when absent
  std::string typ;            // header "typ", empty when absent (e.g. "JWT", "at+jwt")
  nlohmann::json header;      // the JOSE header object
  nlohmann::json claims;      // the payload object
  std::string signing_input;  // ASCII(BASE64URL(header) '.' BASE64URL(payload)), as received
  std::string signature;      // raw signature bytes (empty for an unsecured "a.b." token)
};

// Splits and decodes `token`: exactly three '.'-separated segments, canonical unpadded
// base64url, header and payload JSON objects (parseJson, depth-limited), header "alg" a string,
// "kid"/"typ" strings when present, no "crit" header (no extension is understood). A token
// longer than limits.max_token_bytes is refused before any work. Failures are kMalformed.
Result<DecodedJwt> decodeJwt(std::string_view token, const JwtLimits& limits,
                             JwtError* error = nullptr);
inline Result<DecodedJwt> decodeJwt(std::string_view token) {
  return decodeJwt(token, JwtLimits{});
}

// Checks the signature of `jwt` with a key of `jwks`. Key selection: with a kid, the keys with
// that kid (kUnknownKey when there is none); without a kid, the single key that fits the alg
// (kUnknownKey when there is none or more than one). The alg must be allowed and fit the key's
// type and curve, and equal the JWK's "alg" when it has one (kUnsupportedAlg otherwise).
Status verifySignature(const DecodedJwt& jwt, const JwkSet& jwks, JwtError* error = nullptr);

struct ClaimRules {
  std::string issuer;    // required; "iss" must equal it exactly (no trailing-slash leniency)
  std::string audience;  // required; "aud" (string or array of strings) must contain it
  std::chrono::seconds leeway{60};  // clock skew allowed on exp/nbf/iat (negative counts as 0)
};

// Checks registered claims at `now_unix` (seconds since the epoch): "iss" exact, "aud" contains
// the audience, "exp" required and numeric with exp + leeway > now, "nbf" optional numeric with
// nbf - leeway <= now, "iat" optional numeric with iat - leeway <= now, "sub" a string when
// present. An empty issuer or audience in `rules` refuses every token (fails closed).
Status checkClaims(const nlohmann::json& claims, const ClaimRules& rules, int64_t now_unix,
                   JwtError* error = nullptr);

struct VerifiedToken {
  std::string subject;     // "sub", empty when absent
  int64_t expires_at = 0;  // "exp", seconds since the epoch (fractions dropped)
  nlohmann::json claims;   // the whole payload, for scopes, groups, azp, ...
};

// decodeJwt + verifySignature + checkClaims, in that order (claims are only looked at once the
// signature holds). `error`, when given, receives the kind of failure (kNone on success).
Result<VerifiedToken> verifyJwt(std::string_view token, const JwkSet& jwks, const ClaimRules& rules,
                                int64_t now_unix, JwtError* error = nullptr,
                                const JwtLimits& limits = JwtLimits{});

}  // namespace igw
