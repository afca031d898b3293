// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP costs thousands
// of instructions and a lock per digest (context allocation, provider dispatch); hashing a
// 50-byte key on every request needs the plain function. Same implementation underneath.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "auth/api_key.h"

#include <openssl/sha.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace igw {
namespace {

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kHex[] = "0123456789abcdef";

template <size_t N>
std::array<unsigned char, N> randomBytes() {
  std::array<unsigned char, N> out{};
  if (RAND_bytes(out.data(), static_cast<int>(N)) != 1) {
    std::fputs("fatal: OpenSSL RAND_bytes failed; refusing to issue a weak API key\n", stderr);
    std::abort();
  }
  return out;
}

std::string hexOf(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

// Unpadded base64url.
std::string base64Url(const unsigned char* data, size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kBase64Url[(v >> 18) & 63]);
    out.push_back(kBase64Url[(v >> 12) & 63]);
    out.push_back(kBase64Url[(v >> 6) & 63]);
    out.push_back(kBase64Url[v & 63]);
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{data[i]} << 16;
    out.push_back(kBase64Url[(v >> 18) & 63]);
    out.push_back(kBase64Url[(v >> 12) & 63]);
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out.push_back(kBase64Url[(v >> 18) & 63]);
    out.push_back(kBase64Url[(v >> 12) & 63]);
    out.push_back(kBase64Url[(v >> 6) & 63]);
  }
  return out;
}

bool isBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

GeneratedKey generateApiKey() {
  auto bytes = randomBytes<32>();
  GeneratedKey g;
  g.key.reserve(kApiKeyLength);
  g.key.append(kApiKeyPrefix);
  g.key.append(base64Url(bytes.data(), bytes.size()));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  g.hash = hashApiKey(g.key);
  g.prefix = g.key.substr(0, kApiKeyDisplayPrefixLength);
  return g;
}

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  SHA256_CTX ctx;
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, data.data(), data.size()) != 1 ||
      SHA256_Final(out.data(), &ctx) != 1) {
    std::fputs("fatal: OpenSSL SHA-256 failed\n", stderr);
    std::abort();
  }
  return out;
}

std::string hashApiKey(std::string_view key) {
  auto digest = sha256(key);
  return hexOf(digest.data(), digest.size());
}

bool looksLikeGatewayKey(std::string_view text) {
  if (text.size() != kApiKeyLength || !text.starts_with(kApiKeyPrefix)) return false;
  for (char c : text.substr(kApiKeyPrefix.size())) {
    if (!isBase64UrlChar(c)) return false;
  }
  // The last character carries 4 bits of data and 2 zero bits (32 bytes = 256 bits = 42*6 + 4):
  // only characters whose low two bits are zero are canonical. Accepting others would let two
  // texts name the same bytes; the hash is of the text, so that is harmless, but refuse anyway.
  const char last = text.back();
  const auto pos = std::string_view(kBase64Url).find(last);
  return (pos & 3) == 0;
}

std::string newKeyId() {
  auto bytes = randomBytes<8>();
  return "key_" + hexOf(bytes.data(), bytes.size());
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace igw
