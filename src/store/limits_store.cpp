#include "store/limits_store.h"

#include <algorithm>
#include <charconv>

#include "store/row_codec.h"

namespace igw {
namespace {

using nlohmann::json;

constexpr std::string_view kTeamColumns = "id, name, limits, metadata, created_at";

int64_t toInt(const SqlValue& v) {
  if (!v) return 0;
  int64_t out = 0;
  const std::string& s = *v;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc()) {
    // SUM over BIGINT in PostgreSQL is numeric and may print "12.0"-free integers only; a
    // decimal point would come from elsewhere: read the integer part.
    double d = 0;
    try {
      d = std::stod(s);
    } catch (...) {
      return 0;
    }
    return static_cast<int64_t>(d);
  }
  return out;
}

std::string str(const SqlValue& v) {
  return v ? *v : std::string();
}

Result<TeamRecord> decodeTeam(const SqlRow& row) {
  TeamRecord t;
  t.id = str(row[0]);
  t.name = str(row[1]);
  auto limits = decodeLimits(str(row[2]));
  if (!limits)
    return Status(limits.status().code(), "team " + t.id + ": " + limits.status().message());
  t.limits = std::move(limits).value();
  auto metadata = store_detail::decodeMetadata(str(row[3]), t.id);
  if (!metadata) return metadata.status();
  t.metadata = std::move(metadata).value();
  t.created_at = toInt(row[4]);
  return t;
}

Status checkText(std::string_view what, std::string_view v, size_t max) {
  if (v.size() > max)
    return invalidArgument(std::string(what) + " is longer than " + std::to_string(max) +
                           " characters");
  if (v.find('\0') != std::string_view::npos)
    return invalidArgument(std::string(what) + " holds a NUL character");
  return Status::ok();
}

// The team `id` inside a transaction; empty when there is none.
Result<std::optional<TeamRecord>> selectTeam(SqlRunner& db, std::string_view id) {
  auto r = db.run("SELECT " + std::string(kTeamColumns) + " FROM teams WHERE id = $1",
                  {std::string(id)});
  if (!r) return r.status();
  if (r->rows.empty()) return std::optional<TeamRecord>();
  auto t = decodeTeam(r->rows[0]);
  if (!t) return t.status();
  return std::optional<TeamRecord>(std::move(t).value());
}

}  // namespace

bool validTeamId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return true;
}

Result<TeamRecord> LimitsStore::createTeam(TeamRecord team) {
  if (!validTeamId(team.id)) {
    return invalidArgument(
        "team \"id\" must be 1-64 characters: letters, digits, '-', '_', '.', ':' or '@'");
  }
  if (auto s = checkText("team \"name\"", team.name, 200); !s) return s;
  if (!team.metadata.is_object()) return invalidArgument("\"metadata\" must be a JSON object");
  team.created_at = store_detail::unixNow();
  Status st = store_.transact(true, [&](SqlRunner& db) -> Status {
    auto existing = db.run("SELECT id FROM teams WHERE id = $1", {team.id});
    if (!existing) return existing.status();
    if (!existing->rows.empty()) return invalidArgument("team " + team.id + " already exists");
    auto r = db.run(
        "INSERT INTO teams (id, name, limits, metadata, created_at) VALUES ($1, $2, $3, $4, $5)",
        {team.id, team.name, encodeLimits(team.limits), team.metadata.dump(),
         std::to_string(team.created_at)});
    return r ? Status::ok() : r.status();
  });
  if (!st) return st;
  return team;
}

Result<std::vector<TeamRecord>> LimitsStore::listTeams() {
  std::vector<TeamRecord> out;
  Status st = store_.transact(false, [&](SqlRunner& db) -> Status {
    auto r =
        db.run("SELECT " + std::string(kTeamColumns) + " FROM teams ORDER BY created_at, id", {});
    if (!r) return r.status();
    for (const auto& row : r->rows) {
      auto t = decodeTeam(row);
      if (!t) return t.status();
      out.push_back(std::move(t).value());
    }
    return Status::ok();
  });
  if (!st) return st;
  return out;
}

Result<std::optional<TeamRecord>> LimitsStore::getTeam(std::string_view id) {
  std::optional<TeamRecord> out;
  Status st = store_.transact(false, [&](SqlRunner& db) -> Status {
    auto t = selectTeam(db, id);
    if (!t) return t.status();
    out = std::move(t).value();
    return Status::ok();
  });
  if (!st) return st;
  return out;
}

Result<std::optional<TeamRecord>> LimitsStore::updateTeam(std::string_view id,
                                                          const TeamPatch& patch) {
  if (patch.name) {
    if (auto s = checkText("team \"name\"", *patch.name, 200); !s) return s;
  }
  if (patch.metadata && !patch.metadata->is_object()) {
    return invalidArgument("\"metadata\" must be a JSON object");
  }
  std::optional<TeamRecord> out;
  Status st = store_.transact(true, [&](SqlRunner& db) -> Status {
    auto t = selectTeam(db, id);
    if (!t) return t.status();
    if (!*t) return Status::ok();
    TeamRecord team = std::move(**t);
    if (patch.name) team.name = *patch.name;
    if (patch.limits) team.limits = *patch.limits;
    if (patch.metadata) team.metadata = *patch.metadata;
    auto u = db.run("UPDATE teams SET name = $1, limits = $2, metadata = $3 WHERE id = $4",
                    {team.name, encodeLimits(team.limits), team.metadata.dump(), team.id});
    if (!u) return u.status();
    out = std::move(team);
    return Status::ok();
  });
  if (!st) return st;
  return out;
}

