// JWT / JWKS / OIDC discovery verification against real keys: every key is generated here with
// OpenSSL, exported to a JWKS the way an identity provider publishes it, and every token is
// signed here with OpenSSL. Then the refusals that matter: "none", HS256 keyed with the public
// key, tampering, key/algorithm mismatches, time and audience/issuer rules, malformed input.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/base64url.h"
#include "auth/jwks.h"
#include "auth/jwt.h"
#include "auth/oidc_discovery.h"

namespace {

using igw::JwtError;
using json = nlohmann::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

constexpr int64_t kNow = 1'800'000'000;
const char* kIssuer = "https://idp.example.com/realms/main";
const char* kAudience = "inference-gateway";

std::string b64(std::string_view s) {
  return igw::base64UrlEncode(s);
}

std::string bnParam(EVP_PKEY* k, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1) << name;
  std::string out(pad ? pad : BN_num_bytes(bn), '\0');
  if (pad) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  BN_free(bn);
  return out;
}

// The JWK an identity provider would publish for `k`.
json jwkOf(EVP_PKEY* k, const std::string& kid) {
  json j = {{"kid", kid}, {"use", "sig"}};
  if (EVP_PKEY_is_a(k, "RSA")) {
    j["kty"] = "RSA";
    j["n"] = b64(bnParam(k, OSSL_PKEY_PARAM_RSA_N));
    j["e"] = b64(bnParam(k, OSSL_PKEY_PARAM_RSA_E));
  } else if (EVP_PKEY_is_a(k, "EC")) {
    char group[32];
    size_t len = 0;
    EXPECT_EQ(
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len),
        1);
    bool p256 = std::string(group) == "prime256v1";
    int size = p256 ? 32 : 48;
    j["kty"] = "EC";
    j["crv"] = p256 ? "P-256" : "P-384";
    j["x"] = b64(bnParam(k, OSSL_PKEY_PARAM_EC_PUB_X, size));
    j["y"] = b64(bnParam(k, OSSL_PKEY_PARAM_EC_PUB_Y, size));
  } else {
    std::string raw(32, '\0');
    size_t len = raw.size();
    EXPECT_EQ(EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(raw.data()), &len),
              1);
    j["kty"] = "OKP";
    j["crv"] = "Ed25519";
    j["x"] = b64(raw);
  }
  return j;
}

// The JWS signature of `input` with `k` for `alg`, in JOSE form (ECDSA as r || s).
std::string sign(const std::string& alg, EVP_PKEY* k, std::string_view input) {
  const EVP_MD* md = nullptr;
  if (alg.ends_with("256")) md = EVP_sha256();
  if (alg.ends_with("384")) md = EVP_sha384();
  if (alg.ends_with("512")) md = EVP_sha512();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, md, nullptr, k), 1);
  if (alg == "PS256") {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
  }
  size_t len = 0;
  auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, in, input.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()), 1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (alg == "ES256" || alg == "ES384") {
    int half = alg == "ES256" ? 32 : 48;
    auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(2 * half, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), half);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + half, half);
    ECDSA_SIG_free(es);
    return raw;
  }
  return sig;
}

json goodClaims() {
  return {{"iss", kIssuer},    {"aud", kAudience}, {"sub", "user-42"},
          {"exp", kNow + 300}, {"iat", kNow - 10}, {"scope", "openid chat"}};
}

std::string token(const json& header, const json& claims, const std::string& alg, EVP_PKEY* k) {
  std::string input = b64(header.dump()) + "." + b64(claims.dump());
  return input + "." + b64(sign(alg, k, input));
}

std::string token(const std::string& alg, const std::string& kid, EVP_PKEY* k,
                  const json& claims = goodClaims()) {
  return token(json{{"alg", alg}, {"kid", kid}, {"typ", "at+jwt"}}, claims, alg, k);
}

