// Anthropic Messages stream events -> OpenAI chat.completion.chunk SSE events.
//
// Nearly every event of a long answer is a content_block_delta, and Anthropic serialises those
// in one fixed shape, so a byte-level fast path recognises that shape, validates the one string
// it carries and copies it into the output still escaped: no DOM, no decode, no re-encode. Any
// other event, or a delta that does not match exactly, takes the general nlohmann path.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "core/json_parse.h"
#include "core/json_text.h"
#include "core/saturating.h"
#include "http/errors.h"
#include "http/sse.h"
#include "translate/openai_anthropic.h"

namespace igw::anthropic {

namespace {

using json = nlohmann::json;

constexpr std::string_view kChunkEnd = R"(,"finish_reason":null,"logprobs":null}]})"
                                       "\n\n";

enum class DeltaKind { kText, kThinking, kToolInput, kSignature };

// A content_block_delta whose string payload is still JSON-escaped.
struct RawDelta {
  int64_t index = 0;
  DeltaKind kind = DeltaKind::kText;
  std::string_view escaped;  // between the quotes
};

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Length of the valid UTF-8 sequence starting at s[0] (RFC 3629), 0 when invalid.
size_t utf8Length(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < s.size() && b(i) >= lo && b(i) <= hi;
  };
  unsigned c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// Scans the body of a JSON string (after its opening quote) and returns the offset of the
// closing quote, or npos when the fast path must not copy it verbatim: bad escapes, control
// characters, invalid UTF-8, or \u escapes (which could be lone surrogates).
size_t copyableStringEnd(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return i;
    if (c < 0x20) return std::string_view::npos;
    if (c == '\\') {
      if (i + 1 >= s.size()) return std::string_view::npos;
      char e = s[i + 1];
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
          e != 't') {
        return std::string_view::npos;
      }
      i += 2;
    } else if (c < 0x80) {
      ++i;
    } else {
      size_t n = utf8Length(s.substr(i));
      if (n == 0) return std::string_view::npos;
      i += n;
    }
  }
  return std::string_view::npos;
}

