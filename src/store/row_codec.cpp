#include "store/row_codec.h"

#include <chrono>

#include "core/json_parse.h"

namespace igw::store_detail {
namespace {

bool hasNul(std::string_view s) {
  return s.find('\0') != std::string_view::npos;
}

// dump() with invalid UTF-8 replaced (the default handler would throw).
std::string dumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<EncodedFields> encodeFields(std::string_view name, std::string_view team,
                                   const std::vector<std::string>& models,
                                   const nlohmann::json& metadata) {
  // PostgreSQL text cannot hold NUL; refuse it on both backends so they behave alike.
  if (hasNul(name)) return invalidArgument("API key name must not contain a NUL character");
  if (hasNul(team)) return invalidArgument("API key team must not contain a NUL character");
  for (const auto& m : models) {
    if (m.empty() || hasNul(m)) {
      return invalidArgument("API key model patterns must be non-empty and contain no NUL");
    }
  }
  if (!metadata.is_object()) return invalidArgument("API key metadata must be a JSON object");
  EncodedFields out;
  out.models = dumpJson(nlohmann::json(models));
  out.metadata = dumpJson(metadata);
  // What is stored must read back: the same limits (depth, size) as every other JSON input.
  auto parsed = parseJson(out.metadata);
  if (!parsed.ok()) return invalidArgument("API key metadata is " + parsed.describe());
  return out;
}

ApiKeyRecord applyPatch(ApiKeyRecord record, const ApiKeyPatch& patch) {
  if (patch.name) record.name = *patch.name;
  if (patch.team) record.team = *patch.team;
  if (patch.models) record.models = *patch.models;
  if (patch.expires_at) record.expires_at = *patch.expires_at;
  if (patch.metadata) record.metadata = *patch.metadata;
  if (patch.limits) record.limits = *patch.limits;
  return record;
}

Result<std::vector<std::string>> decodeModels(std::string_view text, std::string_view id) {
  auto parsed = parseJson(text);
  if (!parsed.ok() || !parsed.value.is_array()) {
    return internalError("API key " + std::string(id) + ": stored models are not a JSON array");
  }
  std::vector<std::string> out;
  out.reserve(parsed.value.size());
  for (const auto& m : parsed.value) {
    if (!m.is_string()) {
      return internalError("API key " + std::string(id) + ": stored models hold a non-string");
    }
    out.push_back(m.get<std::string>());
  }
  return out;
}

Result<nlohmann::json> decodeMetadata(std::string_view text, std::string_view id) {
  auto parsed = parseJson(text);
  if (!parsed.ok() || !parsed.value.is_object()) {
    return internalError("API key " + std::string(id) + ": stored metadata is not a JSON object");
  }
  return std::move(parsed.value);
}

}  // namespace igw::store_detail
