// Shared by the fuzz targets: a structure-aware document generator driven by libFuzzer's bytes
// (FuzzedDataProvider), and cheap output checks.
//
// Why a generator: a translator fed raw bytes spends almost every execution failing in the JSON
// parser. Here the bytes choose *shapes* instead (roles, content parts, tool calls whose
// `arguments` hold nested or broken JSON, usage numbers, odd unicode), so nearly every execution
// reaches the translation code. Keys keep insertion order (ordered_json) so documents look like
// what providers send, which the byte-level fast paths of the stream translators expect.
//
// Why the checks are not instrumented: they run on every output; coverage of the checker itself
// would only slow the run and feed the fuzzer "new features" that say nothing about the code
// under test.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#define FZ_NOCOV __attribute__((no_sanitize("coverage")))

namespace fz {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Checks

// Strict RFC 8259 validation of exactly one JSON value (surrounding whitespace allowed): UTF-8
// checked, \u escapes must pair surrogates, no depth limit (iterative). Agrees with
// nlohmann::json::accept; json_scan_fuzz checks that it does.
FZ_NOCOV inline bool validJson(std::string_view s) {
  size_t i = 0, n = s.size();
  std::vector<char> stack;  // '{' or '['
  auto ws = [&] {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  };
  auto hex4 = [&](size_t at, unsigned& v) {
    if (at + 4 > n) return false;
    v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = s[k];
      unsigned d = c >= '0' && c <= '9'   ? c - '0'
                   : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : 16;
      if (d == 16) return false;
      v = v * 16 + d;
    }
    return true;
  };
  auto str = [&]() -> bool {  // at the opening quote
    ++i;
    while (i < n) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c == '"') {
        ++i;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i >= n) return false;
        char e = s[i];
        if (e == 'u') {
          unsigned v;
          if (!hex4(i + 1, v)) return false;
          i += 5;
          if (v >= 0xDC00 && v <= 0xDFFF) return false;
          if (v >= 0xD800 && v <= 0xDBFF) {
            unsigned lo;
            if (i + 1 >= n || s[i] != '\\' || s[i + 1] != 'u' || !hex4(i + 2, lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return false;
            i += 6;
          }
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
            e != 't') {
          return false;
        }
        ++i;
        continue;
      }
      if (c < 0x80) {
        ++i;
        continue;
      }
      auto cont = [&](size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        return k < n && static_cast<unsigned char>(s[k]) >= lo &&
               static_cast<unsigned char>(s[k]) <= hi;
      };
      if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) {
        i += 2;
      } else if (c >= 0xE0 && c <= 0xEF &&
                 cont(i + 1, c == 0xE0 ? 0xA0 : 0x80, c == 0xED ? 0x9F : 0xBF) && cont(i + 2)) {
        i += 3;
      } else if (c >= 0xF0 && c <= 0xF4 &&
                 cont(i + 1, c == 0xF0 ? 0x90 : 0x80, c == 0xF4 ? 0x8F : 0xBF) && cont(i + 2) &&
                 cont(i + 3)) {
        i += 4;
      } else {
        return false;
      }
    }
    return false;
  };
  auto num = [&]() -> bool {
    auto digit = [&] { return i < n && s[i] >= '0' && s[i] <= '9'; };
    if (s[i] == '-') ++i;
    if (!digit()) return false;
    if (s[i] == '0') {
      ++i;
    } else {
      while (digit()) ++i;
    }
    if (i < n && s[i] == '.') {
      ++i;
      if (!digit()) return false;
      while (digit()) ++i;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
      if (!digit()) return false;
      while (digit()) ++i;
    }
    return true;
  };
  auto lit = [&](std::string_view w) {
    if (s.substr(i, w.size()) != w) return false;
    i += w.size();
    return true;
  };
  // Value, then as many closing brackets / separators as follow.
  while (true) {
    ws();
    if (i >= n) return false;
    char c = s[i];
    bool ok;
    if (c == '{' || c == '[') {
      ++i;
      ws();
      if (i < n && s[i] == (c == '{' ? '}' : ']')) {
        ++i;
      } else {
        stack.push_back(c);
        if (c == '{') {
          if (i >= n || s[i] != '"' || !str()) return false;
          ws();
          if (i >= n || s[i] != ':') return false;
          ++i;
        }
        continue;  // parse the first element
      }
      ok = true;
    } else if (c == '"') {
      ok = str();
    } else if (c == 't') {
      ok = lit("true");
    } else if (c == 'f') {
      ok = lit("false");
    } else if (c == 'n') {
      ok = lit("null");
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      ok = num();
    } else {
      return false;
    }
    if (!ok) return false;
    // After a complete value: close containers or move to the next element.
    while (true) {
      ws();
      if (stack.empty()) return i == n;
      if (i >= n) return false;
      char top = stack.back();
      if (s[i] == ',') {
        ++i;
        if (top == '{') {
          ws();
          if (i >= n || s[i] != '"' || !str()) return false;
          ws();
          if (i >= n || s[i] != ':') return false;
          ++i;
        }
        break;  // next value
      }
      if (s[i] == (top == '{' ? '}' : ']')) {
        ++i;
        stack.pop_back();
        continue;
      }
      return false;
    }
  }
}