// Keys generated once for the whole test binary (RSA generation takes a moment).
struct Keys {
  Pkey rsa{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})};
  Pkey p256{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
  Pkey p384{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")};
  Pkey ed{EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")};
  json jwks;
  Keys() {
    jwks = {{"keys",
             {jwkOf(rsa.get(), "rsa-1"), jwkOf(p256.get(), "p256-1"), jwkOf(p384.get(), "p384-1"),
              jwkOf(ed.get(), "ed-1")}}};
  }
};

const Keys& keys() {
  static const Keys k;
  return k;
}

igw::JwkSet setOf(const json& jwks) {
  auto r = igw::parseJwks(jwks.dump());
  EXPECT_TRUE(r.isOk()) << r.status().message();
  return r.isOk() ? std::move(r).value() : igw::JwkSet{};
}

igw::ClaimRules rules() {
  return igw::ClaimRules{kIssuer, kAudience, std::chrono::seconds(60)};
}

// verifyJwt's outcome: kNone when verified, else the kind (message checked not to leak).
JwtError verify(const std::string& tok, const igw::JwkSet& set, int64_t now = kNow,
                std::string* message = nullptr) {
  JwtError kind = JwtError::kBadSignature;
  auto r = igw::verifyJwt(tok, set, rules(), now, &kind);
  if (r.isOk()) {
    EXPECT_EQ(kind, JwtError::kNone);
    return JwtError::kNone;
  }
  EXPECT_NE(kind, JwtError::kNone);
  EXPECT_EQ(r.status().code(), igw::Code::kUnauthenticated);
  // The token (or any of its segments) never appears in a message.
  for (size_t dot = 0, from = 0; from <= tok.size(); from = dot + 1) {
    dot = tok.find('.', from);
    if (dot == std::string::npos) dot = tok.size();
    std::string seg = tok.substr(from, dot - from);
    if (seg.size() >= 8) {
      EXPECT_EQ(r.status().message().find(seg), std::string::npos);
    }
  }
  if (message) *message = r.status().message();
  return kind;
}

// ---------------------------------------------------------------------------------------------

TEST(Base64Url, KnownVectorsAndRoundTrips) {
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg");
  EXPECT_EQ(b64("fo"), "Zm8");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(igw::base64UrlDecode("Zm9vYg").value(), "foob");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); ++n) {
    auto back = igw::base64UrlDecode(b64(all.substr(256 - n)));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, all.substr(256 - n));
  }
}

