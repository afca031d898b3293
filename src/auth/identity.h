// Who is calling: set by the auth filter on the Exchange, read by later filters (model access,
// limits and budgets), the access log and the admin API. Immutable once built; shared between
// requests (a cached token or a key's entry), so it is held by shared_ptr to const.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "limits/limit_spec.h"

namespace igw {

class LocalCounters;

// The limits of one key or team with this process's counters for it (limits/local_counters.h),
// which outlive reloads of the key index: a changed key keeps its counts.
struct SubjectLimits {
  std::string id;  // key id or team id
  LimitSpec spec;
  std::shared_ptr<LocalCounters> counters;
};

enum class CredentialKind {
  kAdminKey,    // AUTH_ADMIN_KEY
  kGatewayKey,  // sk-igw-... issued by the admin API
  kOidcToken,   // a JWT from the configured issuer
};

struct Identity {
  CredentialKind kind = CredentialKind::kGatewayKey;
  std::string subject;              // token "sub", or the key id, or "admin"
  std::string key_id;               // gateway keys only
  std::string name;                 // the key's name (gateway keys)
  std::string team;                 // empty: none
  std::vector<std::string> models;  // allowed "provider/model" patterns; empty: every model
  bool admin = false;
  int64_t expires_at = 0;  // unix seconds; 0: does not expire
  // Limits and budgets (docs/limits.md); null when the key (or its team) has none.
  std::shared_ptr<const SubjectLimits> key_limits;
  std::shared_ptr<const SubjectLimits> team_limits;

  std::string_view kindName() const {
    switch (kind) {
      case CredentialKind::kAdminKey:
        return "admin_key";
      case CredentialKind::kGatewayKey:
        return "api_key";
      case CredentialKind::kOidcToken:
        return "oidc";
    }
    return "unknown";
  }
};

// True when `provider/model` is allowed by `patterns` (empty: all). A pattern is "*", an exact
// "provider/model", or a prefix ending in "*" ("openai/*", "anthropic/claude-3-*"). Compared
// case-insensitively, as ALLOWED_MODELS is.
bool modelAllowed(const std::vector<std::string>& patterns, std::string_view provider,
                  std::string_view model);

}  // namespace igw
