#include "http/errors.h"

#include "core/json_text.h"
#include "core/safe_text.h"
#include "http/error_taxonomy.h"
#include "http/json_scan.h"

namespace igw {

int httpStatus(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPaymentRequired:
      return 402;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kPayloadTooLarge:
      return 413;
    case Code::kRateLimited:
      return 429;
    case Code::kInternal:
      return 500;
    case Code::kUnavailable:
      return 502;
    case Code::kServiceUnavailable:
      return 503;
    case Code::kDeadlineExceeded:
      return 504;
  }
  return 500;
}

std::string_view errorType(int status) {
  return openAiErrorType(status);
}

std::string errorJson(std::string_view message, std::string_view type, std::string_view code) {
  std::string out = "{\"error\":{\"message\":";
  // Messages quote client strings (model names, paths) and provider text: a 1 MB model name must
  // not come back as a 1 MB error. Cut on a character boundary and say so.
  if (message.size() > kMaxErrorMessageBytes) {
    std::string cut;
    size_t rest = appendSafeText(cut, message, kMaxErrorMessageBytes, TextStyle::kReplace);
    cut += "... (" + std::to_string(rest) + " more bytes)";
    appendJsonString(out, cut);
  } else {
    appendJsonString(out, message);
  }
  out += ",\"type\":";
  appendJsonString(out, type);
  out += ",\"code\":";
  if (code.empty()) {
    out += "null";
  } else {
    appendJsonString(out, code);
  }
  out += "}}";
  return out;
}

std::string errorJson(const Status& s) {
  return errorJson(s.message(), errorType(httpStatus(s.code())));
}

namespace {

std::string stringMember(std::string_view obj, std::string_view key) {
  auto members = scanObjectMembers(obj);
  if (!members) return {};
  for (const auto& m : *members) {
    if (m.key != key) continue;
    std::string_view v = obj.substr(m.value_begin, m.value_end - m.value_begin);
    if (m.type == JsonType::kString) {
      auto d = decodeJsonString(v.substr(1, v.size() - 2));
      return d ? std::move(d.value()) : std::string();
    }
    if (m.type == JsonType::kObject) return std::string(v);
  }
  return {};
}

}  // namespace

std::string upstreamErrorMessage(std::string_view body) {
  std::string err = stringMember(body, "error");
  if (!err.empty() && err.front() == '{') {
    std::string msg = stringMember(err, "message");
    if (!msg.empty()) return msg;
  } else if (!err.empty()) {
    return err;
  }
  std::string msg = stringMember(body, "message");
  if (!msg.empty()) return msg;
  std::string raw(body.substr(0, 500));
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.pop_back();
  return raw.empty() ? "(empty body)" : raw;
}

}  // namespace igw
