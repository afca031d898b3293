#include "core/duration.h"

#include <cmath>
#include <cstdlib>

namespace igw {

namespace {

struct Unit {
  std::string_view name;
  double millis;
};

// Longest names first so "ms" is not read as "m".
constexpr Unit kUnits[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\xC2\xB5s", 1e-3}, {"ms", 1.0},
                           {"s", 1e3},   {"m", 6e4},   {"h", 3.6e6}};

}  // namespace

Result<Millis> parseDuration(std::string_view text) {
  if (text.empty()) return invalidArgument("empty duration");
  std::string_view s = text;
  bool all_digits = s.find_first_not_of("0123456789") == std::string_view::npos;
  if (all_digits) {
    if (s.size() > 9) return invalidArgument("duration too large: '" + std::string(text) + "'");
    return Millis(std::atoll(std::string(s).c_str()) * 1000);
  }
  double total = 0;
  if (s == "0") return Millis(0);
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0 || i > 15) {
      return invalidArgument("invalid duration '" + std::string(text) +
                             "' (use Go syntax such as 500ms, 30s, 2m, 1h)");
    }
    std::string num(s.substr(0, i));
    char* end = nullptr;
    double value = std::strtod(num.c_str(), &end);
    if (end != num.c_str() + num.size()) {
      return invalidArgument("invalid number in duration '" + std::string(text) + "'");
    }
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name) {
        // "m" must not swallow the "m" of "ms".
        if (u.name == "m" && s.size() > 1 && s[1] == 's') continue;
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return invalidArgument("missing or unknown unit in duration '" + std::string(text) +
                             "' (valid units: ns, us, ms, s, m, h)");
    }
    s.remove_prefix(unit->name.size());
    total += value * unit->millis;
  }
  if (total > 1e12) return invalidArgument("duration too large: '" + std::string(text) + "'");
  return Millis(static_cast<int64_t>(std::llround(total)));
}

std::string formatDuration(Millis d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  auto secs = ms / 1000;
  if (secs < 60) return std::to_string(secs) + "s";
  auto mins = secs / 60;
  secs %= 60;
  if (mins < 60) return std::to_string(mins) + "m" + std::to_string(secs) + "s";
  return std::to_string(mins / 60) + "h" + std::to_string(mins % 60) + "m" + std::to_string(secs) +
         "s";
}

}  // namespace igw
