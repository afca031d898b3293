// Gateway-issued API keys: generation, hashing and a cheap shape check. Pure (no I/O beyond the
// OpenSSL random generator); the storage of keys is src/store/key_store.h.
//
// A key is "sk-igw-" followed by 43 base64url characters (32 random bytes, 256 bits, no padding).
// Only its SHA-256 is stored. A plain, unsalted hash is the right tool here: salts and slow KDFs
// (bcrypt, scrypt, argon2) defend low-entropy secrets such as passwords against guessing, but a
// key with 256 random bits cannot be guessed whatever the hash costs, and a fast hash lets the
// gateway look a presented key up by its hash in one index probe on every request.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace igw {

inline constexpr std::string_view kApiKeyPrefix = "sk-igw-";
inline constexpr size_t kApiKeyRandomChars = 43;  // base64url of 32 bytes, unpadded
inline constexpr size_t kApiKeyLength = 7 + kApiKeyRandomChars;
inline constexpr size_t kApiKeyDisplayPrefixLength = 12;  // "sk-igw-AbCdE"

struct GeneratedKey {
  std::string key;     // the full secret; shown to the user once, never stored or logged
  std::string hash;    // hashApiKey(key): lowercase hex SHA-256
  std::string prefix;  // first kApiKeyDisplayPrefixLength chars, safe to display and store
};

// A fresh key from OpenSSL's CSPRNG (RAND_bytes). RAND_bytes failing means the process has no
// usable entropy source; that is not recoverable, so it aborts rather than issue a weak key.
GeneratedKey generateApiKey();

// SHA-256 of `data` (OpenSSL, the implementation fetched once per process).
std::array<unsigned char, 32> sha256(std::string_view data);

// Lowercase hex SHA-256 of the key text exactly as given (64 characters).
std::string hashApiKey(std::string_view key);

// True when `text` has the shape of a gateway key (prefix, length, base64url alphabet). Cheap;
// says nothing about whether the key exists.
bool looksLikeGatewayKey(std::string_view text);

// A new public key identifier: "key_" + 16 lowercase hex characters (64 random bits). Not secret.
std::string newKeyId();

// Compares two secrets (or their hashes) in time independent of where they differ. Length is
// not hidden: the callers compare fixed-length values.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace igw