TEST(Base64Url, RefusesPaddingForeignAlphabetAndNonCanonicalInput) {
  for (const char* bad : {"Zg==", "Zm8=", "Zg=", "ab+/", "ab/c", "Zm 9v", "Z", "Zm9vY", "Zh", "Zm9",
                          "Zm8\n", "Z\x80xx"}) {
    EXPECT_FALSE(igw::base64UrlDecode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(igw::base64UrlDecode(std::string_view("Zm\0v", 4)).has_value());
}

TEST(Jwks, ImportsRsaEcAndEd25519Keys) {
  igw::JwkSet set = setOf(keys().jwks);
  ASSERT_EQ(set.size(), 4u);
  EXPECT_TRUE(set.skipped().empty());
  const igw::Jwk* rsa = set.findByKid("rsa-1");
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(rsa->kty, igw::JwkType::kRsa);
  EXPECT_EQ(rsa->bits, 2048);
  EXPECT_TRUE(rsa->alg.empty());
  EXPECT_EQ(set.findByKid("p256-1")->crv, igw::JwkCurve::kP256);
  EXPECT_EQ(set.findByKid("p384-1")->crv, igw::JwkCurve::kP384);
  EXPECT_EQ(set.findByKid("ed-1")->crv, igw::JwkCurve::kEd25519);
  EXPECT_EQ(set.findByKid("nope"), nullptr);
  for (const auto& k : set.keys()) EXPECT_NE(k.pkey, nullptr);
}

TEST(Jwks, SkipsUnknownEncryptionAndMismatchedKeysButKeepsTheRest) {
  json jwks = keys().jwks;
  json enc = jwkOf(keys().rsa.get(), "enc-1");
  enc["use"] = "enc";
  json oaep = jwkOf(keys().rsa.get(), "oaep");
  oaep.erase("use");
  oaep["alg"] = "RSA-OAEP";
  json ops = jwkOf(keys().rsa.get(), "ops");
  ops["key_ops"] = {"encrypt"};
  json p521 = jwkOf(keys().p256.get(), "p521");
  p521["crv"] = "P-521";
  json misfit = jwkOf(keys().p256.get(), "misfit");
  misfit["alg"] = "RS256";
  for (const json& extra :
       {enc, oaep, ops, p521, misfit, json{{"kty", "oct"}, {"k", "c2VjcmV0"}},
        json{{"kty", "OKP"}, {"crv", "Ed448"}, {"x", "AAAA"}}, json("not an object")}) {
    jwks["keys"].push_back(extra);
  }
  igw::JwkSet set = setOf(jwks);
  EXPECT_EQ(set.size(), 4u);
  ASSERT_EQ(set.skipped().size(), 8u);
  EXPECT_NE(set.skipped()[0].find("kid \"enc-1\""), std::string::npos) << set.skipped()[0];
  EXPECT_NE(set.skipped()[5].find("unsupported kty \"oct\""), std::string::npos);
}

TEST(Jwks, RefusesSmallRsaBadEcPointsAndBadLengths) {
  Pkey small{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024})};
  json off_curve = jwkOf(keys().p256.get(), "off");
  std::string y = *igw::base64UrlDecode(off_curve["y"].get<std::string>());
  y.back() ^= 1;
  off_curve["y"] = b64(y);
  json short_x = jwkOf(keys().p384.get(), "short");
  short_x["x"] = b64(igw::base64UrlDecode(short_x["x"].get<std::string>())->substr(1));
  json padded = jwkOf(keys().ed.get(), "padded");
  padded["x"] = padded["x"].get<std::string>() + "=";
  json even = jwkOf(keys().rsa.get(), "even");
  std::string n = *igw::base64UrlDecode(even["n"].get<std::string>());
  n.back() &= ~1;
  even["n"] = b64(n);
  for (const json& bad : {jwkOf(small.get(), "small"), off_curve, short_x, padded, even}) {
    json jwks = {{"keys", {bad, jwkOf(keys().ed.get(), "ok")}}};
    igw::JwkSet set = setOf(jwks);
    EXPECT_EQ(set.size(), 1u) << bad.dump();
    ASSERT_EQ(set.skipped().size(), 1u);
    EXPECT_EQ(set.findByKid("ok")->kid, "ok");
  }
  EXPECT_NE(setOf(json{{"keys", {jwkOf(small.get(), "small"), jwkOf(keys().ed.get(), "x")}}})
                .skipped()[0]
                .find("1024 bits is outside 2048..8192"),
            std::string::npos);
}

TEST(Jwks, RefusesDocumentsWithoutUsableKeysOrTooManyEntries) {
  json many = {{"keys", json::array()}};
  for (int i = 0; i < 65; ++i) many["keys"].push_back(jwkOf(keys().ed.get(), std::to_string(i)));
  auto r = igw::parseJwks(many.dump());
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("more than 64 keys"), std::string::npos);
  many["keys"].erase(0);
  EXPECT_TRUE(igw::parseJwks(many.dump()).isOk());

  for (const char* bad : {"", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[]}",
                          "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}", "{\"keys\":[1,2]"}) {
    auto p = igw::parseJwks(bad);
    EXPECT_FALSE(p.isOk()) << bad;
    EXPECT_EQ(p.status().code(), igw::Code::kUnavailable);
  }
}

