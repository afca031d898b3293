#include "store/limits_store.h"

#include <algorithm>
#include <charconv>
#include <span>
#include <thread>
#include <tuple>
#include <unordered_map>

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

namespace {

constexpr std::string_view kSpendColumns[] = {"id",
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

constexpr std::string_view kRollupColumns[] = {
    "ts_s",          "key_id",           "team",          "provider",
    "model",         "requests",         "prompt_tokens", "completion_tokens",
    "cached_tokens", "reasoning_tokens", "cost_nano"};

constexpr std::string_view kRollupUpsert =
    "ON CONFLICT (key_id, ts_s, team, provider, model) DO UPDATE SET "
    "requests = spend_rollup.requests + excluded.requests, "
    "prompt_tokens = spend_rollup.prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = spend_rollup.completion_tokens + excluded.completion_tokens, "
    "cached_tokens = spend_rollup.cached_tokens + excluded.cached_tokens, "
    "reasoning_tokens = spend_rollup.reasoning_tokens + excluded.reasoning_tokens, "
    "cost_nano = spend_rollup.cost_nano + excluded.cost_nano";

constexpr size_t kRowsPerChunk = 256;

SqlCell text(std::string_view v) {
  return SqlCell{true, 0, v};
}
SqlCell num(int64_t v) {
  return SqlCell{false, v, {}};
}

// The second of a millisecond time, as the SQL of migration 4 and PostgreSQL's trigger compute it.
int64_t secondOf(int64_t ts_ms) {
  return ts_ms / 1000;
}

// One rollup row: a (second, key, team, provider, model) group of a batch and its sums.
struct RollupGroup {
  int64_t ts_s = 0;
  std::string_view key_id, team, provider, model;
  int64_t requests = 0, prompt_tokens = 0, completion_tokens = 0, cached_tokens = 0,
          reasoning_tokens = 0, cost_nano = 0;

  bool holds(const SpendRow& r) const {
    return ts_s == secondOf(r.ts_ms) && key_id == r.key_id && model == r.model &&
           provider == r.provider && team == r.team;
  }
  void add(const SpendRow& r) {
    ++requests;
    prompt_tokens += r.prompt_tokens;
    completion_tokens += r.completion_tokens;
    cached_tokens += r.cached_tokens;
    reasoning_tokens += r.reasoning_tokens;
    cost_nano += r.cost_nano;
  }
};

struct GroupHash {
  size_t operator()(const RollupGroup& g) const {
    std::hash<std::string_view> h;
    size_t v = std::hash<int64_t>()(g.ts_s);
    for (std::string_view s : {g.key_id, g.team, g.provider, g.model}) {
      v ^= h(s) + 0x9e3779b97f4a7c15ULL + (v << 6) + (v >> 2);
    }
    return v;
  }
};
struct GroupEq {
  bool operator()(const RollupGroup& a, const RollupGroup& b) const {
    return a.ts_s == b.ts_s && a.key_id == b.key_id && a.team == b.team &&
           a.provider == b.provider && a.model == b.model;
  }
};

// The batch's groups. Consecutive records mostly share one (a busy key calling one model), so
// the previous group is tried before the hash set.
std::vector<RollupGroup> rollUp(std::span<const SpendRow> records) {
  std::vector<RollupGroup> groups;
  std::unordered_map<RollupGroup, size_t, GroupHash, GroupEq> index;
  size_t last = 0;
  for (const SpendRow& r : records) {
    if (groups.empty() || !groups[last].holds(r)) {
      RollupGroup g;
      g.ts_s = secondOf(r.ts_ms);
      g.key_id = r.key_id;
      g.team = r.team;
      g.provider = r.provider;
      g.model = r.model;
      auto [it, fresh] = index.try_emplace(g, groups.size());
      if (fresh) groups.push_back(g);
      last = it->second;
    }
    groups[last].add(r);
  }
  return groups;
}

// Writes records into the log. SQLite: the log has no unique key (ids are unique by
// construction; appendJournal skips repeated journal records), and the rollup is upserted here.
// PostgreSQL: the log keeps its id key (rows already stored are skipped) and its trigger keeps the
// rollup; the batch goes in rollup-key order so that concurrent writers lock rollup rows in one
// order.
Status insertSpend(SqlRunner& db, std::span<const SpendRow> records) {
  if (records.empty()) return Status::ok();
  std::vector<uint32_t> order;
  if (db.isPostgres()) {
    order.resize(records.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      const SpendRow& x = records[a];
      const SpendRow& y = records[b];
      return std::forward_as_tuple(x.key_id, secondOf(x.ts_ms), x.team, x.provider, x.model) <
             std::forward_as_tuple(y.key_id, secondOf(y.ts_ms), y.team, y.provider, y.model);
    });
  }
  BulkInsert b;
  b.table = "spend_log";
  b.columns = kSpendColumns;
  if (db.isPostgres()) b.on_conflict = "ON CONFLICT DO NOTHING";
  size_t base = 0;  // the chunk's first record
  b.fill = [&records, &order, &base](size_t row, std::span<SqlCell> out) {
    row += base;
    const SpendRow& r = records[order.empty() ? row : order[row]];
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
  // In chunks, giving the CPU up between them: the writer usually shares a core with request
  // workers, and a second's batch written in one go (tens of milliseconds) would hold their
  // answers back for that long. Still one transaction.
  for (; base < records.size(); base += b.rows) {
    if (base > 0) std::this_thread::yield();
    b.rows = std::min(kRowsPerChunk, records.size() - base);
    if (auto res = db.insertMany(b); !res) return res.status();
  }
  if (db.isPostgres()) return Status::ok();

  const std::vector<RollupGroup> groups = rollUp(records);
  BulkInsert u;
  u.table = "spend_rollup";
  u.columns = kRollupColumns;
  u.on_conflict = kRollupUpsert;
  u.rows = groups.size();
  u.fill = [&groups](size_t row, std::span<SqlCell> out) {
    const RollupGroup& g = groups[row];
    out[0] = num(g.ts_s);
    out[1] = text(g.key_id);
    out[2] = text(g.team);
    out[3] = text(g.provider);
    out[4] = text(g.model);
    out[5] = num(g.requests);
    out[6] = num(g.prompt_tokens);
    out[7] = num(g.completion_tokens);
    out[8] = num(g.cached_tokens);
    out[9] = num(g.reasoning_tokens);
    out[10] = num(g.cost_nano);
  };
  auto res = db.insertMany(u);
  return res ? Status::ok() : res.status();
}

}  // namespace

SpendRecord SpendRecord::of(const SpendRow& r) {
  SpendRecord o;
  copySpend(r, o, [](std::string_view v) { return std::string(v); });
  return o;
}

SpendRow SpendRecord::row() const {
  SpendRow r;
  copySpend(*this, r, [](const std::string& v) { return std::string_view(v); });
  return r;
}

namespace {
std::vector<SpendRow> rowsOf(const std::vector<SpendRecord>& records) {
  std::vector<SpendRow> rows;
  rows.reserve(records.size());
  for (const SpendRecord& r : records) rows.push_back(r.row());
  return rows;
}
}  // namespace

Status LimitsStore::appendSpend(std::span<const SpendRow> records) {
  if (records.empty()) return Status::ok();
  return store_.transact(false, [&](SqlRunner& db) { return insertSpend(db, records); });
}

Status LimitsStore::appendSpend(const std::vector<SpendRecord>& records) {
  const std::vector<SpendRow> rows = rowsOf(records);
  return appendSpend(std::span<const SpendRow>(rows));
}

Status LimitsStore::appendJournal(const std::vector<SpendRecord>& records) {
  const std::vector<SpendRow> rows = rowsOf(records);
  return appendJournal(std::span<const SpendRow>(rows));
}

Status LimitsStore::appendJournal(std::span<const SpendRow> records) {
  if (records.empty()) return Status::ok();
  return store_.transact(false, [&](SqlRunner& db) -> Status {
    auto mark = db.run("SELECT last_id FROM spend_journal_mark WHERE id = 1", {});
    if (!mark) return mark.status();
    size_t from = 0;
    if (!mark->rows.empty() && mark->rows[0][0]) {
      const std::string& last = *mark->rows[0][0];
      for (size_t i = 0; i < records.size(); ++i) {
        if (records[i].id == last) {
          from = i + 1;
          break;
        }
      }
    }
    const auto fresh = records.subspan(from);
    if (fresh.empty()) return Status::ok();
    if (Status s = insertSpend(db, fresh); !s) return s;
    auto moved = db.run(
        "INSERT INTO spend_journal_mark (id, last_id) VALUES (1, $1) "
        "ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id",
        {std::string(records.back().id)});
    return moved ? Status::ok() : moved.status();
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
    // Integer division: the UTC day's start in unix seconds; rendered as a date by the caller.
    group = "(ts_s / 86400) * 86400";
  } else if (!q.group_by.empty()) {
    return invalidArgument("group_by must be key, team, model or day");
  }
  std::string sql = "SELECT " + (group.empty() ? std::string("''") : group) +
                    " AS g, COALESCE(SUM(cost_nano), 0), COALESCE(SUM(requests), 0), "
                    "COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
                    "COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(reasoning_tokens), 0) "
                    "FROM spend_rollup WHERE 1 = 1";
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
  if (q.from_s) cond("ts_s >=", std::to_string(*q.from_s));
  if (q.to_s) cond("ts_s <", std::to_string(*q.to_s));
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

Result<int64_t> LimitsStore::spendSince(std::string_view value, bool team, int64_t from_s) {
  int64_t total = 0;
  const std::string sql =
      team ? "SELECT COALESCE(SUM(cost_nano), 0) FROM spend_rollup WHERE team = $1 AND ts_s >= $2"
           : "SELECT COALESCE(SUM(cost_nano), 0) FROM spend_rollup WHERE key_id = $1 AND ts_s >= "
             "$2";
  Status st = store_.transact(false, [&](SqlRunner& db) -> Status {
    auto r = db.run(sql, {std::string(value), std::to_string(from_s)});
    if (!r) return r.status();
    if (!r->rows.empty()) total = toInt(r->rows[0][0]);
    return Status::ok();
  });
  if (!st) return st;
  return total;
}

}  // namespace igw