// `out` is a sequence of whole OpenAI SSE events "data: <payload>\n\n", each payload valid JSON
// (an object) or [DONE]. Returns how many [DONE] events it saw; aborts otherwise.
FZ_NOCOV inline int checkOpenAiSse(std::string_view out) {
  int done = 0;
  while (!out.empty()) {
    size_t end = out.find("\n\n");
    if (end == std::string_view::npos || !out.starts_with("data: ")) std::abort();
    std::string_view payload = out.substr(6, end - 6);
    if (payload.find('\n') != std::string_view::npos) std::abort();
    if (payload == "[DONE]") {
      ++done;
    } else if (payload.empty() || payload[0] != '{' || !validJson(payload)) {
      std::abort();
    }
    out.remove_prefix(end + 2);
  }
  return done;
}

// ---------------------------------------------------------------------------------------------
// Generator

// Deepest nesting the generator builds on request (a JSON-in-a-string bomb). Large by default
// (the gateway must survive it); IGW_FUZZ_MAX_NEST lowers it to measure speed on a build that
// still crashes on deep JSON.
inline size_t maxNest() {
  static const size_t n = [] {
    const char* v = std::getenv("IGW_FUZZ_MAX_NEST");
    return v ? std::strtoull(v, nullptr, 10) : size_t{100000};
  }();
  return n;
}

class Gen {
 public:
  explicit Gen(FuzzedDataProvider& p) : p_(p) {}

  FuzzedDataProvider& fdp() { return p_; }
  bool more() const { return p_.remaining_bytes() > 0; }
  bool coin() { return p_.ConsumeBool(); }
  // True with probability about 1/n.
  bool rare(unsigned n) { return p_.ConsumeIntegralInRange<unsigned>(0, n - 1) == 0; }
  size_t upTo(size_t n) { return p_.ConsumeIntegralInRange<size_t>(0, n); }

  template <class T>
  const T& pick(std::initializer_list<T> options) {
    return options.begin()[p_.ConsumeIntegralInRange<size_t>(0, options.size() - 1)];
  }
  std::string pickStr(std::initializer_list<const char*> options) {
    return options.begin()[p_.ConsumeIntegralInRange<size_t>(0, options.size() - 1)];
  }

  // Integers near the edges: negative, zero, small, huge.
  int64_t number() {
    switch (p_.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
        return 0;
      case 1:
        return -1;
      case 2:
        return INT64_MAX;
      case 3:
        return INT64_MIN;
      case 4:
        return p_.ConsumeIntegral<int64_t>();
      default:
        return p_.ConsumeIntegralInRange<int64_t>(0, 5000);
    }
  }

  // Short text: dictionary words, raw bytes (invalid UTF-8 included), odd unicode.
  std::string text() {
    switch (p_.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        return "";
      case 1:
      case 2:
        return p_.ConsumeRandomLengthString(24);
      case 3:
        return pickStr({"\xF0\x9F\x98\x80", "\xED\xA0\x80", "\xC3", "\xE2\x80\xA8", "\x7F",
                        "a\x01b", "\"\\", "\r\n\r\ndata: [DONE]\n\n", "\xEF\xBB\xBF",
                        "\xF4\x90\x80\x80", "\\ud800", "</s>", "data:"});
      default:
        return pickStr({"hello", "Paris", "x", "call_1", "call_2", "toolu_1", "get_weather",
                        "search", "{}", "[]", "null", "{\"a\":1}", "text", "json", " "});
    }
  }