TEST(Jwt, VerifiesEveryAllowedAlgorithm) {
  igw::JwkSet set = setOf(keys().jwks);
  struct Case {
    const char* alg;
    const char* kid;
    EVP_PKEY* key;
  };
  for (const Case& c :
       {Case{"RS256", "rsa-1", keys().rsa.get()}, Case{"RS384", "rsa-1", keys().rsa.get()},
        Case{"RS512", "rsa-1", keys().rsa.get()}, Case{"PS256", "rsa-1", keys().rsa.get()},
        Case{"ES256", "p256-1", keys().p256.get()}, Case{"ES384", "p384-1", keys().p384.get()},
        Case{"EdDSA", "ed-1", keys().ed.get()}}) {
    JwtError kind = JwtError::kMalformed;
    auto r = igw::verifyJwt(token(c.alg, c.kid, c.key), set, rules(), kNow, &kind);
    ASSERT_TRUE(r.isOk()) << c.alg << ": " << r.status().message();
    EXPECT_EQ(kind, JwtError::kNone);
    EXPECT_EQ(r->subject, "user-42");
    EXPECT_EQ(r->expires_at, kNow + 300);
    EXPECT_EQ(r->claims["scope"], "openid chat");
  }
}

TEST(Jwt, DecodeExposesHeaderClaimsSigningInputAndSignature) {
  std::string tok = token("ES256", "p256-1", keys().p256.get());
  auto d = igw::decodeJwt(tok);
  ASSERT_TRUE(d.isOk()) << d.status().message();
  EXPECT_EQ(d->alg, "ES256");
  EXPECT_EQ(d->kid, "p256-1");
  EXPECT_EQ(d->typ, "at+jwt");
  EXPECT_EQ(d->claims["sub"], "user-42");
  EXPECT_EQ(d->signing_input, tok.substr(0, tok.rfind('.')));
  EXPECT_EQ(d->signature.size(), 64u);
  EXPECT_EQ(b64(d->signature), tok.substr(tok.rfind('.') + 1));
}

TEST(Jwt, RefusesAlgNone) {
  igw::JwkSet set = setOf(keys().jwks);
  std::string tok =
      b64(json{{"alg", "none"}, {"kid", "rsa-1"}}.dump()) + "." + b64(goodClaims().dump()) + ".";
  std::string msg;
  EXPECT_EQ(verify(tok, set, kNow, &msg), JwtError::kUnsupportedAlg);
  EXPECT_EQ(msg, "unsupported algorithm \"none\"");
}

TEST(Jwt, RefusesHs256KeyedWithTheRsaPublicKey) {
  igw::JwkSet set = setOf(keys().jwks);
  // The classic confusion attack: HMAC keyed with the public key's PEM, DER, or raw modulus.
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PUBKEY(bio, keys().rsa.get()), 1);
  char* pem_data = nullptr;
  long pem_len = BIO_get_mem_data(bio, &pem_data);
  std::string pem(pem_data, static_cast<size_t>(pem_len));
  BIO_free(bio);
  unsigned char* der_data = nullptr;
  int der_len = i2d_PUBKEY(keys().rsa.get(), &der_data);
  ASSERT_GT(der_len, 0);
  std::string der(reinterpret_cast<char*>(der_data), static_cast<size_t>(der_len));
  OPENSSL_free(der_data);
  std::string n = *igw::base64UrlDecode(keys().jwks["keys"][0]["n"].get<std::string>());
  for (const std::string& secret : {pem, der, n}) {
    for (const char* kid : {"rsa-1", ""}) {
      json header = {{"alg", "HS256"}};
      if (*kid) header["kid"] = kid;
      std::string input = b64(header.dump()) + "." + b64(goodClaims().dump());
      unsigned char mac[32];
      size_t mac_len = 0;
      ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
                          sizeof mac, &mac_len),
                nullptr);
      std::string tok = input + "." + b64(std::string(reinterpret_cast<char*>(mac), mac_len));
      std::string msg;
      EXPECT_EQ(verify(tok, set, kNow, &msg), JwtError::kUnsupportedAlg);
      EXPECT_EQ(msg, "unsupported algorithm \"HS256\"");
    }
  }
}

