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

// A non-negative integer written as plain digits; -1 for anything else (negative, fraction,
// exponent, null, too large).
int64_t nonNegativeInteger(std::string_view v) {
  if (v.empty() || v.size() > 18) return -1;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

// Sets `into` when `object` has `key`.
void readField(std::string_view object, std::string_view key, int64_t& into) {
  forEachMember(object, [&](const RawMember& m) {
    if (m.key != key) return true;
    into = nonNegativeInteger(m.value);
    return false;
  });
}

}  // namespace

// A structural walk (json_scan.h forEachMember), not a validation: the answer goes to the client
// as the provider sent it, and only the few usage numbers are read out of it.
// No memmem pre-check: walking the top level costs about as much as the search, and the search is
// wasted whenever usage is there (every non-streaming answer).
bool extractUsage(std::string_view json, TokenUsage& out) {
  std::string_view usage;
  forEachMember(json, [&](const RawMember& m) {
    if (m.key != "usage") return true;
    usage = m.value;
    return false;
  });
  if (usage.empty() || usage.front() != '{') return false;
  forEachMember(usage, [&](const RawMember& f) {
    if (f.key == "prompt_tokens") out.prompt = nonNegativeInteger(f.value);
    if (f.key == "completion_tokens") out.completion = nonNegativeInteger(f.value);
    if (f.key == "total_tokens") out.total = nonNegativeInteger(f.value);
    // The Images and Audio APIs' usage (gpt-image-1, gpt-4o-transcribe, speech streams):
    // {"input_tokens":N,"output_tokens":N,"total_tokens":N}.
    if (f.key == "input_tokens") out.prompt = nonNegativeInteger(f.value);
    if (f.key == "output_tokens") out.completion = nonNegativeInteger(f.value);
    // One level deeper for the details: {"prompt_tokens_details":{"cached_tokens":N}},
    // {"completion_tokens_details":{"reasoning_tokens":N}}.
    if (f.key == "prompt_tokens_details") readField(f.value, "cached_tokens", out.cached);
    if (f.key == "completion_tokens_details") {
      readField(f.value, "reasoning_tokens", out.reasoning);
    }
    return true;
  });
  return out.known();
}

bool extractResponsesUsage(std::string_view json, TokenUsage& out) {
  // Text deltas, nearly every event of a stream, carry no usage: skip them without a walk.
  if (!mayHaveValue(json, "\"usage\"", '{')) return false;
  std::string_view usage, response;
  forEachMember(json, [&](const RawMember& m) {
    if (m.key == "usage") usage = m.value;
    if (m.key == "response") response = m.value;
    return true;
  });
  if ((usage.empty() || usage.front() != '{') && !response.empty() && response.front() == '{') {
    forEachMember(response, [&](const RawMember& m) {
      if (m.key != "usage") return true;
      usage = m.value;
      return false;
    });
  }
  if (usage.empty() || usage.front() != '{') return false;
  TokenUsage u;
  forEachMember(usage, [&](const RawMember& f) {
    if (f.key == "input_tokens") u.prompt = nonNegativeInteger(f.value);
    if (f.key == "output_tokens") u.completion = nonNegativeInteger(f.value);
    if (f.key == "total_tokens") u.total = nonNegativeInteger(f.value);
    if (f.key == "input_tokens_details") readField(f.value, "cached_tokens", u.cached);
    if (f.key == "output_tokens_details") readField(f.value, "reasoning_tokens", u.reasoning);
    return true;
  });
  if (!u.known()) return false;
  out = u;
  return true;
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
