#include "telemetry/usage.h"

#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/saturating.h"
#include "http/json_scan.h"

namespace igw {

namespace {

// True when `key` (quoted) occurs followed by ':' and then `open`: a cheap pre-check before any
// parse, since most stream chunks carry "usage":null and no tool calls. memmem is vectorised;
// string_view::find with a leading '"' would stop at every quote.
bool mayHaveValue(std::string_view json, std::string_view key, char open) {
  const char* p = json.data();
  const char* end = p + json.size();
  while (p < end) {
    const void* hit = memmem(p, static_cast<size_t>(end - p), key.data(), key.size());
    if (hit == nullptr) return false;
    const char* q = static_cast<const char*>(hit) + key.size();
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) ++q;
    if (q < end && *q == ':') {
      ++q;
      while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) ++q;
      if (q < end && *q == open) return true;
    }
    p = static_cast<const char*>(hit) + 1;
  }
  return false;
}

int64_t integerAt(std::string_view text, const JsonMember& m) {
  if (m.type != JsonType::kNumber) return -1;
  std::string digits(text.substr(m.value_begin, m.value_end - m.value_begin));
  char* end = nullptr;
  long long v = std::strtoll(digits.c_str(), &end, 10);
  return v < 0 ? -1 : static_cast<int64_t>(v);
}

}  // namespace

bool extractUsage(std::string_view json, TokenUsage& out) {
  if (!mayHaveValue(json, "\"usage\"", '{')) return false;
  auto members = scanObjectMembers(json);
  if (!members) return false;
  for (const auto& m : *members) {
    if (m.key != "usage" || m.type != JsonType::kObject) continue;
    std::string_view usage = json.substr(m.value_begin, m.value_end - m.value_begin);
    auto fields = scanObjectMembers(usage);
    if (!fields) return false;
    // One level deeper for the details: {"prompt_tokens_details":{"cached_tokens":N}},
    // {"completion_tokens_details":{"reasoning_tokens":N}}.
    auto detail = [&](const JsonMember& f, std::string_view key, int64_t& into) {
      if (f.type != JsonType::kObject) return;
      std::string_view obj = usage.substr(f.value_begin, f.value_end - f.value_begin);
      auto inner = scanObjectMembers(obj);
      if (!inner) return;
      for (const auto& d : *inner) {
        if (d.key == key) into = integerAt(obj, d);
      }
    };
    for (const auto& f : *fields) {
      if (f.key == "prompt_tokens") out.prompt = integerAt(usage, f);
      if (f.key == "completion_tokens") out.completion = integerAt(usage, f);
      if (f.key == "total_tokens") out.total = integerAt(usage, f);
      if (f.key == "prompt_tokens_details") detail(f, "cached_tokens", out.cached);
      if (f.key == "completion_tokens_details") detail(f, "reasoning_tokens", out.reasoning);
    }
    return out.known();
  }
  return false;
}

TokenUsage AnthropicUsage::tokens() const {
  TokenUsage u;
  if (input >= 0) u.prompt = addSat(input, cache_read, cache_creation);
  if (output >= 0) u.completion = output;
  if (u.prompt >= 0 && u.completion >= 0) u.total = addSat(u.prompt, u.completion);
  if (input >= 0) u.cached = cache_read;
  return u;
}

bool extractAnthropicUsage(std::string_view json, AnthropicUsage& acc) {
  if (!mayHaveValue(json, "\"usage\"", '{')) return false;
  auto doc = parseJsonOrDiscarded(json);
  if (!doc.is_object()) return false;
  const nlohmann::json* usage = nullptr;
  if (auto m = doc.find("message"); m != doc.end() && m->is_object()) {
    if (auto u = m->find("usage"); u != m->end() && u->is_object()) usage = &*u;
  }
  if (usage == nullptr) {
    if (auto u = doc.find("usage"); u != doc.end() && u->is_object()) usage = &*u;
  }
  if (usage == nullptr) return false;
  auto read = [&](const char* key, int64_t& into) {
    auto v = usage->find(key);
    if (v != usage->end() && v->is_number_integer() && v->get<int64_t>() >= 0) {
      into = v->get<int64_t>();
    }
  };
  read("input_tokens", acc.input);
  read("cache_read_input_tokens", acc.cache_read);
  read("cache_creation_input_tokens", acc.cache_creation);
  read("output_tokens", acc.output);
  return true;
}

void extractToolCallNames(std::string_view json, std::vector<std::string>& names) {
  if (!mayHaveValue(json, "\"tool_calls\"", '[')) return;
  auto doc = parseJsonOrDiscarded(json);  // too deep: no names, the relay decides the rest
  if (!doc.is_object()) return;
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array()) return;
  for (const auto& choice : *choices) {
    if (!choice.is_object()) continue;
    for (const char* part : {"message", "delta"}) {
      auto holder = choice.find(part);
      if (holder == choice.end() || !holder->is_object()) continue;
      auto calls = holder->find("tool_calls");
      if (calls == holder->end() || !calls->is_array()) continue;
      for (const auto& call : *calls) {
        if (!call.is_object()) continue;
        auto fn = call.find("function");
        if (fn == call.end() || !fn->is_object()) continue;
        auto name = fn->find("name");
        if (name != fn->end() && name->is_string() &&
            !name->get_ref<const std::string&>().empty()) {
          names.push_back(name->get<std::string>());
        }
      }
    }
  }
}

std::string_view toolType(std::string_view tool_name) {
  if (tool_name.rfind("mcp_", 0) == 0) return "mcp";
  if (tool_name.rfind("a2a_", 0) == 0) return "a2a";
  return "standard_tool_use";
}

}  // namespace igw