TEST(Jwt, RefusesTamperedPayloadAndSignature) {
  igw::JwkSet set = setOf(keys().jwks);
  for (auto [alg, kid, key] : {std::tuple{"RS256", "rsa-1", keys().rsa.get()},
                               {"PS256", "rsa-1", keys().rsa.get()},
                               {"ES256", "p256-1", keys().p256.get()},
                               {"ES384", "p384-1", keys().p384.get()},
                               {"EdDSA", "ed-1", keys().ed.get()}}) {
    std::string tok = token(alg, kid, key);
    ASSERT_EQ(verify(tok, set), JwtError::kNone) << alg;
    // One byte of the payload changed: "user-42" becomes "user-43".
    json claims = goodClaims();
    claims["sub"] = "user-43";
    size_t d1 = tok.find('.'), d2 = tok.rfind('.');
    std::string forged = tok.substr(0, d1 + 1) + b64(claims.dump()) + tok.substr(d2);
    std::string msg;
    EXPECT_EQ(verify(forged, set, kNow, &msg), JwtError::kBadSignature) << alg;
    EXPECT_EQ(msg, "token signature is invalid");
    // One bit of the signature flipped.
    std::string sig = *igw::base64UrlDecode(tok.substr(d2 + 1));
    sig[sig.size() / 2] ^= 0x01;
    EXPECT_EQ(verify(tok.substr(0, d2 + 1) + b64(sig), set), JwtError::kBadSignature) << alg;
  }
}

TEST(Jwt, UnknownKidIsItsOwnKindSoTheCallerCanRefresh) {
  igw::JwkSet set = setOf(keys().jwks);
  std::string msg;
  EXPECT_EQ(verify(token("RS256", "rsa-2", keys().rsa.get()), set, kNow, &msg),
            JwtError::kUnknownKey);
  EXPECT_EQ(msg, "unknown signing key \"rsa-2\"");
}

TEST(Jwt, WithoutKidTheSingleFittingKeyIsUsed) {
  igw::JwkSet set = setOf(keys().jwks);
  json no_kid = {{"alg", "ES384"}};
  EXPECT_EQ(verify(token(no_kid, goodClaims(), "ES384", keys().p384.get()), set), JwtError::kNone);
  // Two RSA keys: no kid is ambiguous, so nothing is tried.
  Pkey rsa2{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})};
  json two = keys().jwks;
  two["keys"].push_back(jwkOf(rsa2.get(), "rsa-2"));
  igw::JwkSet set2 = setOf(two);
  EXPECT_EQ(verify(token(json{{"alg", "RS256"}}, goodClaims(), "RS256", keys().rsa.get()), set2),
            JwtError::kUnknownKey);
  // ...while with a kid the second key verifies its own tokens.
  EXPECT_EQ(verify(token("RS256", "rsa-2", rsa2.get()), set2), JwtError::kNone);
  EXPECT_EQ(verify(token("RS256", "rsa-1", rsa2.get()), set2), JwtError::kBadSignature);
}

TEST(Jwt, KeyTypeAndJwkAlgMustFitTheTokenAlg) {
  igw::JwkSet set = setOf(keys().jwks);
  // An RS256 token naming the P-256 key: refused before any verification.
  std::string msg;
  EXPECT_EQ(verify(token("RS256", "p256-1", keys().rsa.get()), set, kNow, &msg),
            JwtError::kUnsupportedAlg);
  EXPECT_EQ(msg, "signing key \"p256-1\" does not allow algorithm RS256");
  EXPECT_EQ(verify(token("ES384", "p256-1", keys().p256.get()), set), JwtError::kUnsupportedAlg);
  EXPECT_EQ(verify(token("EdDSA", "rsa-1", keys().ed.get()), set), JwtError::kUnsupportedAlg);
  // A JWK pinned to RS384 refuses an RS256 token signed by the very same key.
  json pinned = keys().jwks;
  pinned["keys"][0]["alg"] = "RS384";
  igw::JwkSet pinned_set = setOf(pinned);
  EXPECT_EQ(verify(token("RS256", "rsa-1", keys().rsa.get()), pinned_set),
            JwtError::kUnsupportedAlg);
  EXPECT_EQ(verify(token("RS384", "rsa-1", keys().rsa.get()), pinned_set), JwtError::kNone);
}

