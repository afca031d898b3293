// Token verification (auth/): decodeJwt, verifySignature and checkClaims against a fixed JWKS of
// real public keys (RSA 2048, P-256, P-384, Ed25519; the seeds in fuzz/corpus/jwt_fuzz are
// tokens really signed by them, so mutations reach the OpenSSL calls), parseJwks on fuzzed key
// sets, parseDiscovery, and the base64url codec. The first byte picks the parser.
// Checks: nothing crashes or leaks; an accepted token used an allowed algorithm and a key of the
// set; decoding is canonical (re-encoding gives back the segment); messages stay short; what
// parseJwks / parseDiscovery accept obeys their documented bounds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/base64url.h"
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/oidc_discovery.h"
#include "net/url.h"

namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr size_t kMaxMessage = 200;

constexpr std::string_view kJwks =
    R"JWKS({"keys": [{"kty": "RSA", "kid": "rsa", "n": "3KnB47uLt9m4xMjaYzwLviBOxIcabUK7j67Qv712kjoqZMjNdBN2B86jB19AwdivvoN5abBr-s6IIJE80fGD7HCnlooyGp0zAmCKWraXOgb8xa2ROjO0PqgaFDxKQBEroZvGk6t2aP3lnxX84Wiuyek4TmNcxfZmZI5jq4dE2DzBCLMrN1m8kxFXo0wEh0I2oPJcttCz65XOE03dciZK-OgD76DhvxeJRdqOildASZVkEymqa8ipPs-4vrjYPp-yLzzpzdKJgInifpcBQGJSKdEb3I7VmrY1-XkP9BNV1QGomDHsCAJfVlXFMO99QGmHe55RlCoOCcLDB_QQ_0gY6w", "e": "AQAB", "use": "sig"}, {"kty": "RSA", "kid": "rsa384", "alg": "RS384", "n": "3KnB47uLt9m4xMjaYzwLviBOxIcabUK7j67Qv712kjoqZMjNdBN2B86jB19AwdivvoN5abBr-s6IIJE80fGD7HCnlooyGp0zAmCKWraXOgb8xa2ROjO0PqgaFDxKQBEroZvGk6t2aP3lnxX84Wiuyek4TmNcxfZmZI5jq4dE2DzBCLMrN1m8kxFXo0wEh0I2oPJcttCz65XOE03dciZK-OgD76DhvxeJRdqOildASZVkEymqa8ipPs-4vrjYPp-yLzzpzdKJgInifpcBQGJSKdEb3I7VmrY1-XkP9BNV1QGomDHsCAJfVlXFMO99QGmHe55RlCoOCcLDB_QQ_0gY6w", "e": "AQAB"}, {"kty": "EC", "kid": "p256", "crv": "P-256", "x": "mfeGLwvNlZoyoddM-H3UYRc2yOtEgq2GRdDdmBrNXNw", "y": "NJCmB6hvWM8wIa2r11OY7WkFiVMilQDPhbmByDpiUAY", "use": "sig"}, {"kty": "EC", "kid": "p384", "crv": "P-384", "x": "1LV9JCpbHJJQUaF5_HqLCiFu-xYC5wmPtkpnNynP0rhz7CMElZkNTptadY8y5RaX", "y": "jt5XTywQAviBiiI_ymxiH3p9dc_S2jQQd1_7qg5s1E6Vv2YDlQpuVAawW4J3XUy9", "use": "sig"}, {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "zW9gk3stSYsWhPU1-3eM7t5sFLPMKZ1zJD0Q_gOkpbs"}]})JWKS";

const igw::JwkSet& fixedSet() {
  static const igw::JwkSet set = [] {
    auto r = igw::parseJwks(kJwks);
    if (!r.isOk() || r->size() != 5) std::abort();
    return std::move(r).value();
  }();
  return set;
}

void checkMessage(const igw::Status& s) {
  if (s.isOk()) return;
  if (s.message().empty() || s.message().size() > kMaxMessage) std::abort();
}

void fuzzToken(std::string_view token) {
  igw::JwtError kind = igw::JwtError::kNone;
  auto decoded = igw::decodeJwt(token, igw::JwtLimits{}, &kind);
  if (!decoded.isOk()) {
    if (kind != igw::JwtError::kMalformed) std::abort();
    checkMessage(decoded.status());
    return;
  }
  const igw::DecodedJwt& jwt = *decoded;
  size_t last = token.rfind('.');
  if (jwt.signing_input != token.substr(0, last)) std::abort();
  if (igw::base64UrlEncode(jwt.signature) != token.substr(last + 1)) std::abort();
  if (!jwt.header.is_object() || !jwt.claims.is_object()) std::abort();

  igw::Status sig = igw::verifySignature(jwt, fixedSet(), &kind);
  checkMessage(sig);
  if (sig.isOk()) {
    if (kind != igw::JwtError::kNone || !igw::jwsAlgFromName(jwt.alg)) std::abort();
    if (jwt.signature.empty()) std::abort();
  } else if (kind == igw::JwtError::kNone) {
    std::abort();
  }
  igw::ClaimRules rules{"https://idp.example.com", "gw", std::chrono::seconds(60)};
  checkMessage(igw::checkClaims(jwt.claims, rules, kNow, &kind));
  auto verified = igw::verifyJwt(token, fixedSet(), rules, kNow, &kind);
  checkMessage(verified.status());
  if (verified.isOk() != (kind == igw::JwtError::kNone)) std::abort();
  if (verified.isOk() && !sig.isOk()) std::abort();
}

void fuzzJwks(std::string_view text) {
  auto set = igw::parseJwks(text);
  if (!set.isOk()) {
    if (set.status().message().empty()) std::abort();
    return;
  }
  if (set->empty() || set->size() > 64) std::abort();
  for (const igw::Jwk& k : set->keys()) {
    if (!k.pkey) std::abort();
    if (k.kty == igw::JwkType::kRsa && (k.bits < 2048 || k.bits > 8192)) std::abort();
  }
  // Keys that parsed are usable: a verification against them runs (and fails) cleanly.
  auto jwt = igw::decodeJwt(
      "eyJhbGciOiJFUzI1NiIsImtpZCI6InAyNTYifQ.eyJzdWIiOiJ1MSJ9."
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  if (!jwt.isOk()) std::abort();
  if (igw::verifySignature(*jwt, *set).isOk()) std::abort();
}

void fuzzDiscovery(std::string_view text) {
  auto d = igw::parseDiscovery(text, "https://idp.example.com");
  if (!d.isOk()) return;
  if (d->issuer != "https://idp.example.com") std::abort();
  if (!igw::parseUrl(d->jwks_uri).isOk()) std::abort();
}

void fuzzBase64(std::string_view text) {
  auto decoded = igw::base64UrlDecode(text);
  if (decoded && igw::base64UrlEncode(*decoded) != text) std::abort();  // canonical
  auto back = igw::base64UrlDecode(igw::base64UrlEncode(text));
  if (!back || *back != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
    case 1:
      fuzzToken(text);
      break;
    case 2:
      fuzzJwks(text);
      break;
    case 3:
      fuzzDiscovery(text);
      break;
    default:
      fuzzBase64(text);
  }
  return 0;
}
