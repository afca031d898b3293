#include "cli/cli_error.h"

#include <nlohmann/json.hpp>

#include "core/json_parse.h"

namespace igw::cli {

namespace {

// The error object: {"error":{...}} (OpenAI) or {"type":"error","error":{...}} (Anthropic).
nlohmann::json errorObject(std::string_view body) {
  nlohmann::json j = parseJsonOrDiscarded(body);
  if (!j.is_object()) return nlohmann::json::object();
  auto it = j.find("error");
  if (it == j.end()) return nlohmann::json::object();
  if (it->is_string()) return nlohmann::json{{"message", *it}};
  return it->is_object() ? *it : nlohmann::json::object();
}

std::string stringField(const nlohmann::json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// Control characters would let an answer drive the terminal: they become spaces.
std::string oneLine(std::string s) {
  for (auto& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (s.size() > 400) s = s.substr(0, 400) + "...";
  return s;
}

}  // namespace

std::string errorMessageOf(std::string_view body) {
  std::string msg = stringField(errorObject(body), "message");
  if (msg.empty()) msg = std::string(body.substr(0, 200));
  return oneLine(std::move(msg));
}

CliError transportError(const Status& status, std::string_view gateway_url) {
  std::string why = oneLine(status.message());
  return {kExitUnreachable, "cannot reach the gateway at " + std::string(gateway_url) + " (" + why +
                                "): is it running? Set --gateway, INFER_GATEWAY_URL or run "
                                "`infer init`"};
}

CliError httpError(int status, std::string_view body, bool model_request) {
  nlohmann::json err = errorObject(body);
  std::string msg = oneLine(stringField(err, "message"));
  std::string code = stringField(err, "code");
  if (msg.empty()) msg = "HTTP " + std::to_string(status);
  const std::string what = msg + " (HTTP " + std::to_string(status) + ")";
  if (status == 401) {
    if (code == "missing_credentials" || code == "invalid_api_key" || code.empty()) {
      if (contains(msg, "is not configured")) {
        return {kExitUnauthorized, what + ": the gateway has no key for this provider"};
      }
      return {kExitUnauthorized,
              what + ": give a valid key with --api-key, INFER_API_KEY or `infer init`"};
    }
    return {kExitUnauthorized, what};
  }
  if (status == 403) {
    if (code == "admin_required") {
      return {kExitForbidden, what + ": use the admin key (--admin-key or INFER_ADMIN_KEY)"};
    }
    return {kExitForbidden, what};
  }
  if ((status == 404 && model_request) ||
      (status == 400 &&
       (contains(msg, "unknown provider") || contains(msg, "cannot tell the provider") ||
        contains(msg, "names no model")))) {
    return {kExitUnknownModel, what + ": `infer models` lists the models you can use"};
  }
  if (status >= 500) return {kExitUpstream, what};
  return {kExitError, what};
}

}  // namespace igw::cli
