// The admin API (docs/auth.md): gateway-issued keys.
//
//   POST   /admin/keys              create -> 201, the secret shown once ("key")
//   GET    /admin/keys              list (never a secret)
//   GET    /admin/keys/{id}
//   PATCH  /admin/keys/{id}         name, team, models, expires_at, metadata, limits
//   /admin/teams[/{id}], /admin/spend: api/admin_limits.cpp
//   DELETE /admin/keys/{id}         revoke (idempotent)
//   POST   /admin/keys/{id}/rotate  a new secret for the same id; the old one stops working
//
// Only an admin identity (AUTH_ADMIN_KEY, or a token with the admin role) gets here; the auth
// filter has already refused callers without a credential. Store operations run on the auth
// service's thread, never on the worker.
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "auth/auth_service.h"
#include "core/json_parse.h"
#include "pipeline/exchange.h"

namespace igw {

namespace {

using nlohmann::json;

const Headers kJson{Header{"Content-Type", "application/json"}};

constexpr size_t kMaxText = 256;
constexpr size_t kMaxModels = 256;

json recordJson(const ApiKeyRecord& r) {
  json j = {{"id", r.id},
            {"object", "api_key"},
            {"name", r.name},
            {"team", r.team},
            {"models", r.models},
            {"metadata", r.metadata},
            {"created_at", r.created_at},
            {"revoked", r.revoked},
            {"prefix", r.prefix}};
  j["expires_at"] = r.expires_at ? json(*r.expires_at) : json(nullptr);
  j["last_used_at"] = r.last_used_at ? json(*r.last_used_at) : json(nullptr);
  j["revoked_at"] = r.revoked_at ? json(*r.revoked_at) : json(nullptr);
  j["limits"] = limitsToJson(r.limits);
  return j;
}

Status textField(const json& v, std::string_view name, std::string& out) {
  if (!v.is_string()) return invalidArgument("'" + std::string(name) + "' must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > kMaxText) {
    return invalidArgument("'" + std::string(name) + "' is longer than " +
                           std::to_string(kMaxText) + " bytes");
  }
  out = s;
  return Status::ok();
}

Status modelsField(const json& v, std::vector<std::string>& out) {
  if (!v.is_array()) {
    return invalidArgument("'models' must be an array of patterns like \"openai/*\"");
  }
  if (v.size() > kMaxModels) {
    return invalidArgument("'models' has more than " + std::to_string(kMaxModels) + " entries");
  }
  out.clear();
  for (const auto& m : v) {
    if (!m.is_string() || m.get_ref<const std::string&>().empty()) {
      return invalidArgument("'models' entries must be non-empty strings like \"openai/gpt-4o\"");
    }
    std::string p;
    if (Status s = textField(m, "models", p); !s) return s;
    out.push_back(std::move(p));
  }
  return Status::ok();
}

Status expiresField(const json& v, std::optional<int64_t>& out) {
  if (v.is_null()) {
    out.reset();
    return Status::ok();
  }
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    return invalidArgument("'expires_at' must be a Unix time in seconds, or null");
  }
  out = v.get<int64_t>();
  return Status::ok();
}

Status metadataField(const json& v) {
  if (!v.is_object()) return invalidArgument("'metadata' must be a JSON object");
  return Status::ok();
}

Result<json> parseBody(const Exchange& ex) {
  if (ex.req.body.empty()) return json::object();
  auto parsed = parseJson(ex.req.body);
  if (!parsed.ok()) return jsonStatus(parsed, Code::kInvalidArgument, "request body");
  if (!parsed.value.is_object()) return invalidArgument("the request body must be a JSON object");
  for (const auto& [k, v] : parsed.value.items()) {
    if (k != "name" && k != "team" && k != "models" && k != "expires_at" && k != "metadata" &&
        k != "rpm" && k != "tpm" && k != "max_parallel" && k != "budget") {
      return invalidArgument("unknown field '" + k +
                             "' (use name, team, models, expires_at, metadata, rpm, tpm, "
                             "max_parallel, budget)");
    }
  }
  return std::move(parsed.value);
}

Result<NewApiKey> newKeyFrom(const json& body) {
  NewApiKey k;
  if (auto it = body.find("name"); it != body.end()) {
    if (Status s = textField(*it, "name", k.name); !s) return s;
  }
  if (auto it = body.find("team"); it != body.end()) {
    if (Status s = textField(*it, "team", k.team); !s) return s;
  }
  if (auto it = body.find("models"); it != body.end()) {
    if (Status s = modelsField(*it, k.models); !s) return s;
  }
  if (auto it = body.find("expires_at"); it != body.end()) {
    if (Status s = expiresField(*it, k.expires_at); !s) return s;
  }
  if (auto it = body.find("metadata"); it != body.end()) {
    if (Status s = metadataField(*it); !s) return s;
    k.metadata = *it;
  }
  auto limits = parseLimits(body);
  if (!limits) return limits.status();
  k.limits = std::move(limits).value();
  return k;
}

Result<ApiKeyPatch> patchFrom(const json& body) {
  ApiKeyPatch p;
  if (auto it = body.find("name"); it != body.end()) {
    std::string v;
    if (Status s = textField(*it, "name", v); !s) return s;
    p.name = std::move(v);
  }
  if (auto it = body.find("team"); it != body.end()) {
    std::string v;
    if (Status s = textField(*it, "team", v); !s) return s;
    p.team = std::move(v);
  }
  if (auto it = body.find("models"); it != body.end()) {
    std::vector<std::string> v;
    if (Status s = modelsField(*it, v); !s) return s;
    p.models = std::move(v);
  }
  if (auto it = body.find("expires_at"); it != body.end()) {
    std::optional<int64_t> v;
    if (Status s = expiresField(*it, v); !s) return s;
    p.expires_at = v;
  }
  if (auto it = body.find("metadata"); it != body.end()) {
    if (Status s = metadataField(*it); !s) return s;
    p.metadata = *it;
  }
  return p;
}

net::awaitable<void> sendJson(Exchange& ex, int status, const json& body) {
  std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  co_await ex.res.send(status, kJson, text);
}

net::awaitable<void> noSuchKey(Exchange& ex, const std::string& id) {
  co_await ex.fail(404, "no API key with id '" + id + "'", "key_not_found");
}

net::awaitable<void> keys(Exchange& ex, AuthService& auth) {
  const std::string& m = ex.req.method;
  if (m == "GET") {
    auto all = co_await auth.listKeys();
    if (!all) {
      co_await ex.fail(all.status());
      co_return;
    }
    json data = json::array();
    for (const auto& r : *all) data.push_back(recordJson(r));
    json list = json::object();  // named: g++ 12 mishandles temporaries in a co_await operand
    list["object"] = "list";
    list["data"] = std::move(data);
    co_await sendJson(ex, 200, list);
    co_return;
  }
  if (m != "POST") {
    co_await ex.fail(405, "use GET or POST for /admin/keys", "method_not_allowed");
    co_return;
  }
  auto body = parseBody(ex);
  if (!body) {
    co_await ex.fail(body.status());
    co_return;
  }
  auto key = newKeyFrom(*body);
  if (!key) {
    co_await ex.fail(key.status());
    co_return;
  }
  auto issued = co_await auth.createKey(std::move(key.value()));
  if (!issued) {
    co_await ex.fail(issued.status());
    co_return;
  }
  json out = recordJson(issued->record);
  out["key"] = issued->key;
  ex.app.log.info("api key created",
                  {{"request_id", ex.info.request_id}, {"key_id", issued->record.id}});
  co_await sendJson(ex, 201, out);
}

net::awaitable<void> oneKey(Exchange& ex, AuthService& auth, std::string id, bool rotate) {
  const std::string& m = ex.req.method;
  if (rotate) {
    if (m != "POST") {
      co_await ex.fail(405, "use POST for /admin/keys/{id}/rotate", "method_not_allowed");
      co_return;
    }
    auto issued = co_await auth.rotateKey(id);
    if (!issued) {
      co_await ex.fail(issued.status());
    } else if (!*issued) {
      co_await noSuchKey(ex, id);
    } else {
      json out = recordJson((*issued)->record);
      out["key"] = (*issued)->key;
      ex.app.log.info("api key rotated", {{"request_id", ex.info.request_id}, {"key_id", id}});
      co_await sendJson(ex, 200, out);
    }
    co_return;
  }
  Result<std::optional<ApiKeyRecord>> rec = std::optional<ApiKeyRecord>();
  if (m == "GET") {
    rec = co_await auth.getKey(id);
  } else if (m == "PATCH") {
    auto body = parseBody(ex);
    if (!body) {
      co_await ex.fail(body.status());
      co_return;
    }
    auto patch = patchFrom(*body);
    if (!patch) {
      co_await ex.fail(patch.status());
      co_return;
    }
    if (hasLimitFields(*body)) {
      // Only the named limit fields change: start from the stored ones.
      auto current = co_await auth.getKey(id);
      if (!current) {
        co_await ex.fail(current.status());
        co_return;
      }
      if (!*current) {
        co_await noSuchKey(ex, id);
        co_return;
      }
      auto limits = parseLimits(*body, &(*current)->limits);
      if (!limits) {
        co_await ex.fail(limits.status());
        co_return;
      }
      patch->limits = std::move(limits).value();
    }
    rec = co_await auth.updateKey(id, std::move(patch.value()));
  } else if (m == "DELETE") {
    rec = co_await auth.revokeKey(id);
    if (rec && *rec) {
      ex.app.log.info("api key revoked", {{"request_id", ex.info.request_id}, {"key_id", id}});
    }
  } else {
    co_await ex.fail(405, "use GET, PATCH or DELETE for /admin/keys/{id}", "method_not_allowed");
    co_return;
  }
  if (!rec) {
    co_await ex.fail(rec.status());
  } else if (!*rec) {
    co_await noSuchKey(ex, id);
  } else {
    json out = recordJson(**rec);
    co_await sendJson(ex, 200, out);
  }
}

}  // namespace