TEST(Jwt, Es256SignatureOfTheWrongLengthIsRefused) {
  igw::JwkSet set = setOf(keys().jwks);
  std::string tok = token("ES256", "p256-1", keys().p256.get());
  size_t d2 = tok.rfind('.');
  std::string sig = *igw::base64UrlDecode(tok.substr(d2 + 1));
  for (std::string bad :
       {sig.substr(1), sig + std::string(1, '\0'), std::string(), std::string(2 * 48, '\x01')}) {
    std::string msg;
    EXPECT_EQ(verify(tok.substr(0, d2 + 1) + b64(bad), set, kNow, &msg), JwtError::kMalformed);
    EXPECT_EQ(msg, "token signature has the wrong length for ES256");
  }
  // DER (as OpenSSL emits it) is not the JOSE form either.
  EXPECT_NE(verify(tok.substr(0, d2 + 1) + b64(std::string(70, '\x30')), set), JwtError::kNone);
}

TEST(Jwt, TimeRulesWithLeeway) {
  igw::JwkSet set = setOf(keys().jwks);
  auto with = [&](json patch) {
    json claims = goodClaims();
    claims.merge_patch(patch);
    return token("EdDSA", "ed-1", keys().ed.get(), claims);
  };
  std::string msg;
  EXPECT_EQ(verify(with({{"exp", kNow - 61}}), set, kNow, &msg), JwtError::kExpired);
  EXPECT_EQ(msg, "token expired");
  EXPECT_EQ(verify(with({{"exp", kNow - 60}}), set), JwtError::kExpired);    // exp + leeway == now
  EXPECT_EQ(verify(with({{"exp", kNow - 59}}), set), JwtError::kNone);       // within leeway
  EXPECT_EQ(verify(with({{"exp", kNow - 59.5}}), set), JwtError::kExpired);  // fractions round down
  EXPECT_EQ(verify(with({{"exp", nullptr}}), set), JwtError::kMalformed);
  EXPECT_EQ(verify(with({{"exp", "1900000000"}}), set), JwtError::kMalformed);
  EXPECT_EQ(verify(with({{"exp", 18446744073709551615ull}}), set), JwtError::kNone);

  EXPECT_EQ(verify(with({{"nbf", kNow + 61}}), set, kNow, &msg), JwtError::kNotYetValid);
  EXPECT_EQ(msg, "token not yet valid");
  EXPECT_EQ(verify(with({{"nbf", kNow + 60}}), set), JwtError::kNone);  // within leeway
  EXPECT_EQ(verify(with({{"nbf", kNow - 3600}}), set), JwtError::kNone);
  EXPECT_EQ(verify(with({{"nbf", true}}), set), JwtError::kMalformed);
  EXPECT_EQ(verify(with({{"iat", kNow + 3600}}), set), JwtError::kNotYetValid);
  EXPECT_EQ(verify(with({{"iat", nullptr}}), set), JwtError::kNone);  // merge_patch removes it

  igw::ClaimRules strict = rules();
  strict.leeway = std::chrono::seconds(0);
  json claims = goodClaims();
  claims["exp"] = kNow;
  EXPECT_EQ(igw::checkClaims(claims, strict, kNow).isOk(), false);
  EXPECT_TRUE(igw::checkClaims(claims, strict, kNow - 1).isOk());
}

