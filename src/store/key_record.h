// The stored form of a gateway-issued API key and the two inputs that change it (a new key, a
// patch). Plain data; see key_store.h for the storage contract.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "limits/limit_spec.h"

namespace igw {

struct ApiKeyRecord {
  std::string id;    // "key_" + 16 hex, public, stable across rotation
  std::string name;  // free text, stored verbatim
  std::string team;  // "" when the key belongs to no team
  // Model patterns the key may use: "openai/*", "anthropic/claude-3-haiku", "*".
  // Empty = every model (auth/identity.h modelAllowed).
  std::vector<std::string> models;
  std::optional<int64_t> expires_at;  // unix seconds; none = never expires
  nlohmann::json metadata = nlohmann::json::object();
  int64_t created_at = 0;  // unix seconds
  std::optional<int64_t> last_used_at;
  bool revoked = false;
  std::optional<int64_t> revoked_at;
  std::string hash;    // lowercase hex SHA-256 of the secret (auth/api_key.h); never the secret
  std::string prefix;  // first characters of the secret, for display ("sk-igw-AbCdE")
  LimitSpec limits;    // the key's own limits (its team's apply too); empty: none
};

struct NewApiKey {
  std::string name;
  std::string team;
  std::vector<std::string> models;
  std::optional<int64_t> expires_at;
  nlohmann::json metadata = nlohmann::json::object();  // must be a JSON object
  LimitSpec limits;
};

// Fields left empty are kept. expires_at: engaged nullopt clears the expiry.
struct ApiKeyPatch {
  std::optional<std::string> name;
  std::optional<std::string> team;
  std::optional<std::vector<std::string>> models;
  std::optional<std::optional<int64_t>> expires_at;
  std::optional<nlohmann::json> metadata;  // replaces the whole object (no merge)
  std::optional<LimitSpec> limits;         // replaces the whole set
};

}  // namespace igw