net::awaitable<void> handleAdmin(Exchange& ex) {
  if (ex.app.auth == nullptr) {
    co_await ex.fail(404,
                     "the admin API needs authentication: set AUTH_ENABLED=true and "
                     "AUTH_ADMIN_KEY (or an OIDC admin role)",
                     "not_found");
    co_return;
  }
  if (!ex.identity || !ex.identity->admin) {
    co_await ex.fail(403,
                     "the admin API needs an admin credential (AUTH_ADMIN_KEY or a token "
                     "with the admin role)",
                     "admin_required");
    co_return;
  }
  std::string_view path = ex.req.path();
  if (path.starts_with("/admin/teams") || path.starts_with("/admin/spend")) {
    co_await handleAdminLimits(ex, path.substr(6));
    co_return;
  }
  constexpr std::string_view kKeys = "/admin/keys";
  if (path == kKeys || path == "/admin/keys/") {
    co_await keys(ex, *ex.app.auth);
    co_return;
  }
  if (path.substr(0, kKeys.size() + 1) == "/admin/keys/") {
    std::string_view rest = path.substr(kKeys.size() + 1);
    bool rotate = false;
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
      if (rest.substr(slash) != "/rotate") {
        co_await ex.fail(404, "no route for " + ex.req.method + " " + std::string(path),
                         "not_found");
        co_return;
      }
      rotate = true;
      rest = rest.substr(0, slash);
    }
    if (!rest.empty() && rest.size() <= 64) {
      co_await oneKey(ex, *ex.app.auth, std::string(rest), rotate);
      co_return;
    }
  }
  co_await ex.fail(404, "no route for " + ex.req.method + " " + std::string(path), "not_found");
}

}  // namespace igw
