#include "limits/prices_parse.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <exception>
#include <optional>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/safe_text.h"

namespace igw {
namespace {

// Both formats are first read into this neutral shape (bounded: at most kMaxPriceEntries
// entries of at most kMaxFields fields), then validated by one function.
struct RawField {
  std::string name;
  std::optional<double> number;  // nullopt: not a number
  std::string shown;             // the value as written, for messages
};
struct RawEntry {
  std::string key;
  bool is_map = false;
  std::vector<RawField> fields;
};
struct RawDoc {
  std::vector<RawEntry> entries;
  std::string source, updated;
};

constexpr size_t kMaxFields = 16;
constexpr size_t kMaxKeyBytes = 512;
constexpr unsigned kMaxJsonDepth = 16;
constexpr int kMaxYamlBracketDepth = 64;

Status fail(std::string message) {
  return invalidArgument(std::move(message));
}

Status entryError(std::string_view key, std::string_view what) {
  return fail("entry " + quoteText(key) + ": " + std::string(what));
}

Status tooMany() {
  return fail("more than " + std::to_string(kMaxPriceEntries) + " entries");
}

// ---- JSON -------------------------------------------------------------------------------------

Status readJsonEntry(const std::string& key, const nlohmann::json& value, RawDoc& doc) {
  RawEntry e{key, value.is_object(), {}};
  if (e.is_map) {
    if (value.size() > kMaxFields) return entryError(key, "too many fields");
    for (const auto& [name, v] : value.items()) {
      RawField f{name, std::nullopt, {}};
      if (v.is_number()) {
        f.number = v.get<double>();
      }
      f.shown = v.is_string() ? v.get<std::string>() : v.dump();
      e.fields.push_back(std::move(f));
    }
  }
  doc.entries.push_back(std::move(e));
  return {};
}

Result<RawDoc> readJson(std::string_view text) {
  JsonLimits limits;
  limits.max_depth = kMaxJsonDepth;
  limits.max_bytes = kMaxPriceFileBytes;
  ParsedJson parsed = parseJson(text, limits);
  if (parsed.error == JsonError::kTooDeep) {
    return fail("the price file is nested deeper than " + std::to_string(kMaxJsonDepth) +
                " levels");
  }
  if (!parsed.ok()) return fail("the price file " + parsed.describe());
  const nlohmann::json& root = parsed.value;
  if (!root.is_object())
    return fail("the price file must be a JSON object of \"provider/model\" entries");
  RawDoc doc;
  const nlohmann::json* entries = &root;
  auto models = root.find("models");
  if (models != root.end()) {
    if (!models->is_object())
      return fail("\"models\" must be an object of \"provider/model\" entries");
    entries = &*models;
  }
  for (const auto& [key, value] : root.items()) {
    if (!key.empty() && key[0] == '_') {
      if (key == "_source" && value.is_string()) doc.source = value.get<std::string>();
      if (key == "_updated" && value.is_string()) doc.updated = value.get<std::string>();
      continue;
    }
    if (entries != &root && key != "models") {
      return fail("unexpected top-level key " + quoteText(key) +
                  " next to \"models\" (entries go inside \"models\")");
    }
  }
  if (entries->size() > kMaxPriceEntries) return tooMany();
  for (const auto& [key, value] : entries->items()) {
    if (!key.empty() && key[0] == '_') continue;
    if (Status s = readJsonEntry(key, value, doc); !s) return s;
  }
  return doc;
}

// ---- YAML -------------------------------------------------------------------------------------

std::optional<double> yamlNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (*begin == '+') ++begin;
  double v = 0;
  auto [p, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

// yaml-cpp guards its own recursion (2000 levels), but a flow collection ([[[[...) is cheap to
// refuse long before that: a price file is three levels deep.
bool yamlTooDeep(std::string_view text) {
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > kMaxYamlBracketDepth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::string yamlShown(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) return "null";
  if (n.IsSequence()) return "a list";
  return "a mapping";
}

Status readYamlEntry(const std::string& key, const YAML::Node& value, RawDoc& doc) {
  RawEntry e{key, value.IsMap(), {}};
  if (e.is_map) {
    if (value.size() > kMaxFields) return entryError(key, "too many fields");
    for (const auto& kv : value) {
      if (!kv.first.IsScalar()) return entryError(key, "field names must be plain strings");
      RawField f{kv.first.Scalar(), std::nullopt, yamlShown(kv.second)};
      if (kv.second.IsScalar()) f.number = yamlNumber(kv.second.Scalar());
      e.fields.push_back(std::move(f));
    }
  }
  doc.entries.push_back(std::move(e));
  return {};
}

Result<RawDoc> readYamlChecked(std::string_view text) {
  if (text.size() > kMaxPriceFileBytes) {
    return fail("the price file is larger than " + std::to_string(kMaxPriceFileBytes) + " bytes");
  }
  if (yamlTooDeep(text)) return fail("the price file is nested too deeply");
  YAML::Node root = YAML::Load(std::string(text));
  RawDoc doc;
  if (root.IsNull()) return doc;  // an empty file: nothing to change
  if (!root.IsMap()) return fail("the price file must be a mapping of \"provider/model\" entries");
  if (root.size() > kMaxPriceEntries + 8) return tooMany();
  // yaml-cpp's Node::operator= writes through to the node referred to: keep the "models" node
  // in an optional instead of assigning over `root`.
  std::optional<YAML::Node> models;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) return fail("top-level keys must be plain strings");
    const std::string& key = kv.first.Scalar();
    if (key == "models" && kv.second.IsMap()) {
      models.emplace(kv.second);
    } else if (key == "models") {
      return fail("\"models\" must be a mapping of \"provider/model\" entries");
    }
  }
  for (const auto& kv : root) {
    const std::string& key = kv.first.Scalar();
    if (!key.empty() && key[0] == '_') {
      if (key == "_source" && kv.second.IsScalar()) doc.source = kv.second.Scalar();
      if (key == "_updated" && kv.second.IsScalar()) doc.updated = kv.second.Scalar();
      continue;
    }
    if (models && key != "models") {
      return fail("unexpected top-level key " + quoteText(key) +
                  " next to \"models\" (entries go inside \"models\")");
    }
  }
  const YAML::Node& entries = models ? *models : root;
  if (entries.size() > kMaxPriceEntries) return tooMany();
  for (const auto& kv : entries) {
    if (!kv.first.IsScalar()) return fail("entry keys must be plain \"provider/model\" strings");
    const std::string& key = kv.first.Scalar();
    if (!key.empty() && key[0] == '_') continue;
    if (Status s = readYamlEntry(key, kv.second, doc); !s) return s;
  }
  return doc;
}

Result<RawDoc> readYaml(std::string_view text) {
  try {
    return readYamlChecked(text);
  } catch (const YAML::Exception& e) {
    return fail("the price file is not valid YAML: " + safeText(e.what(), 300, TextStyle::kEscape));
  } catch (const std::exception& e) {
    return fail("the price file could not be read as YAML: " +
                safeText(e.what(), 300, TextStyle::kEscape));
  }
}

// ---- validation -------------------------------------------------------------------------------

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status validateKey(const std::string& key, PriceEntry& out) {
  if (key.size() > kMaxKeyBytes) return entryError(key, "the key is longer than 512 bytes");
  for (unsigned char c : key) {
    if (c <= 0x20 || c == 0x7f) {
      return entryError(key, "the key must not contain spaces or control characters");
    }
  }
  size_t slash = key.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == key.size()) {
    return entryError(key, "the key must be \"provider/model\" (or \"provider/*\")");
  }
  out.provider = key.substr(0, slash);
  out.model = key.substr(slash + 1);
  if (out.model != "*" && out.model.find('*') != std::string::npos) {
    return entryError(key, "'*' is only allowed as the whole model (\"provider/*\")");
  }
  return {};
}

