// Status and Result<T>: the error currency of the data path. No exceptions cross a request;
// a failure is a value that carries an HTTP-ish category and a message meant for the caller.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace igw {

// Error categories map 1:1 onto the HTTP status the edge returns.
enum class Code {
  kOk = 0,
  kInvalidArgument,     // 400
  kUnauthenticated,     // 401
  kPaymentRequired,     // 402 (a spent budget)
  kPermissionDenied,    // 403
  kNotFound,            // 404
  kPayloadTooLarge,     // 413
  kRateLimited,         // 429
  kInternal,            // 500
  kUnavailable,         // 502: upstream unreachable / broken
  kServiceUnavailable,  // 503
  kDeadlineExceeded,    // 504
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool isOk() const { return code_ == Code::kOk; }
  explicit operator bool() const { return isOk(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status invalidArgument(std::string m) {
  return {Code::kInvalidArgument, std::move(m)};
}
inline Status unauthenticated(std::string m) {
  return {Code::kUnauthenticated, std::move(m)};
}
inline Status permissionDenied(std::string m) {
  return {Code::kPermissionDenied, std::move(m)};
}
inline Status notFound(std::string m) {
  return {Code::kNotFound, std::move(m)};
}
inline Status unavailable(std::string m) {
  return {Code::kUnavailable, std::move(m)};
}
inline Status deadlineExceeded(std::string m) {
  return {Code::kDeadlineExceeded, std::move(m)};
}
inline Status internalError(std::string m) {
  return {Code::kInternal, std::move(m)};
}

// Result<T> holds a T or a non-ok Status.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool isOk() const { return v_.index() == 0; }
  explicit operator bool() const { return isOk(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return std::get<0>(v_); }
  const Status& status() const {
    static const Status kOk;
    return isOk() ? kOk : std::get<1>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace igw