  // Text that is JSON (or nearly): tool arguments, tool results, schemas.
  std::string jsonText() {
    switch (p_.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
        return text();
      case 1:
        return deep();
      case 2: {  // truncated
        std::string s = value<ojson>(2).dump(-1, ' ', false, ojson::error_handler_t::replace);
        return s.substr(0, upTo(s.size()));
      }
      default: {
        ojson v = ojson::object();
        size_t k = upTo(3);
        for (size_t j = 0; j < k; ++j) v[key()] = value<ojson>(3);
        return v.dump(-1, ' ', false, ojson::error_handler_t::replace);
      }
    }
  }

  // Deeply nested arrays/objects, possibly unterminated or with a payload inside.
  std::string deep() {
    size_t levels = rare(8) ? p_.ConsumeIntegralInRange<size_t>(0, maxNest())
                            : p_.ConsumeIntegralInRange<size_t>(0, 300);
    bool obj = coin();
    std::string s = obj ? "{\"a\":" : "";
    std::string open = obj ? "{\"a\":" : "[";
    std::string close = obj ? "}" : "]";
    s.reserve(levels * (open.size() + close.size()) + 8);
    for (size_t k = 0; k < levels; ++k) s += open;
    s += pickStr({"1", "\"x\"", "[]", "{}", ""});
    bool terminate = !rare(4);
    if (terminate)
      for (size_t k = 0; k < levels; ++k) s += close;
    if (obj) s += terminate ? "}" : "";
    return s;
  }

  std::string key() {
    return rare(4) ? text()
                   : pickStr({"type", "text", "content", "role", "id", "name", "arguments", "input",
                              "index", "delta", "usage", "error", "message", "data", "parts",
                              "result", "a"});
  }

  // Any JSON value, nesting bounded by `depth`.
  template <class J>
  J value(int depth) {
    int kind = p_.ConsumeIntegralInRange<int>(0, depth > 0 ? 7 : 5);
    switch (kind) {
      case 0:
        return nullptr;
      case 1:
        return coin();
      case 2:
        return number();
      case 3:
        return p_.ConsumeFloatingPoint<double>();
      case 4:
      case 5:
        return text();
      case 6: {
        J a = J::array();
        for (size_t k = upTo(3); k > 0; --k) a.push_back(value<J>(depth - 1));
        return a;
      }
      default: {
        J o = J::object();
        for (size_t k = upTo(3); k > 0; --k) o[key()] = value<J>(depth - 1);
        return o;
      }
    }
  }

  // `good` most of the time, any value (wrong type) sometimes, or absent (null).
  template <class J>
  J orWrong(J good) {
    if (rare(12)) return value<J>(1);
    return good;
  }

  // A value that dump() writes as deep() text. Deep documents are never built as a DOM here:
  // copying or destroying one would overflow the harness's own stack first.
  ojson deepValue() {
    deep_.push_back(deep());
    return ojson("\x01" + std::to_string(deep_.size() - 1) + "\x01");
  }

  // Serialises (deepValue() placeholders replaced by their text), then sometimes damages a few
  // bytes (invalid UTF-8, broken syntax).
  template <class J>
  std::string dump(const J& doc) {
    std::string s = doc.dump(-1, ' ', false, J::error_handler_t::replace);
    for (size_t k = 0; k < deep_.size(); ++k) {
      std::string mark = "\"\\u0001" + std::to_string(k) + "\\u0001\"";
      if (size_t at = s.find(mark); at != std::string::npos) s.replace(at, mark.size(), deep_[k]);
    }
    if (rare(10) && !s.empty()) {
      for (size_t k = upTo(3); k > 0; --k) {
        s[upTo(s.size() - 1)] = static_cast<char>(p_.ConsumeIntegral<uint8_t>());
      }
    }
    return s;
  }

 private:
  FuzzedDataProvider& p_;
  std::vector<std::string> deep_;
};

