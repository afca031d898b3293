// The JWS signature algorithms this gateway accepts (RFC 7518 §3, RFC 8037) and which key each
// one needs. Deliberately short: no "none", no HMAC (HS*), nothing a public key set could be
// tricked into "verifying" with a shared secret.
#pragma once

#include <optional>
#include <string_view>

namespace igw {

enum class JwkType { kRsa, kEc, kOkp };
enum class JwkCurve { kNone, kP256, kP384, kEd25519 };

enum class JwsAlg { kRS256, kRS384, kRS512, kPS256, kES256, kES384, kEdDSA };

// "RS256" -> kRS256 ...; nullopt for anything else ("none", "HS256", "PS384", "rs256", ...).
inline std::optional<JwsAlg> jwsAlgFromName(std::string_view name) {
  if (name == "RS256") return JwsAlg::kRS256;
  if (name == "RS384") return JwsAlg::kRS384;
  if (name == "RS512") return JwsAlg::kRS512;
  if (name == "PS256") return JwsAlg::kPS256;
  if (name == "ES256") return JwsAlg::kES256;
  if (name == "ES384") return JwsAlg::kES384;
  if (name == "EdDSA") return JwsAlg::kEdDSA;
  return std::nullopt;
}

inline std::string_view jwsAlgName(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256:
      return "RS256";
    case JwsAlg::kRS384:
      return "RS384";
    case JwsAlg::kRS512:
      return "RS512";
    case JwsAlg::kPS256:
      return "PS256";
    case JwsAlg::kES256:
      return "ES256";
    case JwsAlg::kES384:
      return "ES384";
    case JwsAlg::kEdDSA:
      return "EdDSA";
  }
  return "";
}

// RS*/PS* need an RSA key, ES256 P-256, ES384 P-384, EdDSA Ed25519.
inline bool jwsAlgFitsKey(JwsAlg alg, JwkType kty, JwkCurve crv) {
  switch (alg) {
    case JwsAlg::kRS256:
    case JwsAlg::kRS384:
    case JwsAlg::kRS512:
    case JwsAlg::kPS256:
      return kty == JwkType::kRsa;
    case JwsAlg::kES256:
      return kty == JwkType::kEc && crv == JwkCurve::kP256;
    case JwsAlg::kES384:
      return kty == JwkType::kEc && crv == JwkCurve::kP384;
    case JwsAlg::kEdDSA:
      return kty == JwkType::kOkp && crv == JwkCurve::kEd25519;
  }
  return false;
}

}  // namespace igw
