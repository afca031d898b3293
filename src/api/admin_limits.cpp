// Limits and budgets in the API (docs/limits.md):
//
//   POST   /admin/teams            create {id, name, metadata, rpm, tpm, max_parallel, budget}
//   GET    /admin/teams            list
//   GET    /admin/teams/{id}
//   PATCH  /admin/teams/{id}       the named fields change (a limit set to null is removed)
//   DELETE /admin/teams/{id}       its keys keep their team name but lose the team's limits
//   GET    /admin/spend?key=&team=&model=&from=&to=&group_by=key|team|model|day
//   GET    /v1/key                 the caller's own key: limits, usage, budget left, spend
//
// Store work runs on the auth service's thread (AuthService::withStore).
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "api/app.h"
#include "auth/auth_service.h"
#include "core/json_parse.h"
#include "limits/limits_service.h"
#include "limits/local_counters.h"
#include "pipeline/exchange.h"
#include "store/limits_store.h"

namespace igw {
namespace {

using nlohmann::json;

const Headers kJson{Header{"Content-Type", "application/json"}};

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

net::awaitable<void> sendJson(Exchange& ex, int status, const json& body) {
  std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  co_await ex.res.send(status, kJson, text);
}

json teamJson(const TeamRecord& t) {
  json j = {{"id", t.id},
            {"object", "team"},
            {"name", t.name},
            {"metadata", t.metadata},
            {"created_at", t.created_at}};
  j["limits"] = limitsToJson(t.limits);
  return j;
}

Result<json> parseObject(const Exchange& ex, std::initializer_list<std::string_view> allowed) {
  if (ex.req.body.empty()) return json::object();
  auto parsed = parseJson(ex.req.body);
  if (!parsed.ok()) return jsonStatus(parsed, Code::kInvalidArgument, "request body");
  if (!parsed.value.is_object()) return invalidArgument("the request body must be a JSON object");
  for (const auto& [k, v] : parsed.value.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return invalidArgument("unknown field '" + k + "' (use " + list + ")");
    }
  }
  return std::move(parsed.value);
}

Status teamText(const json& body, const char* field, std::optional<std::string>& out) {
  auto it = body.find(field);
  if (it == body.end()) return Status::ok();
  if (!it->is_string()) return invalidArgument(std::string("'") + field + "' must be a string");
  out = it->get<std::string>();
  return Status::ok();
}

net::awaitable<void> teams(Exchange& ex, AuthService& auth, std::string_view id) {
  const std::string& m = ex.req.method;
  if (id.empty()) {
    if (m == "GET") {
      std::vector<TeamRecord> all;
      auto fn = [&all](KeyStore& store) -> Status {
        auto r = LimitsStore(store).listTeams();
        if (!r) return r.status();
        all = std::move(r).value();
        return Status::ok();
      };
      Status st = co_await auth.withStore(std::move(fn), false);
      if (!st) {
        co_await ex.fail(st);
        co_return;
      }
      json data = json::array();
      for (const auto& t : all) data.push_back(teamJson(t));
      json list = json::object();
      list["object"] = "list";
      list["data"] = std::move(data);
      co_await sendJson(ex, 200, list);
      co_return;
    }
    if (m != "POST") {
      co_await ex.fail(405, "use GET or POST for /admin/teams", "method_not_allowed");
      co_return;
    }
    auto body = parseObject(ex, {"id", "name", "metadata", "rpm", "tpm", "max_parallel", "budget"});
    if (!body) {
      co_await ex.fail(body.status());
      co_return;
    }
    TeamRecord t;
    std::optional<std::string> tid, name;
    Status st = teamText(*body, "id", tid);
    if (st) st = teamText(*body, "name", name);
    if (st && !tid) st = invalidArgument("'id' is required: the team name keys carry in \"team\"");
    auto limits = parseLimits(*body);
    if (st && !limits) st = limits.status();
    if (st && body->contains("metadata")) {
      if (!body->at("metadata").is_object()) {
        st = invalidArgument("'metadata' must be a JSON object");
      } else {
        t.metadata = body->at("metadata");
      }
    }
    if (!st) {
      co_await ex.fail(st);
      co_return;
    }
    t.id = *tid;
    t.name = name.value_or("");
    t.limits = std::move(limits).value();
    TeamRecord created;
    auto fn = [&t, &created](KeyStore& store) -> Status {
      auto r = LimitsStore(store).createTeam(t);
      if (!r) return r.status();
      created = std::move(r).value();
      return Status::ok();
    };
    st = co_await auth.withStore(std::move(fn), true);
    if (!st) {
      co_await ex.fail(st);
      co_return;
    }
    ex.app.log.info("team created", {{"request_id", ex.info.request_id}, {"team", created.id}});
    json out = teamJson(created);
    co_await sendJson(ex, 201, out);
    co_return;
  }

  const std::string team_id(id);
  std::optional<TeamRecord> found;
  Status st;
  if (m == "GET") {
    auto fn = [&](KeyStore& store) -> Status {
      auto r = LimitsStore(store).getTeam(team_id);
      if (!r) return r.status();
      found = std::move(r).value();
      return Status::ok();
    };
    st = co_await auth.withStore(std::move(fn), false);
  } else if (m == "PATCH") {
    auto body = parseObject(ex, {"name", "metadata", "rpm", "tpm", "max_parallel", "budget"});
    if (!body) {
      co_await ex.fail(body.status());
      co_return;
    }
    TeamPatch patch;
    st = teamText(*body, "name", patch.name);
    if (st && body->contains("metadata")) patch.metadata = body->at("metadata");
    if (!st) {
      co_await ex.fail(st);
      co_return;
    }
    json patch_body = *body;
    auto fn = [&](KeyStore& store) -> Status {
      LimitsStore ls(store);
      if (hasLimitFields(patch_body)) {
        auto current = ls.getTeam(team_id);
        if (!current) return current.status();
        if (!*current) return Status::ok();
        auto limits = parseLimits(patch_body, &(*current)->limits);
        if (!limits) return limits.status();
        patch.limits = std::move(limits).value();
      }
      auto r = ls.updateTeam(team_id, patch);
      if (!r) return r.status();
      found = std::move(r).value();
      return Status::ok();
    };
    st = co_await auth.withStore(std::move(fn), true);
  } else if (m == "DELETE") {
    bool deleted = false;
    auto fn = [&](KeyStore& store) -> Status {
      auto current = LimitsStore(store).getTeam(team_id);
      if (!current) return current.status();
      found = std::move(current).value();
      auto r = LimitsStore(store).deleteTeam(team_id);
      if (!r) return r.status();
      deleted = *r;
      return Status::ok();
    };
    st = co_await auth.withStore(std::move(fn), true);
    if (st && deleted) {
      ex.app.log.info("team deleted", {{"request_id", ex.info.request_id}, {"team", team_id}});
    }
  } else {
    co_await ex.fail(405, "use GET, PATCH or DELETE for /admin/teams/{id}", "method_not_allowed");
    co_return;
  }
  if (!st) {
    co_await ex.fail(st);
  } else if (!found) {
    co_await ex.fail(404, "no team with id '" + team_id + "'", "team_not_found");
  } else {
    json out = teamJson(*found);
    if (m == "DELETE") out["deleted"] = true;
    co_await sendJson(ex, 200, out);
  }
}

// from / to: unix seconds, or an ISO date "2026-12-01" (UTC midnight).
Result<std::optional<int64_t>> timeParam(std::string_view v, const char* name) {
  if (v.empty()) return std::optional<int64_t>();
  int y = 0, mo = 0, d = 0;
  char tail = 0;
  const std::string s(v);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3 && mo >= 1 && mo <= 12 &&
      d >= 1 && d <= 31) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    return std::optional<int64_t>(static_cast<int64_t>(timegm(&tm)));
  }
  int64_t secs = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), secs);
  if (ec == std::errc() && p == s.data() + s.size() && secs >= 0) {
    return std::optional<int64_t>(secs);
  }
  return invalidArgument(std::string("'") + name +
                         "' must be a date (2026-12-01, UTC) or a Unix time in seconds");
}