// ---------------------------------------------------------------------------------------------
// Shapes shared by several targets

// An OpenAI chat.completions request, as a client sends it (for the native adapters).
inline json openAiRequest(Gen& g) {
  json req = json::object();
  req["model"] = g.orWrong<json>(g.pickStr(
      {"claude-3-5-haiku", "gemini-2.0-flash", "models/gemini-x", "command-a", "bad model!", ""}));
  json msgs = json::array();
  std::vector<std::string> ids;
  size_t n = g.upTo(6);
  for (size_t i = 0; i < n && g.more(); ++i) {
    json m = json::object();
    std::string role = g.pickStr({"system", "developer", "user", "user", "assistant", "assistant",
                                  "tool", "tool", "function", ""});
    m["role"] = g.orWrong<json>(role);
    auto content = [&]() -> json {
      switch (g.upTo(4)) {
        case 0:
          return nullptr;
        case 1:
        case 2:
          return role == "tool" && g.coin() ? json(g.jsonText()) : json(g.text());
        default: {
          json parts = json::array();
          for (size_t k = g.upTo(3); k > 0; --k) {
            json part = json::object();
            std::string t =
                g.pickStr({"text", "text", "image_url", "refusal", "input_audio", "file", "x"});
            part["type"] = t;
            if (t == "text" || t == "refusal") {
              part[t] = g.orWrong<json>(g.coin() ? g.text() : g.jsonText());
            } else if (t == "image_url") {
              std::string url = g.pickStr(
                  {"data:image/png;base64,iVBOR", "data:image/svg;base64,AA", "data:,x",
                   "https://e.x/a.PNG?q#f", "http://e.x/noext", "gs://b/o.pdf", "ftp://x"});
              if (g.coin()) url += g.text();
              part["image_url"] = g.coin() ? json{{"url", url}, {"detail", "high"}} : json(url);
            } else if (t == "input_audio") {
              part["input_audio"] = {{"data", g.text()}, {"format", g.pickStr({"wav", "mp3"})}};
            } else if (t == "file") {
              part["file"] = {{"file_data", g.pickStr({"data:application/pdf;base64,JVBE",
                                                       "data:;base64,", "file-123"})}};
            }
            parts.push_back(g.orWrong<json>(std::move(part)));
          }
          return parts;
        }
      }
    };
    if (!g.rare(8)) m["content"] = content();
    if (role == "assistant") {
      if (g.coin()) {
        json calls = json::array();
        for (size_t k = g.upTo(3); k > 0; --k) {
          std::string id = g.pickStr({"call_1", "call_2", "toolu_x", ""});
          ids.push_back(id);
          json fn = {{"name", g.orWrong<json>(g.pickStr({"get_weather", "search", "", "a.b"}))}};
          if (!g.rare(6)) fn["arguments"] = g.orWrong<json>(g.jsonText());
          json call = {{"id", g.orWrong<json>(id)}, {"type", "function"}, {"function", fn}};
          if (g.rare(4)) call["extra_content"] = {{"google", {{"thought_signature", g.text()}}}};
          calls.push_back(g.orWrong<json>(std::move(call)));
        }
        m["tool_calls"] = g.orWrong<json>(std::move(calls));
      }
      if (g.rare(3)) m["reasoning_content"] = g.orWrong<json>(g.text());
      if (g.rare(3)) m["reasoning_signature"] = g.orWrong<json>(g.text());
      if (g.rare(5)) m["reasoning_redacted"] = g.orWrong<json>(json::array({g.text()}));
    }
    if (role == "tool") {
      std::string id = !ids.empty() && !g.rare(4) ? ids[g.upTo(ids.size() - 1)] : g.text();
      m["tool_call_id"] = g.orWrong<json>(id);
      if (g.rare(3)) m["name"] = g.text();
    }
    msgs.push_back(g.orWrong<json>(std::move(m)));
  }
  req["messages"] = g.orWrong<json>(std::move(msgs));
  // Options, each present or not.
  while (g.more() && !g.rare(3)) {
    switch (g.upTo(15)) {
      case 0: {
        json tools = json::array();
        for (size_t k = g.upTo(3); k > 0; --k) {
          json fn = {{"name", g.orWrong<json>(g.pickStr({"get_weather", "search", ""}))}};
          if (g.coin()) fn["description"] = g.text();
          if (g.coin()) {
            json schema = {{"type", g.pickStr({"object", "string"})}};
            if (g.coin())
              schema["properties"] = {
                  {"a", g.value<json>(3)},
                  {"b", {{"type", json::array({"string", "null"})}, {"const", "x"}}}};
            if (g.coin()) schema["anyOf"] = json::array({g.value<json>(2)});
            if (g.rare(4)) schema["items"] = g.value<json>(3);
            if (g.rare(4)) schema["$schema"] = "x";
            fn["parameters"] = g.orWrong<json>(std::move(schema));
          }
          tools.push_back(g.orWrong<json>(json{{"type", "function"}, {"function", fn}}));
        }
        req["tools"] = g.orWrong<json>(std::move(tools));
        break;
      }
      case 1:
        req["tool_choice"] = g.coin()
                                 ? json(g.pickStr({"auto", "none", "required", "any"}))
                                 : json{{"type", "function"}, {"function", {{"name", g.text()}}}};
        break;
      case 2:
        req["temperature"] = g.orWrong<json>(g.fdp().ConsumeFloatingPointInRange(-1.0, 3.0));
        break;
      case 3:
        req["max_tokens"] = g.orWrong<json>(g.number());
        break;
      case 4:
        req["max_completion_tokens"] = g.orWrong<json>(g.number());
        break;
      case 5:
        req["stop"] = g.coin() ? json(g.text()) : json::array({g.text(), g.value<json>(0)});
        break;
      case 6:
        req["reasoning_effort"] =
            g.orWrong<json>(g.pickStr({"none", "minimal", "low", "medium", "high", "max"}));
        break;
      case 7:
        req["response_format"] =
            g.coin()
                ? json{{"type", g.pickStr({"text", "json_object", "json_schema", "x"})}}
                : json{{"type", "json_schema"}, {"json_schema", {{"schema", g.value<json>(3)}}}};
        break;
      case 8:
        req["parallel_tool_calls"] = g.orWrong<json>(g.coin());
        break;
      case 9:
        req["n"] = g.orWrong<json>(g.number());
        break;
      case 10:
        req["logprobs"] = g.orWrong<json>(g.coin());
        break;
      case 11:
        req["top_p"] = g.orWrong<json>(g.fdp().ConsumeFloatingPoint<double>());
        break;
      case 12:
        req["seed"] = g.orWrong<json>(g.number());
        break;
      case 13:
        req["user"] = g.orWrong<json>(g.text());
        break;
      case 14:
        req["stream_options"] = {{"include_usage", g.orWrong<json>(true)}};
        break;
      default:
        req[g.key()] = g.value<json>(2);
    }
  }
  return req;
}