// Matches {"type":"content_block_delta","index":N,"delta":{"type":"<kind>","<field>":"..."}}
// exactly as Anthropic writes it.
bool matchDelta(std::string_view s, RawDelta& d) {
  if (!consume(s, R"({"type":"content_block_delta","index":)")) return false;
  size_t digits = 0;
  d.index = 0;
  while (digits < s.size() && digits < 9 && s[digits] >= '0' && s[digits] <= '9') {
    d.index = d.index * 10 + (s[digits] - '0');
    ++digits;
  }
  if (digits == 0 || (digits > 1 && s[0] == '0')) return false;
  s.remove_prefix(digits);
  if (!consume(s, R"(,"delta":{"type":")")) return false;
  if (consume(s, R"(text_delta","text":")")) {
    d.kind = DeltaKind::kText;
  } else if (consume(s, R"(input_json_delta","partial_json":")")) {
    d.kind = DeltaKind::kToolInput;
  } else if (consume(s, R"(thinking_delta","thinking":")")) {
    d.kind = DeltaKind::kThinking;
  } else if (consume(s, R"(signature_delta","signature":")")) {
    d.kind = DeltaKind::kSignature;
  } else {
    return false;
  }
  size_t end = copyableStringEnd(s);
  if (end == std::string_view::npos) return false;
  d.escaped = s.substr(0, end);
  s.remove_prefix(end + 1);
  if (!consume(s, "}}")) return false;
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

class AnthropicStream final : public StreamTranslator {
 public:
  explicit AnthropicStream(const TranslateContext& ctx) : ctx_(ctx) { setId(ctx_.response_id); }

  Status onEvent(std::string_view event, std::string_view data, std::string& out) override {
    if (errored_ || stopped_) return Status::ok();  // nothing after the end counts
    RawDelta d;
    if (matchDelta(data, d)) return onDelta(d, out);
    if (data.empty()) return Status::ok();
    auto parsed = parseJson(data);
    if (parsed.overLimit())
      return jsonStatus(parsed, Code::kUnavailable, "Anthropic's stream event");
    json ev = std::move(parsed.value);
    if (ev.is_discarded() || !ev.is_object()) {
      return unavailable("Anthropic sent a stream event that is not a JSON object: " +
                         std::string(data.substr(0, 200)));
    }
    std::string_view type = jsonf::view(ev, "type");
    return onJson(type.empty() ? event : type, ev, out);
  }

  Status finish(std::string& out) override {
    if (finished_) return Status::ok();
    if (!errored_ && !stopped_ && !finish_sent_) {
      return unavailable("Anthropic stream ended before the message was complete");
    }
    finished_ = true;
    if (!errored_) {
      // message_stop without a stop_reason still owes the client a finish_reason.
      if (!finish_sent_) appendFinishChunk(out, "stop");
      if (ctx_.include_usage) appendUsageChunk(out);
    }
    appendSseData(out, "[DONE]");
    return Status::ok();
  }

  Usage usage() const override {
    Usage u;
    if (input_ >= 0) {
      u.prompt = addSat(input_, cache_read_, cache_creation_);
      u.cached = cache_read_;
    }
    u.completion = output_;
    if (u.prompt >= 0 && u.completion >= 0) u.total = addSat(u.prompt, u.completion);
    return u;
  }

 private:
  // Chunks are `prefix_ + delta + kChunkEnd`; prefix_ holds everything up to the delta value.
  void setId(std::string_view id) {
    prefix_ = R"(data: {"id":)";
    appendJsonString(prefix_, id);
    prefix_ += R"(,"object":"chat.completion.chunk","created":)";
    prefix_ += std::to_string(ctx_.created);
    prefix_ += R"(,"model":)";
    appendJsonString(prefix_, ctx_.model);
    prefix_ += R"(,"choices":[{"index":0,"delta":)";
  }

  int toolIndex(int64_t block) const {
    for (auto it = tool_blocks_.rbegin(); it != tool_blocks_.rend(); ++it) {
      if (it->first == block) return it->second;
    }
    return -1;
  }

  // One chunk whose delta is {"<field>":<already-encoded JSON string>}.
  void appendStringDelta(std::string& out, std::string_view field, std::string_view escaped) {
    out += prefix_;
    out += "{\"";
    out += field;
    out += "\":\"";
    out += escaped;
    out += "\"}";
    out += kChunkEnd;
  }

  void appendToolDelta(std::string& out, int tool, std::string_view escaped_args) {
    out += prefix_;
    out += R"({"tool_calls":[{"index":)";
    out += std::to_string(tool);
    out += R"(,"function":{"arguments":")";
    out += escaped_args;
    out += "\"}}]}";
    out += kChunkEnd;
  }

  Status onDelta(const RawDelta& d, std::string& out) {
    if (d.escaped.empty()) return Status::ok();  // e.g. the opening partial_json ""
    switch (d.kind) {
      case DeltaKind::kText:
        appendStringDelta(out, "content", d.escaped);
        break;
      case DeltaKind::kThinking:
        appendStringDelta(out, "reasoning_content", d.escaped);
        break;
      case DeltaKind::kSignature:
        appendStringDelta(out, "reasoning_signature", d.escaped);
        break;
      case DeltaKind::kToolInput:
        if (int tool = toolIndex(d.index); tool >= 0) appendToolDelta(out, tool, d.escaped);
        break;
    }
    return Status::ok();
  }

  // Deltas the fast path declined (\u escapes, unusual key order): re-encode and reuse it.
  Status onJsonDelta(const json& ev, std::string& out) {
    const json& delta = jsonf::at(ev, "delta");
    std::string_view type = jsonf::view(delta, "type");
    std::string_view field = type == "text_delta"         ? "text"
                             : type == "thinking_delta"   ? "thinking"
                             : type == "signature_delta"  ? "signature"
                             : type == "input_json_delta" ? "partial_json"
                                                          : "";
    if (field.empty()) return Status::ok();  // citations_delta and future kinds
    RawDelta d;
    d.kind = type == "text_delta"        ? DeltaKind::kText
             : type == "thinking_delta"  ? DeltaKind::kThinking
             : type == "signature_delta" ? DeltaKind::kSignature
                                         : DeltaKind::kToolInput;
    const json& index = jsonf::at(ev, "index");
    d.index = index.is_number_integer() ? index.get<int64_t>() : -1;
    scratch_.clear();
    appendJsonString(scratch_, jsonf::view(delta, field));
    d.escaped = std::string_view(scratch_).substr(1, scratch_.size() - 2);
    return onDelta(d, out);
  }

  void onMessageStart(const json& ev, std::string& out) {
    const json& message = jsonf::at(ev, "message");
    std::string_view id = jsonf::view(message, "id");
    if (!id.empty()) setId("chatcmpl-" + std::string(id));
    readUsage(jsonf::at(message, "usage"));
    out += prefix_;
    out += R"({"role":"assistant","content":""})";
    out += kChunkEnd;
  }

  void onBlockStart(const json& ev, std::string& out) {
    const json& block = jsonf::at(ev, "content_block");
    std::string_view type = jsonf::view(block, "type");
    const json& index = jsonf::at(ev, "index");
    int64_t block_index = index.is_number_integer() ? index.get<int64_t>() : -1;
    if (type == "tool_use") {
      int tool = next_tool_++;
      tool_blocks_.emplace_back(block_index, tool);
      json delta = {{"tool_calls",
                     json::array({{{"index", tool},
                                   {"id", jsonf::view(block, "id")},
                                   {"type", "function"},
                                   {"function",
                                    {{"name", jsonf::view(block, "name")}, {"arguments", ""}}}}})}};
      appendDelta(out, delta);
    } else if (type == "text" && !jsonf::view(block, "text").empty()) {
      appendDelta(out, {{"content", jsonf::view(block, "text")}});
    } else if (type == "thinking" && !jsonf::view(block, "thinking").empty()) {
      appendDelta(out, {{"reasoning_content", jsonf::view(block, "thinking")}});
    } else if (type == "redacted_thinking") {
      appendDelta(out, {{"reasoning_redacted", json::array({jsonf::view(block, "data")})}});
    }
  }

  void onMessageDelta(const json& ev, std::string& out) {
    readUsage(jsonf::at(ev, "usage"));
    std::string_view stop = jsonf::view(jsonf::at(ev, "delta"), "stop_reason");
    if (stop.empty() || finish_sent_) return;
    appendFinishChunk(out, finishReason(stop));
  }

  void appendFinishChunk(std::string& out, std::string_view reason) {
    finish_sent_ = true;
    out += prefix_;
    out += R"({},"finish_reason":")";
    out += reason;
    out += R"(","logprobs":null}]})";
    out += "\n\n";
  }

  void onError(const json& ev, std::string& out) {
    errored_ = true;
    const json& err = jsonf::at(ev, "error");
    std::string_view type = jsonf::view(err, "type");
    std::string message(jsonf::view(err, "message"));
    if (message.empty()) message = "Anthropic reported a stream error";
    int status = httpStatus(errorCode(type, 500));
    appendSseData(out, errorJson(message, errorType(status), type));
  }

  Status onJson(std::string_view type, const json& ev, std::string& out) {
    if (type == "content_block_delta") return onJsonDelta(ev, out);
    if (type == "message_start")
      onMessageStart(ev, out);
    else if (type == "content_block_start")
      onBlockStart(ev, out);
    else if (type == "message_delta")
      onMessageDelta(ev, out);
    else if (type == "message_stop")
      stopped_ = true;
    else if (type == "error")
      onError(ev, out);
    // ping, content_block_stop and unknown (future) events carry nothing for the client.
    return Status::ok();
  }

  void appendDelta(std::string& out, const json& delta) {
    out += prefix_;
    out += delta.dump(-1, ' ', false, json::error_handler_t::replace);
    out += kChunkEnd;
  }

  // message_start carries the prompt side; message_delta's cumulative output_tokens (and, in
  // newer API versions, repeated input counts) update it. Values are replaced, never summed.
  void readUsage(const json& usage) {
    auto read = [&](std::string_view key, int64_t& into) {
      const json& v = jsonf::at(usage, key);
      if (v.is_number_integer()) into = v.get<int64_t>();
    };
    read("input_tokens", input_);
    read("cache_read_input_tokens", cache_read_);
    read("cache_creation_input_tokens", cache_creation_);
    read("output_tokens", output_);
  }

  void appendUsageChunk(std::string& out) {
    Usage u = usage();
    auto num = [](int64_t v) { return std::to_string(v < 0 ? 0 : v); };
    std::string p = prefix_;
    p.resize(p.size() - std::string_view(R"([{"index":0,"delta":)").size());  // up to "choices":
    out += p;
    out += R"([],"usage":{"prompt_tokens":)" + num(u.prompt);
    out += R"(,"completion_tokens":)" + num(u.completion);
    out += R"(,"total_tokens":)" + num(u.total);
    out += R"(,"prompt_tokens_details":{"cached_tokens":)" + num(cache_read_) + "}}}\n\n";
  }

  TranslateContext ctx_;
  std::string prefix_;
  std::string scratch_;
  std::vector<std::pair<int64_t, int>> tool_blocks_;  // Anthropic block index -> tool call index
  int next_tool_ = 0;
  int64_t input_ = -1, cache_read_ = 0, cache_creation_ = 0, output_ = -1;
  bool finish_sent_ = false, stopped_ = false, errored_ = false, finished_ = false;
};

}  // namespace

std::unique_ptr<StreamTranslator> newMessageStream(const TranslateContext& ctx) {
  return std::make_unique<AnthropicStream>(ctx);
}

}  // namespace igw::anthropic
