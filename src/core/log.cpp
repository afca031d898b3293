#include "core/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "core/safe_text.h"

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

// A string from anywhere (often a client): escaped for the format, cut to `max` bytes.
void appendText(std::string& out, std::string_view s, size_t max, bool json) {
  if (json) out.push_back('"');
  size_t cut = appendSafeText(out, s, max, json ? TextStyle::kJson : TextStyle::kEscape);
  if (cut != 0) out += "...(" + std::to_string(cut) + " more bytes)";
  if (json) out.push_back('"');
}

void appendValue(std::string& out, const LogField& f, size_t max, bool json) {
  if (auto* s = std::get_if<std::string_view>(&f.value)) {
    appendText(out, *s, max, json);
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

std::string Logger::format(LogLevel level, std::string_view msg,
                           std::span<const LogField> fields) const {
  std::string line;
  line.reserve(128);
  if (json_) {
    line += "{\"level\":\"";
    line += kNames[static_cast<int>(level)];
    line += "\",\"ts\":\"" + timestamp() + "\",\"msg\":";
    appendText(line, msg, max_field_, true);
    for (const auto& f : fields) {
      line.push_back(',');
      appendText(line, f.key, max_field_, true);
      line.push_back(':');
      appendValue(line, f, max_field_, true);
    }
    line += "}\n";
  } else {
    line += timestamp();
    line.push_back(' ');
    line += kNames[static_cast<int>(level)];
    line.push_back(' ');
    appendText(line, msg, max_field_, false);
    for (const auto& f : fields) {
      line.push_back(' ');
      appendText(line, f.key, max_field_, false);
      line.push_back('=');
      appendValue(line, f, max_field_, false);
    }
    line.push_back('\n');
  }
  return line;
}

void Logger::log(LogLevel level, std::string_view msg, std::span<const LogField> fields) const {
  if (!enabled(level)) return;
  std::string line = format(level, msg, fields);
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