// An OpenAI chat.completion (whole answer) from an upstream.
inline ojson openAiCompletion(Gen& g) {
  ojson msg = ojson::object();
  msg["role"] = "assistant";
  msg["content"] = g.coin() ? ojson(g.text()) : ojson(nullptr);
  if (g.coin()) msg["reasoning_content"] = g.orWrong<ojson>(g.text());
  if (g.rare(3)) msg["reasoning_signature"] = g.orWrong<ojson>(g.text());
  if (g.rare(4)) msg["reasoning_redacted"] = g.orWrong<ojson>(ojson::array({g.text()}));
  if (g.coin()) {
    ojson calls = ojson::array();
    for (size_t k = g.upTo(3); k > 0; --k) {
      ojson fn = {{"name", g.orWrong<ojson>(g.pickStr({"get_weather", "search", ""}))}};
      fn["arguments"] = g.rare(6) ? g.value<ojson>(3) : ojson(g.jsonText());
      calls.push_back(g.orWrong<ojson>(
          ojson{{"id", g.orWrong<ojson>(g.text())}, {"type", "function"}, {"function", fn}}));
    }
    msg["tool_calls"] = g.orWrong<ojson>(std::move(calls));
  }
  ojson choice = {{"index", 0}, {"message", g.orWrong<ojson>(std::move(msg))}};
  choice["finish_reason"] =
      g.orWrong<ojson>(g.pickStr({"stop", "length", "tool_calls", "content_filter", "x"}));
  ojson doc = {{"id", g.orWrong<ojson>(g.pickStr({"chatcmpl-1", "chatcmpl-msg_x", "x", ""}))},
               {"object", "chat.completion"},
               {"created", g.number()},
               {"model", g.text()}};
  ojson choices = ojson::array();
  if (!g.rare(8)) choices.push_back(g.orWrong<ojson>(std::move(choice)));
  doc["choices"] = g.orWrong<ojson>(std::move(choices));
  if (g.coin()) {
    ojson usage = {{"prompt_tokens", g.orWrong<ojson>(g.number())},
                   {"completion_tokens", g.orWrong<ojson>(g.number())},
                   {"total_tokens", g.orWrong<ojson>(g.number())}};
    if (g.coin()) usage["prompt_tokens_details"] = {{"cached_tokens", g.number()}};
    doc["usage"] = g.orWrong<ojson>(std::move(usage));
  }
  return doc;
}

