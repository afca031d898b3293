#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <optional>
#include <variant>

#include "auth/base64url.h"
#include "core/json_parse.h"
#include "core/safe_text.h"

namespace igw {

namespace {

using json = nlohmann::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// A key that was not imported: the reason goes to JwkSet::skipped().
struct Skip {
  std::string reason;
};

template <class T>
using Imported = std::variant<T, Skip>;

// The base64url member `name` of `jwk`, decoded; Skip when absent, not a string or malformed.
Imported<std::string> bytesMember(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return Skip{std::string("no \"") + name + "\" string"};
  std::string out;
  if (!base64UrlDecodeTo(it->get_ref<const std::string&>(), out) || out.empty()) {
    return Skip{std::string("\"") + name + "\" is not base64url"};
  }
  return out;
}

// Builds a public key of `type` ("RSA", "EC") from OpenSSL parameters; nullptr on refusal.
PkeyPtr fromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return nullptr;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) return nullptr;
  return PkeyPtr(raw);
}

Imported<PkeyPtr> importRsa(const json& jwk, const JwksLimits& limits, int& bits) {
  auto n = bytesMember(jwk, "n");
  if (auto* s = std::get_if<Skip>(&n)) return *s;
  auto e = bytesMember(jwk, "e");
  if (auto* s = std::get_if<Skip>(&e)) return *s;
  const std::string& nb = std::get<std::string>(n);
  const std::string& eb = std::get<std::string>(e);
  // Bound the work before any big-number arithmetic: 8192 bits is 1024 bytes (a leading zero
  // byte is tolerated by BN_bin2bn, so allow one more).
  if (nb.size() > static_cast<size_t>(limits.max_rsa_bits) / 8 + 1) {
    return Skip{"RSA modulus is larger than " + std::to_string(limits.max_rsa_bits) + " bits"};
  }
  if (eb.size() > 8) return Skip{"RSA exponent is implausibly large"};
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(nb.data()),
                       static_cast<int>(nb.size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(eb.data()),
                       static_cast<int>(eb.size()), nullptr));
  if (!bn_n || !bn_e) return Skip{"out of memory"};
  bits = BN_num_bits(bn_n.get());
  if (bits < limits.min_rsa_bits || bits > limits.max_rsa_bits) {
    return Skip{"RSA modulus of " + std::to_string(bits) + " bits is outside " +
                std::to_string(limits.min_rsa_bits) + ".." + std::to_string(limits.max_rsa_bits)};
  }
  if (!BN_is_odd(bn_n.get())) return Skip{"RSA modulus is even"};
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) return Skip{"RSA exponent is invalid"};
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return Skip{"out of memory"};
  }
  PkeyPtr key = fromParams("RSA", bld.get());
  if (!key) return Skip{"OpenSSL refused the RSA key"};
  return key;
}

Imported<PkeyPtr> importEc(const json& jwk, JwkCurve crv) {
  size_t len = crv == JwkCurve::kP256 ? 32 : 48;
  auto x = bytesMember(jwk, "x");
  if (auto* s = std::get_if<Skip>(&x)) return *s;
  auto y = bytesMember(jwk, "y");
  if (auto* s = std::get_if<Skip>(&y)) return *s;
  const std::string& xb = std::get<std::string>(x);
  const std::string& yb = std::get<std::string>(y);
  // RFC 7518 §6.2.1.2: the full coordinate length, leading zeros kept.
  if (xb.size() != len || yb.size() != len) {
    return Skip{"EC coordinates must be " + std::to_string(len) + " bytes"};
  }
  std::string point;
  point.reserve(1 + 2 * len);
  point.push_back('\x04');  // uncompressed
  point += xb;
  point += yb;
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  const char* group = crv == JwkCurve::kP256 ? "prime256v1" : "secp384r1";
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return Skip{"out of memory"};
  }
  // The import decodes the point and refuses one that is not on the curve; the public check
  // below also refuses the point at infinity and points outside the group.
  PkeyPtr key = fromParams("EC", bld.get());
  if (!key) return Skip{"EC point is not on the curve"};
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return Skip{"EC public key is invalid"};
  return key;
}

Imported<PkeyPtr> importEd25519(const json& jwk) {
  auto x = bytesMember(jwk, "x");
  if (auto* s = std::get_if<Skip>(&x)) return *s;
  const std::string& xb = std::get<std::string>(x);
  if (xb.size() != 32) return Skip{"Ed25519 key must be 32 bytes"};
  PkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(xb.data()), xb.size()));
  if (!key) return Skip{"OpenSSL refused the Ed25519 key"};
  return key;
}