Status validateEntry(const RawEntry& raw, PriceEntry& out) {
  if (Status s = validateKey(raw.key, out); !s) return s;
  if (!raw.is_map) {
    return entryError(raw.key,
                      "must be an object with \"input\" and \"output\" (USD per 1M tokens)");
  }
  std::optional<double> input, output, cached, reasoning;
  for (const RawField& f : raw.fields) {
    if (!f.name.empty() && f.name[0] == '_') continue;
    std::optional<double>* slot = nullptr;
    if (f.name == "input") slot = &input;
    if (f.name == "output") slot = &output;
    if (f.name == "cached_input") slot = &cached;
    if (f.name == "reasoning") slot = &reasoning;
    if (!slot) {
      return entryError(raw.key, "unknown field " + quoteText(f.name) +
                                     " (expected input, output, cached_input, reasoning)");
    }
    if (slot->has_value()) return entryError(raw.key, quoteText(f.name) + " is given twice");
    double v = f.number.value_or(-1);
    if (!f.number || !std::isfinite(v) || v < 0 || v > kMaxPricePerMillion) {
      return entryError(raw.key, quoteText(f.name) +
                                     " must be a number from 0 to 1000000 (USD per 1M tokens), "
                                     "got " +
                                     safeText(f.shown, 60, TextStyle::kEscape));
    }
    *slot = v;
  }
  if (!input) return entryError(raw.key, "\"input\" is missing");
  if (!output) return entryError(raw.key, "\"output\" is missing");
  out.price.input = *input;
  out.price.output = *output;
  out.price.cached_input = cached.value_or(*input);
  out.price.reasoning = reasoning.value_or(*output);
  return {};
}

}  // namespace

Result<ParsedPrices> parsePriceText(std::string_view text, PriceFormat format) {
  if (text.size() > kMaxPriceFileBytes) {
    return fail("the price file is larger than " + std::to_string(kMaxPriceFileBytes) + " bytes");
  }
  Result<RawDoc> raw = format == PriceFormat::kYaml ? readYaml(text) : readJson(text);
  if (!raw) return raw.status();
  if (raw->entries.size() > kMaxPriceEntries) return tooMany();
  ParsedPrices out;
  out.source = std::move(raw->source);
  out.updated = std::move(raw->updated);
  out.entries.reserve(raw->entries.size());
  std::unordered_set<std::string> seen;
  for (const RawEntry& e : raw->entries) {
    if (!seen.insert(lower(e.key)).second) return entryError(e.key, "appears twice");
    PriceEntry entry;
    if (Status s = validateEntry(e, entry); !s) return s;
    out.entries.push_back(std::move(entry));
  }
  return out;
}

}  // namespace igw