TEST(Jwt, AudienceAndIssuerRules) {
  igw::JwkSet set = setOf(keys().jwks);
  auto with = [&](const char* name, json value) {
    json claims = goodClaims();
    claims[name] = std::move(value);
    return token("ES256", "p256-1", keys().p256.get(), claims);
  };
  std::string msg;
  EXPECT_EQ(verify(with("aud", "other"), set, kNow, &msg), JwtError::kWrongAudience);
  EXPECT_EQ(msg, "token audience does not include \"inference-gateway\"");
  EXPECT_EQ(verify(with("aud", json::array({"account", kAudience})), set), JwtError::kNone);
  EXPECT_EQ(verify(with("aud", json::array({"account", "other"})), set), JwtError::kWrongAudience);
  EXPECT_EQ(verify(with("aud", json::array()), set), JwtError::kWrongAudience);
  EXPECT_EQ(verify(with("aud", 7), set), JwtError::kWrongAudience);
  EXPECT_EQ(verify(with("iss", "https://evil.example.com/realms/main"), set, kNow, &msg),
            JwtError::kWrongIssuer);
  EXPECT_EQ(msg, "token issuer mismatch");
  EXPECT_EQ(verify(with("iss", std::string(kIssuer) + "/"), set), JwtError::kWrongIssuer);
  EXPECT_EQ(verify(with("iss", nullptr), set), JwtError::kWrongIssuer);
  EXPECT_EQ(verify(with("sub", 42), set), JwtError::kMalformed);

  // Rules without an issuer or an audience fail closed.
  JwtError kind;
  std::string tok = with("sub", "x");
  EXPECT_FALSE(igw::verifyJwt(tok, set, {kIssuer, ""}, kNow, &kind).isOk());
  EXPECT_EQ(kind, JwtError::kWrongAudience);
  EXPECT_FALSE(igw::verifyJwt(tok, set, {"", kAudience}, kNow, &kind).isOk());
  EXPECT_EQ(kind, JwtError::kWrongIssuer);
}

TEST(Jwt, MalformedTokensAreRefused) {
  igw::JwkSet set = setOf(keys().jwks);
  std::string tok = token("RS256", "rsa-1", keys().rsa.get());
  size_t d1 = tok.find('.'), d2 = tok.rfind('.');
  std::string h = tok.substr(0, d1), p = tok.substr(d1 + 1, d2 - d1 - 1), s = tok.substr(d2 + 1);
  std::string deep =
      "{\"alg\":\"RS256\",\"x\":" + std::string(20, '[') + std::string(20, ']') + "}";
  struct Case {
    std::string token;
    const char* message;
  };
  for (const Case& c : {
           Case{h + "." + p, "token is not a JWS of three segments"},
           Case{h + "." + p + "." + s + "." + s, "token is not a JWS of three segments"},
           Case{"", "token is not a JWS of three segments"},
           Case{"..", "token header is not base64url"},
           Case{h + "=." + p + "." + s, "token header is not base64url"},
           Case{h + "." + p + "!." + s, "token payload is not base64url"},
           Case{h + "." + p + "." + s + "=", "token signature is not base64url"},
           Case{b64("not json") + "." + p + "." + s, "token header is not a JSON object"},
           Case{b64("[\"RS256\"]") + "." + p + "." + s, "token header is not a JSON object"},
           Case{h + "." + b64("\"claims\"") + "." + s, "token payload is not a JSON object"},
           Case{b64(deep) + "." + p + "." + s, "token header is nested deeper than 16 levels"},
           Case{b64("{\"kid\":\"rsa-1\"}") + "." + p + "." + s,
                "token header has no \"alg\" string"},
           Case{b64("{\"alg\":\"RS256\",\"kid\":1}") + "." + p + "." + s,
                "token header \"kid\" or \"typ\" is not a string"},
           Case{b64("{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":false}") + "." + p + "." + s,
                "token header has unsupported critical parameters"},
           Case{h + "." + std::string(16 * 1024, 'A') + "." + s,
                "token is longer than 16384 bytes"},
       }) {
    std::string msg;
    EXPECT_EQ(verify(c.token, set, kNow, &msg), JwtError::kMalformed) << c.message;
    EXPECT_EQ(msg, c.message);
  }
  // A larger limit, when the caller configures one, admits the long token's shape.
  igw::JwtLimits big;
  big.max_token_bytes = 64 * 1024;
  EXPECT_TRUE(
      igw::decodeJwt(h + "." + b64("{\"pad\":\"" + std::string(20000, 'x') + "\"}") + "." + s, big)
          .isOk());
}