const std::string* optionalString(const json& obj, const char* name, bool& bad) {
  auto it = obj.find(name);
  if (it == obj.end()) return nullptr;
  if (!it->is_string()) {
    bad = true;
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

// One "keys" entry: a usable key, or why it is skipped.
Imported<Jwk> importKey(const json& entry, const JwksLimits& limits) {
  if (!entry.is_object()) return Skip{"not an object"};
  bool bad = false;
  const std::string* kty = optionalString(entry, "kty", bad);
  const std::string* kid = optionalString(entry, "kid", bad);
  const std::string* alg = optionalString(entry, "alg", bad);
  const std::string* use = optionalString(entry, "use", bad);
  const std::string* crv_name = optionalString(entry, "crv", bad);
  if (bad) return Skip{"a member (kty, kid, alg, use or crv) is not a string"};
  if (!kty) return Skip{"no \"kty\""};
  if (use && *use != "sig") return Skip{"\"use\" is not \"sig\""};
  if (auto ops = entry.find("key_ops"); ops != entry.end()) {
    bool verify = false;
    if (ops->is_array()) {
      for (const auto& op : *ops) verify = verify || (op.is_string() && op == "verify");
    }
    if (!verify) return Skip{"\"key_ops\" does not include \"verify\""};
  }

  Jwk key;
  if (kid) key.kid = *kid;
  if (*kty == "RSA") {
    key.kty = JwkType::kRsa;
  } else if (*kty == "EC" || *kty == "OKP") {
    key.kty = *kty == "EC" ? JwkType::kEc : JwkType::kOkp;
    std::string_view c = crv_name ? std::string_view(*crv_name) : std::string_view();
    if (key.kty == JwkType::kEc && c == "P-256") {
      key.crv = JwkCurve::kP256;
      key.bits = 256;
    } else if (key.kty == JwkType::kEc && c == "P-384") {
      key.crv = JwkCurve::kP384;
      key.bits = 384;
    } else if (key.kty == JwkType::kOkp && c == "Ed25519") {
      key.crv = JwkCurve::kEd25519;
      key.bits = 256;
    } else {
      return Skip{"unsupported " + *kty + " curve \"" + safeText(c, 32) + "\""};
    }
  } else {
    return Skip{"unsupported kty \"" + safeText(*kty, 32) + "\""};
  }
  if (alg) {
    auto a = jwsAlgFromName(*alg);
    if (!a) return Skip{"unsupported alg \"" + safeText(*alg, 32) + "\""};
    if (!jwsAlgFitsKey(*a, key.kty, key.crv)) return Skip{"alg " + *alg + " does not fit the key"};
    key.alg = *alg;
  }

  Imported<PkeyPtr> imported = key.kty == JwkType::kRsa  ? importRsa(entry, limits, key.bits)
                               : key.kty == JwkType::kEc ? importEc(entry, key.crv)
                                                         : importEd25519(entry);
  if (auto* s = std::get_if<Skip>(&imported)) return *s;
  key.pkey = std::shared_ptr<EVP_PKEY>(std::get<PkeyPtr>(imported).release(), PkeyFree{});
  return key;
}

}  // namespace

const Jwk* JwkSet::findByKid(std::string_view kid) const {
  for (const Jwk& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

Result<JwkSet> parseJwks(std::string_view text, const JwksLimits& limits) {
  ParsedJson parsed = parseJson(text, JsonLimits{limits.max_depth, limits.max_bytes});
  if (!parsed.ok()) return jsonStatus(parsed, Code::kUnavailable, "JWKS");
  const json& doc = parsed.value;
  if (!doc.is_object()) return unavailable("JWKS is not a JSON object");
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) return unavailable("JWKS has no \"keys\" array");
  if (keys->size() > limits.max_keys) {
    return unavailable("JWKS has more than " + std::to_string(limits.max_keys) + " keys");
  }
  JwkSet set;
  set.keys_.reserve(keys->size());
  size_t index = 0;
  for (const json& entry : *keys) {
    Imported<Jwk> key = importKey(entry, limits);
    ERR_clear_error();  // refusals leave OpenSSL errors queued on this thread
    if (auto* skip = std::get_if<Skip>(&key)) {
      std::string note = "key " + std::to_string(index);
      if (entry.is_object()) {
        auto kid = entry.find("kid");
        if (kid != entry.end() && kid->is_string()) {
          note += " (kid \"" + safeText(kid->get_ref<const std::string&>(), 64, TextStyle::kJson) +
                  "\")";
        }
      }
      set.skipped_.push_back(note + ": " + skip->reason);
    } else {
      set.keys_.push_back(std::move(std::get<Jwk>(key)));
    }
    ++index;
  }
  if (set.keys_.empty()) return unavailable("JWKS has no usable signing keys");
  return set;
}

}  // namespace igw
