#include "limits/limit_spec.h"

#include "core/json_parse.h"

#include <cmath>
#include <ctime>

namespace igw {
namespace {

using nlohmann::json;

constexpr int64_t kMaxCount = int64_t{1} << 40;  // far above any real limit, far below overflow
constexpr double kMaxUsd = 1e9;

constexpr const char* kFields[] = {"rpm", "tpm", "max_parallel", "budget"};

Result<std::optional<int64_t>> readCount(const json& body, const char* name) {
  const json& v = body.at(name);
  if (v.is_null()) return std::optional<int64_t>();
  if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxCount) {
    return invalidArgument(std::string("\"") + name +
                           "\" must be a positive integer (or null to remove the limit)");
  }
  return std::optional<int64_t>(v.get<int64_t>());
}

Result<std::optional<BudgetSpec>> readBudget(const json& v) {
  if (v.is_null()) return std::optional<BudgetSpec>();
  const std::string usage =
      "\"budget\" must be {\"usd\": amount > 0, \"period\": \"day\" | \"week\" | \"month\"} (or "
      "null to remove it)";
  if (!v.is_object()) return invalidArgument(usage);
  for (const auto& [k, _] : v.items()) {
    if (k != "usd" && k != "period")
      return invalidArgument(usage + "; unknown field \"" + k + "\"");
  }
  auto usd = v.find("usd");
  if (usd == v.end() || !usd->is_number()) return invalidArgument(usage);
  const double amount = usd->get<double>();
  if (!std::isfinite(amount) || amount <= 0 || amount > kMaxUsd) {
    return invalidArgument(usage + "; usd must be above 0 and at most 1e9");
  }
  BudgetSpec b;
  b.nano_usd = static_cast<int64_t>(std::llround(amount * static_cast<double>(kNanoPerUsd)));
  if (b.nano_usd < 1) return invalidArgument(usage + "; usd is too small");
  auto period = v.find("period");
  std::string p = period != v.end() && period->is_string() ? period->get<std::string>() : "";
  if (period == v.end()) p = "month";
  if (p == "day") {
    b.period = BudgetPeriod::kDay;
  } else if (p == "week") {
    b.period = BudgetPeriod::kWeek;
  } else if (p == "month") {
    b.period = BudgetPeriod::kMonth;
  } else {
    return invalidArgument(usage);
  }
  return std::optional<BudgetSpec>(b);
}

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {  // H. Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

std::string_view periodName(BudgetPeriod p) {
  switch (p) {
    case BudgetPeriod::kDay:
      return "day";
    case BudgetPeriod::kWeek:
      return "week";
    case BudgetPeriod::kMonth:
      return "month";
  }
  return "month";
}

int64_t periodStart(BudgetPeriod p, int64_t t) {
  const int64_t days = floorDiv(t, 86400);
  switch (p) {
    case BudgetPeriod::kDay:
      return days * 86400;
    case BudgetPeriod::kWeek: {
      // 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) mod 7.
      const int64_t weekday = ((days + 3) % 7 + 7) % 7;
      return (days - weekday) * 86400;
    }
    case BudgetPeriod::kMonth: {
      int64_t y;
      unsigned m, d;
      civilFromDays(days, y, m, d);
      return daysFromCivil(y, m, 1) * 86400;
    }
  }
  return days * 86400;
}

int64_t periodEnd(BudgetPeriod p, int64_t t) {
  const int64_t start = periodStart(p, t);
  switch (p) {
    case BudgetPeriod::kDay:
      return start + 86400;
    case BudgetPeriod::kWeek:
      return start + 7 * 86400;
    case BudgetPeriod::kMonth: {
      int64_t y;
      unsigned m, d;
      civilFromDays(floorDiv(start, 86400), y, m, d);
      if (++m > 12) {
        m = 1;
        ++y;
      }
      return daysFromCivil(y, m, 1) * 86400;
    }
  }
  return start + 86400;
}

bool hasLimitFields(const json& body) {
  if (!body.is_object()) return false;
  for (const char* f : kFields) {
    if (body.contains(f)) return true;
  }
  return false;
}

Result<LimitSpec> parseLimits(const json& body, const LimitSpec* patch) {
  LimitSpec out = patch ? *patch : LimitSpec{};
  if (!body.is_object()) return out;
  if (body.contains("rpm")) {
    auto v = readCount(body, "rpm");
    if (!v) return v.status();
    out.rpm = *v;
  }
  if (body.contains("tpm")) {
    auto v = readCount(body, "tpm");
    if (!v) return v.status();
    out.tpm = *v;
  }
  if (body.contains("max_parallel")) {
    auto v = readCount(body, "max_parallel");
    if (!v) return v.status();
    out.max_parallel = *v;
  }
  if (body.contains("budget")) {
    auto v = readBudget(body.at("budget"));
    if (!v) return v.status();
    out.budget = *v;
  }
  return out;
}

std::string utcTimestamp(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double nanoToUsd(int64_t nano) {
  return static_cast<double>(nano) / static_cast<double>(kNanoPerUsd);
}

json limitsToJson(const LimitSpec& l) {
  json j = json::object();
  if (l.rpm) j["rpm"] = *l.rpm;
  if (l.tpm) j["tpm"] = *l.tpm;
  if (l.max_parallel) j["max_parallel"] = *l.max_parallel;
  if (l.budget) {
    j["budget"] = {{"usd", nanoToUsd(l.budget->nano_usd)},
                   {"period", std::string(periodName(l.budget->period))}};
  }
  return j;
}

std::string encodeLimits(const LimitSpec& l) {
  return limitsToJson(l).dump();
}

Result<LimitSpec> decodeLimits(std::string_view text) {
  if (text.empty()) return LimitSpec{};
  json j = parseJsonOrDiscarded(text);
  if (j.is_discarded() || !j.is_object())
    return internalError("stored limits are not a JSON object");
  return parseLimits(j);
}

}  // namespace igw