Result<bool> LimitsStore::deleteTeam(std::string_view id) {
  bool found = false;
  Status st = store_.transact(true, [&](SqlRunner& db) -> Status {
    auto r = db.run("DELETE FROM teams WHERE id = $1", {std::string(id)});
    if (!r) return r.status();
    found = r->changed > 0;
    return Status::ok();
  });
  if (!st) return st;
  return found;
}

Status LimitsStore::appendSpend(const std::vector<SpendRecord>& records) {
  if (records.empty()) return Status::ok();
  static constexpr std::string_view kColumns[] = {"id",
                                                  "request_id",
                                                  "ts_ms",
                                                  "key_id",
                                                  "team",
                                                  "caller",
                                                  "provider",
                                                  "model",
                                                  "prompt_tokens",
                                                  "completion_tokens",
                                                  "cached_tokens",
                                                  "reasoning_tokens",
                                                  "cost_nano",
                                                  "status",
                                                  "latency_ms"};
  BulkInsert b;
  b.table = "spend_log";
  b.columns = kColumns;
  b.skip_duplicates = true;
  b.rows = records.size();
  b.fill = [&records](size_t row, std::span<SqlCell> out) {
    const SpendRecord& r = records[row];
    auto text = [](std::string_view v) { return SqlCell{true, 0, v}; };
    auto num = [](int64_t v) { return SqlCell{false, v, {}}; };
    out[0] = text(r.id);
    out[1] = text(r.request_id);
    out[2] = num(r.ts_ms);
    out[3] = text(r.key_id);
    out[4] = text(r.team);
    out[5] = text(r.caller);
    out[6] = text(r.provider);
    out[7] = text(r.model);
    out[8] = num(r.prompt_tokens);
    out[9] = num(r.completion_tokens);
    out[10] = num(r.cached_tokens);
    out[11] = num(r.reasoning_tokens);
    out[12] = num(r.cost_nano);
    out[13] = num(r.status);
    out[14] = num(r.latency_ms);
  };
  return store_.transact(false, [&](SqlRunner& db) -> Status {
    auto res = db.insertMany(b);
    return res ? Status::ok() : res.status();
  });
}

Result<std::vector<SpendTotal>> LimitsStore::querySpend(const SpendQuery& q) {
  std::string group;
  if (q.group_by == "key") {
    group = "key_id";
  } else if (q.group_by == "team") {
    group = "team";
  } else if (q.group_by == "model") {
    group = "provider || '/' || model";
  } else if (q.group_by == "day") {
    // Integer division: the UTC day's start in unix milliseconds; rendered as a date by the
    // caller.
    group = "(ts_ms / 86400000) * 86400000";
  } else if (!q.group_by.empty()) {
    return invalidArgument("group_by must be key, team, model or day");
  }
  std::string sql = "SELECT " + (group.empty() ? std::string("''") : group) +
                    " AS g, COALESCE(SUM(cost_nano), 0), COUNT(*), COALESCE(SUM(prompt_tokens), "
                    "0), COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cached_tokens), 0), "
                    "COALESCE(SUM(reasoning_tokens), 0) FROM spend_log WHERE 1 = 1";
  std::vector<SqlValue> params;
  auto cond = [&](std::string_view clause, std::string value) {
    params.push_back(std::move(value));
    sql += " AND ";
    sql += clause;
    sql += " $" + std::to_string(params.size());
  };
  if (!q.key_id.empty()) cond("key_id =", q.key_id);
  if (!q.team.empty()) cond("team =", q.team);
  if (!q.model.empty()) {
    // "provider/model" or a bare model name.
    if (q.model.find('/') != std::string::npos) {
      cond("provider || '/' || model =", q.model);
    } else {
      cond("model =", q.model);
    }
  }
  if (q.from_ms) cond("ts_ms >=", std::to_string(*q.from_ms));
  if (q.to_ms) cond("ts_ms <", std::to_string(*q.to_ms));
  if (!group.empty()) sql += " GROUP BY g ORDER BY g";
  std::vector<SpendTotal> out;
  Status st = store_.transact(false, [&](SqlRunner& db) -> Status {
    auto r = db.run(sql, params);
    if (!r) return r.status();
    for (const auto& row : r->rows) {
      SpendTotal t;
      t.group = str(row[0]);
      t.cost_nano = toInt(row[1]);
      t.requests = toInt(row[2]);
      t.prompt_tokens = toInt(row[3]);
      t.completion_tokens = toInt(row[4]);
      t.cached_tokens = toInt(row[5]);
      t.reasoning_tokens = toInt(row[6]);
      if (group.empty() && t.requests == 0) t.group.clear();
      out.push_back(std::move(t));
    }
    return Status::ok();
  });
  if (!st) return st;
  return out;
}

Result<int64_t> LimitsStore::spendSince(std::string_view value, bool team, int64_t from_ms) {
  int64_t total = 0;
  const std::string sql =
      team ? "SELECT COALESCE(SUM(cost_nano), 0) FROM spend_log WHERE team = $1 AND ts_ms >= $2"
           : "SELECT COALESCE(SUM(cost_nano), 0) FROM spend_log WHERE key_id = $1 AND ts_ms >= $2";
  Status st = store_.transact(false, [&](SqlRunner& db) -> Status {
    auto r = db.run(sql, {std::string(value), std::to_string(from_ms)});
    if (!r) return r.status();
    if (!r->rows.empty()) total = toInt(r->rows[0][0]);
    return Status::ok();
  });
  if (!st) return st;
  return total;
}

}  // namespace igw