// One OpenAI chat.completion.chunk (streamed answer), or an error / odd payload.
inline std::string openAiChunk(Gen& g) {
  switch (g.upTo(12)) {
    case 0:
      return "[DONE]";
    case 1:
      return g.dump(ojson{
          {"error", {{"message", g.text()}, {"type", g.text()}, {"code", g.value<ojson>(0)}}}});
    case 2:
      return g.text();
    default:
      break;
  }
  ojson delta = ojson::object();
  while (g.more() && !g.rare(3)) {
    switch (g.upTo(6)) {
      case 0:
        delta["role"] = "assistant";
        break;
      case 1:
        delta["content"] = g.orWrong<ojson>(g.text());
        break;
      case 2:
        delta["reasoning_content"] = g.orWrong<ojson>(g.text());
        break;
      case 3:
        delta["reasoning_signature"] = g.orWrong<ojson>(g.text());
        break;
      case 4:
        delta["reasoning_redacted"] = g.orWrong<ojson>(ojson::array({g.text()}));
        break;
      default: {
        ojson calls = ojson::array();
        for (size_t k = g.upTo(2); k > 0; --k) {
          ojson call = {{"index", g.orWrong<ojson>(g.coin() ? int64_t(g.upTo(3)) : g.number())}};
          if (g.coin()) call["id"] = g.orWrong<ojson>(g.pickStr({"call_1", "call_2", ""}));
          if (g.coin()) call["type"] = "function";
          ojson fn = ojson::object();
          if (g.coin()) fn["name"] = g.orWrong<ojson>(g.pickStr({"get_weather", "search", ""}));
          fn["arguments"] = g.orWrong<ojson>(g.coin() ? g.jsonText() : g.text());
          call["function"] = g.orWrong<ojson>(std::move(fn));
          calls.push_back(g.orWrong<ojson>(std::move(call)));
        }
        delta["tool_calls"] = g.orWrong<ojson>(std::move(calls));
      }
    }
  }
  ojson choice = {{"index", 0}, {"delta", g.orWrong<ojson>(std::move(delta))}};
  choice["finish_reason"] =
      g.coin() ? ojson(nullptr)
               : g.orWrong<ojson>(g.pickStr({"stop", "length", "tool_calls", "content_filter"}));
  ojson chunk = {{"id", g.orWrong<ojson>(g.pickStr({"chatcmpl-1", "chatcmpl-2", ""}))},
                 {"object", "chat.completion.chunk"},
                 {"created", g.number()},
                 {"model", g.text()}};
  ojson choices = ojson::array();
  if (!g.rare(5)) choices.push_back(g.orWrong<ojson>(std::move(choice)));
  chunk["choices"] = g.orWrong<ojson>(std::move(choices));
  if (g.rare(3)) {
    ojson usage = {{"prompt_tokens", g.orWrong<ojson>(g.number())},
                   {"completion_tokens", g.orWrong<ojson>(g.number())},
                   {"total_tokens", g.number()}};
    if (g.coin()) usage["prompt_tokens_details"] = {{"cached_tokens", g.number()}};
    chunk["usage"] = g.orWrong<ojson>(std::move(usage));
  }
  return g.dump(chunk);
}

}  // namespace fz
