#include "auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include "auth/base64url.h"
#include "core/json_parse.h"
#include "core/safe_text.h"
#include "core/saturating.h"

namespace igw {

namespace {

using json = nlohmann::json;

Status fail(JwtError* out, JwtError kind, std::string message) {
  if (out) *out = kind;
  return unauthenticated(std::move(message));
}

// A value from the token, quoted for a message: short, log-safe, JSON-string escaped.
std::string quotedValue(std::string_view v) {
  return "\"" + safeText(v, 40, TextStyle::kJson) + "\"";
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

const EVP_MD* digestFor(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256:
    case JwsAlg::kPS256:
    case JwsAlg::kES256:
      return EVP_sha256();
    case JwsAlg::kRS384:
    case JwsAlg::kES384:
      return EVP_sha384();
    case JwsAlg::kRS512:
      return EVP_sha512();
    case JwsAlg::kEdDSA:
      return nullptr;  // Ed25519 hashes internally (PureEdDSA)
  }
  return nullptr;
}

// JOSE ECDSA signature (r || s, each the curve's byte length) -> DER ECDSA-Sig-Value, as
// EVP_DigestVerify expects. Empty on a wrong length.
std::string joseToDer(std::string_view sig, size_t half) {
  if (sig.size() != 2 * half) return {};
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> es(ECDSA_SIG_new());
  if (!es) return {};
  auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(p + half, static_cast<int>(half), nullptr);
  if (!r || !s || !ECDSA_SIG_set0(es.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  int len = i2d_ECDSA_SIG(es.get(), nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(es.get(), &out) != len) return {};
  return der;
}

// 1 verified, 0 not, -1 the signature has the wrong shape for the algorithm.
int verifyWith(JwsAlg alg, EVP_PKEY* pkey, std::string_view input, std::string_view sig) {
  std::string der;
  if (alg == JwsAlg::kES256 || alg == JwsAlg::kES384) {
    der = joseToDer(sig, alg == JwsAlg::kES256 ? 32 : 48);
    if (der.empty()) return -1;
    sig = der;
  } else if (alg == JwsAlg::kEdDSA) {
    if (sig.size() != 64) return -1;
  } else if (sig.size() != static_cast<size_t>(EVP_PKEY_get_size(pkey))) {
    return -1;  // RSA: exactly the modulus length (RFC 7518 §3.3)
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return 0;
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, digestFor(alg), nullptr, pkey) != 1) return 0;
  if (alg == JwsAlg::kPS256) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0) {
      return 0;
    }
  }
  int rc =
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
  return rc == 1 ? 1 : 0;
}

// A NumericDate (RFC 7519 §2) as whole seconds, saturated to int64; fractions rounded down
// (`up` false) or up (`up` true), whichever makes the check stricter. nullopt if not a number.
std::optional<int64_t> numericDate(const json& v, bool up) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    return u > static_cast<uint64_t>(kMax) ? kMax : static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_number_float()) return std::nullopt;
  double d = v.get<double>();
  if (std::isnan(d)) return std::nullopt;
  d = up ? std::ceil(d) : std::floor(d);
  if (d >= 9.2e18) return kMax;
  if (d <= -9.2e18) return kMin;
  return static_cast<int64_t>(d);
}

// Decodes one base64url segment and parses it as a JSON object.
Status decodeObject(std::string_view segment, const char* what, const JwtLimits& limits,
                    std::string& scratch, json& out, JwtError* error) {
  scratch.clear();
  if (segment.empty() || !base64UrlDecodeTo(segment, scratch)) {
    return fail(error, JwtError::kMalformed, std::string("token ") + what + " is not base64url");
  }
  ParsedJson parsed = parseJson(scratch, JsonLimits{limits.max_json_depth, limits.max_token_bytes});
  if (parsed.error == JsonError::kTooDeep) {
    return fail(error, JwtError::kMalformed,
                std::string("token ") + what + " is nested deeper than " +
                    std::to_string(limits.max_json_depth) + " levels");
  }
  if (!parsed.ok() || !parsed.value.is_object()) {
    return fail(error, JwtError::kMalformed,
                std::string("token ") + what + " is not a JSON object");
  }
  out = std::move(parsed.value);
  return Status::ok();
}

