#include "core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "core/json_text.h"

namespace igw {

namespace {

constexpr const char* kNames[] = {"debug", "info", "warn", "error"};

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

void appendValue(std::string& out, const LogField& f, bool json) {
  if (auto* s = std::get_if<std::string_view>(&f.value)) {
    if (json) {
      appendJsonString(out, *s);
    } else {
      out.append(*s);
    }
  } else if (auto* i = std::get_if<int64_t>(&f.value)) {
    out += std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&f.value)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *d);
    out += buf;
  } else {
    out += std::get<bool>(f.value) ? "true" : "false";
  }
}

}  // namespace

void Logger::log(LogLevel level, std::string_view msg, std::span<const LogField> fields) const {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(128);
  if (json_) {
    line += "{\"level\":\"";
    line += kNames[static_cast<int>(level)];
    line += "\",\"ts\":\"" + timestamp() + "\",\"msg\":";
    appendJsonString(line, msg);
    for (const auto& f : fields) {
      line.push_back(',');
      appendJsonString(line, f.key);
      line.push_back(':');
      appendValue(line, f, true);
    }
    line += "}\n";
  } else {
    line += timestamp();
    line.push_back(' ');
    line += kNames[static_cast<int>(level)];
    line.push_back(' ');
    line.append(msg);
    for (const auto& f : fields) {
      line.push_back(' ');
      line.append(f.key);
      line.push_back('=');
      appendValue(line, f, false);
    }
    line.push_back('\n');
  }
  // One write(2) per line keeps lines from different threads whole.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

LogLevel parseLogLevel(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

}  // namespace igw