json totalJson(const SpendTotal& t) {
  return {{"usd", nanoToUsd(t.cost_nano)},
          {"requests", t.requests},
          {"tokens",
           {{"input", t.prompt_tokens},
            {"output", t.completion_tokens},
            {"cached_input", t.cached_tokens},
            {"reasoning", t.reasoning_tokens},
            {"total", t.prompt_tokens + t.completion_tokens}}}};
}

net::awaitable<void> spend(Exchange& ex, AuthService& auth) {
  if (ex.req.method != "GET") {
    co_await ex.fail(405, "use GET for /admin/spend", "method_not_allowed");
    co_return;
  }
  SpendQuery q;
  std::string from, to;
  Status st;
  q.key_id = ex.req.queryParam("key");
  q.team = ex.req.queryParam("team");
  q.model = ex.req.queryParam("model");
  q.group_by = ex.req.queryParam("group_by");
  from = ex.req.queryParam("from");
  to = ex.req.queryParam("to");
  if (st && !q.group_by.empty() && q.group_by != "key" && q.group_by != "team" &&
      q.group_by != "model" && q.group_by != "day") {
    st = invalidArgument("group_by must be key, team, model or day");
  }
  auto f = timeParam(from, "from");
  auto t = timeParam(to, "to");
  if (st && !f) st = f.status();
  if (st && !t) st = t.status();
  if (!st) {
    co_await ex.fail(st);
    co_return;
  }
  q.from_s = *f;
  q.to_s = *t;
  std::vector<SpendTotal> rows;
  auto fn = [&](KeyStore& store) -> Status {
    auto r = LimitsStore(store).querySpend(q);
    if (!r) return r.status();
    rows = std::move(r).value();
    return Status::ok();
  };
  st = co_await auth.withStore(std::move(fn), false);
  if (!st) {
    co_await ex.fail(st);
    co_return;
  }
  json out = json::object();
  out["object"] = "spend";
  SpendTotal all;
  json groups = json::array();
  for (const auto& r : rows) {
    all.cost_nano += r.cost_nano;
    all.requests += r.requests;
    all.prompt_tokens += r.prompt_tokens;
    all.completion_tokens += r.completion_tokens;
    all.cached_tokens += r.cached_tokens;
    all.reasoning_tokens += r.reasoning_tokens;
    if (!q.group_by.empty()) {
      json g = totalJson(r);
      if (q.group_by == "day") {
        int64_t day = 0;
        std::from_chars(r.group.data(), r.group.data() + r.group.size(), day);
        g["group"] = utcTimestamp(day).substr(0, 10);
      } else {
        g["group"] = r.group;
      }
      groups.push_back(std::move(g));
    }
  }
  out["total"] = totalJson(all);
  if (!q.group_by.empty()) {
    out["group_by"] = q.group_by;
    out["groups"] = std::move(groups);
  }
  co_await sendJson(ex, 200, out);
}

}  // namespace

