#include "providers/model_metadata.h"

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/safe_text.h"

namespace igw::embedded {
extern const std::string_view kModelMetadataJson;  // generated from data/model_metadata.json
}

namespace igw {

namespace {

using nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status entryError(std::string_view key, const std::string& what) {
  return invalidArgument("models[\"" + safeText(key, 120, TextStyle::kEscape) + "\"]: " + what);
}

Result<int64_t> tokens(const json& v, std::string_view key, const char* field) {
  if (v.is_null()) return int64_t{-1};
  if (!v.is_number_unsigned() || v.get<uint64_t>() > (uint64_t{1} << 40)) {
    return entryError(key, std::string(field) + " must be a whole number of tokens or null");
  }
  return static_cast<int64_t>(v.get<uint64_t>());
}

Status modalityList(const json& v, std::string_view key, const char* side,
                    std::vector<std::string>& out) {
  if (!v.is_array() || v.size() > kMaxModalities) {
    return entryError(key, std::string("modalities.") + side + " must be a list of at most " +
                               std::to_string(kMaxModalities) + " names");
  }
  for (const auto& m : v) {
    if (!m.is_string() || m.get_ref<const std::string&>().empty() ||
        m.get_ref<const std::string&>().size() > 32) {
      return entryError(
          key, std::string("modalities.") + side + " holds a name that is not a " + "short string");
    }
    out.push_back(m.get<std::string>());
  }
  return Status::ok();
}

Result<ModelMetadata> entry(std::string_view key, const json& v) {
  if (!v.is_object()) return entryError(key, "must be an object");
  ModelMetadata m;
  for (const auto& [field, value] : v.items()) {
    if (field == "context_window") {
      auto n = tokens(value, key, "context_window");
      if (!n) return n.status();
      m.context_window = *n;
    } else if (field == "max_output_tokens") {
      auto n = tokens(value, key, "max_output_tokens");
      if (!n) return n.status();
      m.max_output_tokens = *n;
    } else if (field == "modalities") {
      if (value.is_null()) continue;
      if (!value.is_object()) return entryError(key, "modalities must be an object or null");
      for (const auto& [side, list] : value.items()) {
        std::vector<std::string>* target = side == "input"    ? &m.input_modalities
                                           : side == "output" ? &m.output_modalities
                                                              : nullptr;
        if (target == nullptr) {
          return entryError(key, "modalities has an unknown field '" +
                                     safeText(side, 40, TextStyle::kEscape) +
                                     "' (use input, output)");
        }
        if (Status s = modalityList(list, key, side.c_str(), *target); !s) return s;
      }
      m.has_modalities = true;
    } else {
      return entryError(key, "unknown field '" + safeText(field, 40, TextStyle::kEscape) +
                                 "' (use context_window, max_output_tokens, modalities)");
    }
  }
  return m;
}

}  // namespace

Result<ModelMetadataTable> ModelMetadataTable::parse(std::string_view text) {
  if (text.size() > kMaxMetadataBytes) {
    return invalidArgument("model metadata larger than " + std::to_string(kMaxMetadataBytes) +
                           " bytes");
  }
  JsonLimits limits;
  limits.max_depth = 8;
  limits.max_bytes = kMaxMetadataBytes;
  ParsedJson parsed = parseJson(text, limits);
  if (!parsed.ok()) return jsonStatus(parsed, Code::kInvalidArgument, "model metadata");
  const json& doc = parsed.value;
  if (!doc.is_object()) return invalidArgument("model metadata must be a JSON object");
  ModelMetadataTable table;
  for (const auto& [key, value] : doc.items()) {
    if (key == "_source" || key == "_updated") {
      if (!value.is_string()) return invalidArgument(key + " must be a string");
      (key == "_source" ? table.source_ : table.updated_) = value.get<std::string>();
    } else if (key == "models") {
      if (!value.is_object()) return invalidArgument("models must be an object");
      if (value.size() > kMaxMetadataEntries) {
        return invalidArgument("more than " + std::to_string(kMaxMetadataEntries) + " models");
      }
      for (const auto& [name, meta] : value.items()) {
        const size_t slash = name.find('/');
        if (slash == 0 || slash == std::string::npos || slash + 1 == name.size() ||
            name.size() > 256) {
          return entryError(name, "the key must be provider/model");
        }
        auto m = entry(name, meta);
        if (!m) return m.status();
        table.models_.insert_or_assign(lower(name), std::move(m).value());
      }
    } else if (key.empty() || key.front() != '_') {
      return invalidArgument("unknown field '" + safeText(key, 40, TextStyle::kEscape) +
                             "' (use models, _source, _updated)");
    }
  }
  return table;
}

Result<ModelMetadataTable> ModelMetadataTable::builtin() {
  auto table = parse(embedded::kModelMetadataJson);
  if (!table) {
    return internalError("built-in model metadata (data/model_metadata.json): " +
                         table.status().message());
  }
  return table;
}

const ModelMetadata* ModelMetadataTable::find(std::string_view provider,
                                              std::string_view model) const {
  if (model.substr(0, 7) == "models/") model.remove_prefix(7);
  std::string key = lower(provider);
  key += '/';
  const size_t base = key.size();
  key += lower(model);
  if (auto it = models_.find(key); it != models_.end()) return &it->second;
  for (size_t i = key.size(); i-- > base + 1;) {  // longest listed prefix ending at a '-'
    if (key[i] != '-') continue;
    if (auto it = models_.find(key.substr(0, i)); it != models_.end()) return &it->second;
  }
  // An Azure OpenAI deployment usually carries its model's name: OpenAI's figures apply.
  if (key.compare(0, base, "azure/") == 0) return find("openai", model);
  return nullptr;
}

}  // namespace igw