// Header member `name`: absent (empty), a string, or a failure.
bool headerString(const json& header, const char* name, std::string& out) {
  auto it = header.find(name);
  if (it == header.end()) return true;
  if (!it->is_string()) return false;
  out = it->get_ref<const std::string&>();
  return true;
}

}  // namespace

std::string_view jwtErrorName(JwtError e) {
  switch (e) {
    case JwtError::kNone:
      return "none";
    case JwtError::kMalformed:
      return "malformed";
    case JwtError::kUnsupportedAlg:
      return "unsupported_alg";
    case JwtError::kUnknownKey:
      return "unknown_key";
    case JwtError::kBadSignature:
      return "bad_signature";
    case JwtError::kExpired:
      return "expired";
    case JwtError::kNotYetValid:
      return "not_yet_valid";
    case JwtError::kWrongIssuer:
      return "wrong_issuer";
    case JwtError::kWrongAudience:
      return "wrong_audience";
  }
  return "unknown";
}

Result<DecodedJwt> decodeJwt(std::string_view token, const JwtLimits& limits, JwtError* error) {
  if (error) *error = JwtError::kNone;
  if (token.size() > limits.max_token_bytes) {
    return fail(error, JwtError::kMalformed,
                "token is longer than " + std::to_string(limits.max_token_bytes) + " bytes");
  }
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return fail(error, JwtError::kMalformed, "token is not a JWS of three segments");
  }
  DecodedJwt jwt;
  std::string scratch;
  scratch.reserve(d2);
  if (Status s = decodeObject(token.substr(0, d1), "header", limits, scratch, jwt.header, error);
      !s) {
    return s;
  }
  if (Status s = decodeObject(token.substr(d1 + 1, d2 - d1 - 1), "payload", limits, scratch,
                              jwt.claims, error);
      !s) {
    return s;
  }
  if (!base64UrlDecodeTo(token.substr(d2 + 1), jwt.signature)) {
    return fail(error, JwtError::kMalformed, "token signature is not base64url");
  }
  auto alg = jwt.header.find("alg");
  if (alg == jwt.header.end() || !alg->is_string()) {
    return fail(error, JwtError::kMalformed, "token header has no \"alg\" string");
  }
  jwt.alg = alg->get_ref<const std::string&>();
  if (!headerString(jwt.header, "kid", jwt.kid) || !headerString(jwt.header, "typ", jwt.typ)) {
    return fail(error, JwtError::kMalformed, "token header \"kid\" or \"typ\" is not a string");
  }
  if (jwt.header.contains("crit")) {  // RFC 7515 §4.1.11: no extension is understood here
    return fail(error, JwtError::kMalformed, "token header has unsupported critical parameters");
  }
  jwt.signing_input.assign(token.data(), d2);
  return jwt;
}

Status verifySignature(const DecodedJwt& jwt, const JwkSet& jwks, JwtError* error) {
  if (error) *error = JwtError::kNone;
  std::optional<JwsAlg> alg = jwsAlgFromName(jwt.alg);
  if (!alg)
    return fail(error, JwtError::kUnsupportedAlg, "unsupported algorithm " + quotedValue(jwt.alg));
  auto fits = [&](const Jwk& k) {
    return jwsAlgFitsKey(*alg, k.kty, k.crv) && (k.alg.empty() || k.alg == jwt.alg);
  };
  const Jwk* key = nullptr;
  if (!jwt.kid.empty()) {
    bool any = false;
    for (const Jwk& k : jwks.keys()) {
      if (k.kid != jwt.kid) continue;
      any = true;
      if (fits(k)) {
        key = &k;
        break;
      }
    }
    if (!any)
      return fail(error, JwtError::kUnknownKey, "unknown signing key " + quotedValue(jwt.kid));
    if (!key) {
      return fail(error, JwtError::kUnsupportedAlg,
                  "signing key " + quotedValue(jwt.kid) + " does not allow algorithm " +
                      std::string(jwsAlgName(*alg)));
    }
  } else {
    size_t fitting = 0;
    for (const Jwk& k : jwks.keys()) {
      if (fits(k)) {
        key = &k;
        ++fitting;
      }
    }
    if (fitting != 1) {
      return fail(error, JwtError::kUnknownKey,
                  fitting == 0 ? "unknown signing key (token has no kid and no key fits " +
                                     std::string(jwsAlgName(*alg)) + ")"
                               : "unknown signing key (token has no kid and several keys fit)");
    }
  }
  int rc = verifyWith(*alg, key->pkey.get(), jwt.signing_input, jwt.signature);
  ERR_clear_error();  // a failed verification queues OpenSSL errors on this thread
  if (rc < 0) {
    return fail(error, JwtError::kMalformed,
                "token signature has the wrong length for " + std::string(jwsAlgName(*alg)));
  }
  if (rc == 0) return fail(error, JwtError::kBadSignature, "token signature is invalid");
  return Status::ok();
}