net::awaitable<void> handleAdminLimits(Exchange& ex, std::string_view rest) {
  AuthService& auth = *ex.app.auth;
  if (rest == "/spend" || rest == "/spend/") {
    co_await spend(ex, auth);
    co_return;
  }
  if (rest == "/teams" || rest == "/teams/") {
    const std::string_view none;
    co_await teams(ex, auth, none);
    co_return;
  }
  if (rest.starts_with("/teams/")) {
    std::string_view id = rest.substr(7);
    if (!id.empty() && id.find('/') == std::string_view::npos && id.size() <= 64) {
      co_await teams(ex, auth, id);
      co_return;
    }
  }
  co_await ex.fail(404, "no route for " + ex.req.method + " /admin" + std::string(rest),
                   "not_found");
}

namespace {

net::awaitable<json> subjectJson(Exchange& ex, const SubjectLimits& s, bool team) {
  json j = limitsToJson(s.spec);
  const int64_t now = nowMs();
  SharedLimiter::SubjectUsage u;
  if (SharedLimiter* shared = ex.app.limits ? ex.app.limits->shared() : nullptr) {
    auto r = co_await shared->usage(s, team, now, ex.ctx.worker);
    if (r) u = *r;
  } else {
    auto l = s.counters->usage(s.spec, now);
    u = {l.requests, l.tokens, l.in_flight, l.spent_nano, l.reserved_nano};
  }
  json usage = json::object();
  if (s.spec.rpm) usage["requests_last_minute"] = u.requests;
  if (s.spec.tpm) usage["tokens_last_minute"] = u.tokens;
  if (s.spec.max_parallel) usage["in_flight"] = u.in_flight;
  j["usage"] = std::move(usage);
  if (s.spec.budget) {
    const int64_t secs = now / 1000;
    j["budget"]["spent_usd"] = nanoToUsd(u.spent_nano);
    j["budget"]["reserved_usd"] = nanoToUsd(u.reserved_nano);
    j["budget"]["remaining_usd"] =
        nanoToUsd(std::max<int64_t>(0, s.spec.budget->nano_usd - u.spent_nano - u.reserved_nano));
    j["budget"]["period_start"] = utcTimestamp(periodStart(s.spec.budget->period, secs));
    j["budget"]["resets_at"] = utcTimestamp(periodEnd(s.spec.budget->period, secs));
  }
  co_return j;
}

}  // namespace

net::awaitable<void> handleKeyInfo(Exchange& ex) {
  if (!ex.identity) {
    co_await ex.fail(404, "/v1/key describes the caller's gateway key: it needs AUTH_ENABLED=true",
                     "not_found");
    co_return;
  }
  const Identity& who = *ex.identity;
  json out = json::object();
  out["object"] = "key_info";
  out["credential"] = std::string(who.kindName());
  out["id"] = who.key_id.empty() ? who.subject : who.key_id;
  out["name"] = who.name;
  out["team"] = who.team.empty() ? json(nullptr) : json(who.team);
  out["models"] = who.models;
  out["expires_at"] = who.expires_at ? json(who.expires_at) : json(nullptr);
  if (who.key_limits) {
    out["limits"] = co_await subjectJson(ex, *who.key_limits, false);
  } else {
    out["limits"] = json::object();
  }
  if (who.team_limits) {
    out["team_limits"] = co_await subjectJson(ex, *who.team_limits, true);
  } else {
    out["team_limits"] = json::object();
  }
  if (!who.key_id.empty() && ex.app.auth != nullptr) {
    // This month's spend from the spend log (written every SPEND_LOG_FLUSH_INTERVAL).
    const int64_t start = periodStart(BudgetPeriod::kMonth, nowMs() / 1000);
    SpendQuery q;
    q.key_id = who.key_id;
    q.from_s = start;
    std::vector<SpendTotal> rows;
    auto fn = [&](KeyStore& store) -> Status {
      auto r = LimitsStore(store).querySpend(q);
      if (!r) return r.status();
      rows = std::move(r).value();
      return Status::ok();
    };
    Status st = co_await ex.app.auth->withStore(std::move(fn), false);
    if (st && !rows.empty()) {
      out["spend_this_month"] = totalJson(rows[0]);
      out["spend_this_month"]["since"] = utcTimestamp(start);
    }
  }
  co_await sendJson(ex, 200, out);
}

}  // namespace igw
