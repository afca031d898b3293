// Structured logger: one line per event, JSON in production and "LEVEL msg k=v" in
// development. Thread-safe (each line is a single write). Never give it secrets: callers log
// provider ids and key *presence*, not keys, headers or message contents.
//
// Values often come from clients (model names, paths), so every message and field value is
// escaped in both formats: a control character can never end a line or drive a terminal, the
// JSON stays valid on invalid UTF-8, and each value is cut to max_field bytes
// (LOG_MAX_FIELD_LENGTH), marked with how many bytes were cut.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace igw {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogField {
  std::string_view key;
  std::variant<std::string_view, int64_t, double, bool> value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, unsigned v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

class Logger {
 public:
  static constexpr size_t kDefaultMaxField = 1024;

  Logger(bool json, LogLevel min_level, size_t max_field = kDefaultMaxField)
      : json_(json), min_(min_level), max_field_(max_field < 64 ? 64 : max_field) {}

  bool enabled(LogLevel level) const { return level >= min_; }
  void log(LogLevel level, std::string_view msg,
           std::initializer_list<LogField> fields = {}) const {
    log(level, msg, std::span<const LogField>(fields.begin(), fields.size()));
  }
  void log(LogLevel level, std::string_view msg, std::span<const LogField> fields) const;

  void debug(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kDebug, m, f);
  }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kInfo, m, f);
  }
  void warn(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kWarn, m, f);
  }
  void error(std::string_view m, std::initializer_list<LogField> f = {}) const {
    log(LogLevel::kError, m, f);
  }

 private:
  std::string format(LogLevel level, std::string_view msg, std::span<const LogField> fields) const;

  bool json_;
  LogLevel min_;
  size_t max_field_;
};

LogLevel parseLogLevel(std::string_view s);

}  // namespace igw