// One immutable set, many verifying threads (the gateway's workers share one JwkSet).
TEST(Jwt, OneSetVerifiesConcurrently) {
  auto set = std::make_shared<const igw::JwkSet>(setOf(keys().jwks));
  std::vector<std::string> tokens = {
      token("RS256", "rsa-1", keys().rsa.get()), token("PS256", "rsa-1", keys().rsa.get()),
      token("ES256", "p256-1", keys().p256.get()), token("EdDSA", "ed-1", keys().ed.get())};
  std::string forged = tokens[2];
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  std::atomic<int> verified{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string& tok = i % 5 == 4 ? forged : tokens[(t + i) % tokens.size()];
        auto r = igw::verifyJwt(tok, *set, rules(), kNow);
        (r.isOk() ? verified : refused)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(verified.load(), 160);
  EXPECT_EQ(refused.load(), 40);
}

TEST(Jwt, ErrorNamesAreStable) {
  EXPECT_EQ(igw::jwtErrorName(JwtError::kUnknownKey), "unknown_key");
  EXPECT_EQ(igw::jwtErrorName(JwtError::kExpired), "expired");
}

TEST(OidcDiscovery, ReadsTheProviderMetadata) {
  json doc = {{"issuer", kIssuer},
              {"jwks_uri", std::string(kIssuer) + "/protocol/openid-connect/certs"},
              {"authorization_endpoint", std::string(kIssuer) + "/auth"},
              {"token_endpoint", std::string(kIssuer) + "/token"},
              {"id_token_signing_alg_values_supported", {"RS256", "ES256"}},
              {"response_types_supported", {"code"}}};
  auto d = igw::parseDiscovery(doc.dump(), kIssuer);
  ASSERT_TRUE(d.isOk()) << d.status().message();
  EXPECT_EQ(d->issuer, kIssuer);
  EXPECT_EQ(d->jwks_uri, std::string(kIssuer) + "/protocol/openid-connect/certs");
  EXPECT_EQ(d->token_endpoint, std::string(kIssuer) + "/token");
  EXPECT_EQ(d->id_token_signing_alg_values_supported, (std::vector<std::string>{"RS256", "ES256"}));

  json minimal = {{"issuer", "http://localhost:8080"}, {"jwks_uri", "http://localhost:8080/k"}};
  EXPECT_TRUE(igw::parseDiscovery(minimal.dump(), "http://localhost:8080").isOk());
}

TEST(OidcDiscovery, RefusesIssuerMismatchAndBadMembers) {
  json doc = {{"issuer", kIssuer}, {"jwks_uri", "https://idp.example.com/certs"}};
  auto mismatch = igw::parseDiscovery(doc.dump(), std::string(kIssuer) + "/");
  ASSERT_FALSE(mismatch.isOk());
  EXPECT_EQ(mismatch.status().message(), "OIDC discovery issuer mismatch");
  EXPECT_EQ(mismatch.status().code(), igw::Code::kUnavailable);
  auto bad = [&](json patch) {
    json d = doc;
    d.merge_patch(patch);
    return !igw::parseDiscovery(d.dump(), kIssuer).isOk();
  };
  EXPECT_TRUE(bad({{"jwks_uri", "ftp://idp.example.com/certs"}}));
  EXPECT_TRUE(bad({{"jwks_uri", "/certs"}}));
  EXPECT_TRUE(bad({{"jwks_uri", nullptr}}));
  EXPECT_TRUE(bad({{"jwks_uri", 1}}));
  EXPECT_TRUE(bad({{"issuer", 1}}));
  EXPECT_TRUE(bad({{"token_endpoint", 1}}));
  EXPECT_TRUE(bad({{"id_token_signing_alg_values_supported", "RS256"}}));
  EXPECT_TRUE(bad({{"id_token_signing_alg_values_supported", {"RS256", 1}}}));
  EXPECT_FALSE(bad({{"unknown", {{"nested", true}}}}));
  EXPECT_FALSE(igw::parseDiscovery("[]", kIssuer).isOk());
  EXPECT_FALSE(igw::parseDiscovery("{", kIssuer).isOk());
}

}  // namespace