Status checkClaims(const json& claims, const ClaimRules& rules, int64_t now, JwtError* error) {
  if (error) *error = JwtError::kNone;
  if (!claims.is_object())
    return fail(error, JwtError::kMalformed, "token claims are not an object");
  int64_t leeway = std::max<int64_t>(0, rules.leeway.count());

  auto iss = claims.find("iss");
  if (rules.issuer.empty() || iss == claims.end() || !iss->is_string() ||
      iss->get_ref<const std::string&>() != rules.issuer) {
    return fail(error, JwtError::kWrongIssuer, "token issuer mismatch");
  }

  bool aud_ok = false;
  if (auto aud = claims.find("aud"); aud != claims.end() && !rules.audience.empty()) {
    if (aud->is_string()) {
      aud_ok = aud->get_ref<const std::string&>() == rules.audience;
    } else if (aud->is_array()) {
      for (const json& a : *aud) aud_ok = aud_ok || (a.is_string() && a == rules.audience);
    }
  }
  if (!aud_ok) {
    return fail(error, JwtError::kWrongAudience,
                "token audience does not include " + quotedValue(rules.audience));
  }

  auto exp_it = claims.find("exp");
  std::optional<int64_t> exp;
  if (exp_it != claims.end()) exp = numericDate(*exp_it, false);
  if (!exp) return fail(error, JwtError::kMalformed, "token has no numeric \"exp\"");
  if (addSat(*exp, leeway) <= now) return fail(error, JwtError::kExpired, "token expired");

  if (auto nbf_it = claims.find("nbf"); nbf_it != claims.end()) {
    std::optional<int64_t> nbf = numericDate(*nbf_it, true);
    if (!nbf) return fail(error, JwtError::kMalformed, "token \"nbf\" is not numeric");
    if (addSat(*nbf, -leeway) > now)
      return fail(error, JwtError::kNotYetValid, "token not yet valid");
  }
  if (auto iat_it = claims.find("iat"); iat_it != claims.end()) {
    std::optional<int64_t> iat = numericDate(*iat_it, true);
    if (!iat) return fail(error, JwtError::kMalformed, "token \"iat\" is not numeric");
    if (addSat(*iat, -leeway) > now) {
      return fail(error, JwtError::kNotYetValid, "token issued in the future");
    }
  }
  if (auto sub = claims.find("sub"); sub != claims.end() && !sub->is_string()) {
    return fail(error, JwtError::kMalformed, "token \"sub\" is not a string");
  }
  return Status::ok();
}

Result<VerifiedToken> verifyJwt(std::string_view token, const JwkSet& jwks, const ClaimRules& rules,
                                int64_t now_unix, JwtError* error, const JwtLimits& limits) {
  Result<DecodedJwt> decoded = decodeJwt(token, limits, error);
  if (!decoded) return decoded.status();
  if (Status s = verifySignature(*decoded, jwks, error); !s) return s;
  if (Status s = checkClaims(decoded->claims, rules, now_unix, error); !s) return s;
  VerifiedToken out;
  out.claims = std::move(decoded->claims);
  if (auto sub = out.claims.find("sub"); sub != out.claims.end()) {
    out.subject = sub->get_ref<const std::string&>();
  }
  out.expires_at = numericDate(*out.claims.find("exp"), false).value_or(0);
  return out;
}

}  // namespace igw
