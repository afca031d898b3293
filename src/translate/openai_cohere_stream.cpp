// Cohere v2 chat stream -> OpenAI chat.completion.chunk SSE. Cohere names each event twice (the
// SSE "event:" field and the JSON "type"); the event name wins and the type fills in when the
// name is missing. content-delta, nearly every event of a stream, takes a fast path: validate
// the data once, walk to delta.message.content.{text|thinking} by byte spans and splice the
// (already escaped) JSON string into a chunk prefix built once per stream. Everything else is
// rare and goes through a type-checked DOM.
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/json_text.h"
#include "http/errors.h"
#include "http/json_scan.h"
#include "http/sse.h"
#include "translate/openai_cohere.h"

namespace igw::cohere {

namespace {

using nlohmann::json;

constexpr size_t kNone = std::string_view::npos;

struct Span {
  size_t begin = kNone, end = kNone;
  bool found() const { return begin != kNone; }
};

size_t skipWs(std::string_view t, size_t p) {
  while (p < t.size() && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r')) ++p;
  return p;
}

// End of the string literal opening at p (one past the closing quote), or kNone. memchr to
// the next quote, then count the backslashes before it: an even run means it closes.
size_t skipString(std::string_view t, size_t p) {
  for (++p; p < t.size();) {
    const void* q = std::memchr(t.data() + p, '"', t.size() - p);
    if (q == nullptr) return kNone;
    size_t quote = static_cast<const char*>(q) - t.data();
    size_t slashes = 0;
    while (quote - slashes > p && t[quote - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return quote + 1;
    p = quote + 1;
  }
  return kNone;
}

// End of the value at p in text already validated as JSON, or kNone.
size_t skipValue(std::string_view t, size_t p) {
  if (p >= t.size()) return kNone;
  if (t[p] == '"') return skipString(t, p);
  if (t[p] != '{' && t[p] != '[') {
    while (p < t.size() && t[p] != ',' && t[p] != '}' && t[p] != ']' && t[p] != ' ' &&
           t[p] != '\n' && t[p] != '\r' && t[p] != '\t') {
      ++p;
    }
    return p;
  }
  int depth = 0;
  while (p < t.size()) {
    char c = t[p];
    if (c == '"') {
      p = skipString(t, p);
      if (p == kNone) return kNone;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return p + 1;
    ++p;
  }
  return kNone;
}

// Value span of `key` in the object starting at `obj` (validated JSON). Keys are compared as
// written, so an escaped key is "not found" and the caller falls back to the DOM.
Span findMember(std::string_view t, Span obj, std::string_view key) {
  size_t p = skipWs(t, obj.begin);
  if (p >= obj.end || t[p] != '{') return {};
  p = skipWs(t, p + 1);
  while (p < obj.end && t[p] == '"') {
    size_t key_end = skipString(t, p);
    if (key_end == kNone) return {};
    bool match = t.substr(p + 1, key_end - p - 2) == key;
    p = skipWs(t, key_end);
    if (p >= obj.end || t[p] != ':') return {};
    p = skipWs(t, p + 1);
    size_t value_end = skipValue(t, p);
    if (value_end == kNone || value_end > obj.end) return {};
    if (match) return {p, value_end};
    p = skipWs(t, value_end);
    if (p < obj.end && t[p] == ',') p = skipWs(t, p + 1);
  }
  return {};
}

// JSON text from the network may hold invalid UTF-8 inside strings; the scanner does not check
// it, and spliced output must be valid JSON.
bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = (c >= 0xC2 && c <= 0xDF)   ? 1
               : (c >= 0xE0 && c <= 0xEF) ? 2
               : (c >= 0xF0 && c <= 0xF4) ? 3
                                          : 0;
    if (n == 0 || i + n >= s.size()) return false;
    auto c1 = static_cast<unsigned char>(s[i + 1]);
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 > 0x8F)) {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string quoteForError(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  size_t i = 0;
  while (i < out.size()) {
    size_t n = 1;
    while (n <= 4 && i + n <= out.size() && !validUtf8(std::string_view(out).substr(i, n))) ++n;
    if (n > 4 || i + n > out.size()) {
      out[i++] = '?';
    } else {
      i += n;
    }
  }
  return out;
}

namespace {

const json* path(const json& j, std::initializer_list<const char*> keys) {
  const json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

const std::string* stringAt(const json& j, std::initializer_list<const char*> keys) {
  const json* v = path(j, keys);
  return v && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

class CohereStream final : public StreamTranslator {
 public:
  explicit CohereStream(const TranslateContext& ctx) : ctx_(ctx) {}

  Status onEvent(std::string_view event, std::string_view data, std::string& out) override;
  Status finish(std::string& out) override;
  Usage usage() const override { return usage_; }

 private:
  bool fastContentDelta(std::string_view data, std::string& out);
  Status onDom(std::string_view type, const json& j, std::string& out);
  void onToolCallStart(const json& j, std::string& out);
  void onToolCallDelta(const json& j, std::string& out);
  void onMessageEnd(const json& j, std::string& out);
  void errorEvent(const Status& s, std::string& out);

  void ensurePrefix(const std::string* id);
  void beginChunk(std::string& out);
  void endChunk(std::string& out, std::string_view finish_reason = {});
  void ensureStarted(std::string& out);
  void textDelta(std::string_view field, std::string_view quoted, std::string& out);

  TranslateContext ctx_;
  std::string head_;    // {"id":..,"object":..,"created":..,"model":..,
  std::string prefix_;  // head_ + "choices":[{"index":0,"delta":
  bool started_ = false, ended_ = false, finished_ = false;
  std::vector<int64_t> tool_ids_;  // Cohere index of each tool call; position = OpenAI index
  Usage usage_;
  std::string scratch_;  // an escaped string being spliced
  std::string type_;     // the event type when it had to be decoded
};

void CohereStream::ensurePrefix(const std::string* id) {
  if (!prefix_.empty()) return;
  head_ = "{\"id\":";
  appendJsonString(head_, id && !id->empty() ? *id : ctx_.response_id);
  head_ += ",\"object\":\"chat.completion.chunk\",\"created\":";
  head_ += std::to_string(ctx_.created);
  head_ += ",\"model\":";
  appendJsonString(head_, ctx_.model);
  head_ += ',';
  prefix_ = head_ + "\"choices\":[{\"index\":0,\"delta\":";
}

void CohereStream::beginChunk(std::string& out) {
  ensurePrefix(nullptr);
  out += "data: ";
  out += prefix_;
}

void CohereStream::endChunk(std::string& out, std::string_view finish_reason) {
  if (finish_reason.empty()) {
    out += ",\"finish_reason\":null,\"logprobs\":null}]}\n\n";
    return;
  }
  out += ",\"finish_reason\":\"";
  out += finish_reason;
  out += "\",\"logprobs\":null}]}\n\n";
}

void CohereStream::ensureStarted(std::string& out) {
  if (started_) return;
  started_ = true;
  beginChunk(out);
  out += "{\"role\":\"assistant\",\"content\":\"\"}";
  endChunk(out);
}

// `quoted` is a complete JSON string literal, quotes included.
void CohereStream::textDelta(std::string_view field, std::string_view quoted, std::string& out) {
  if (quoted.size() <= 2) return;  // "" carries nothing
  ensureStarted(out);
  beginChunk(out);
  out += "{\"";
  out += field;
  out += "\":";
  out += quoted;
  out += '}';
  endChunk(out);
}

void CohereStream::errorEvent(const Status& s, std::string& out) {
  ended_ = true;
  appendSseData(out, errorJson(s));
}

bool CohereStream::fastContentDelta(std::string_view data, std::string& out) {
  Span all{0, data.size()};
  Span delta = findMember(data, all, "delta");
  Span message = delta.found() ? findMember(data, delta, "message") : Span{};
  Span content = message.found() ? findMember(data, message, "content") : Span{};
  if (!content.found()) return false;
  std::string_view field = "content";
  Span text = findMember(data, content, "text");
  if (!text.found()) {
    text = findMember(data, content, "thinking");
    field = "reasoning_content";
  }
  if (!text.found() || data[text.begin] != '"') return false;
  std::string_view quoted = data.substr(text.begin, text.end - text.begin);
  if (!validUtf8(quoted)) return false;  // the DOM path reports it
  textDelta(field, quoted, out);
  return true;
}

Status CohereStream::onEvent(std::string_view event, std::string_view data, std::string& out) {
  if (ended_) return Status::ok();  // nothing after message-end (or an error) changes the answer
  size_t first = skipWs(data, 0);
  if (first == data.size()) return Status::ok();  // keep-alive
  std::string_view type = event == "message" ? std::string_view() : event;
  bool is_json = validateJson(data).isOk();
  if (is_json && type.empty()) {
    Span t = findMember(data, {0, data.size()}, "type");
    if (t.found() && data[t.begin] == '"') type = data.substr(t.begin + 1, t.end - t.begin - 2);
  }
  if (is_json && type == "content-delta" && fastContentDelta(data, out)) return Status::ok();
  // validateJson bounds the depth too, so a document too deep for parseJson never gets here.
  json j = is_json ? parseJsonOrDiscarded(data) : json(json::value_t::discarded);
  if (j.is_discarded() || !j.is_object()) {
    if (type == "error") {  // tolerate a plain-text error event
      errorEvent(unavailable("Cohere stream error: " + quoteForError(data)), out);
      return Status::ok();
    }
    return unavailable("Cohere sent a stream event whose data is not a JSON object: " +
                       quoteForError(data, 200));
  }
  if (type.empty() || type.find('\\') != std::string_view::npos) {
    const std::string* t = stringAt(j, {"type"});
    type_ = t ? *t : std::string();
    type = type_;
  }
  return onDom(type, j, out);
}

Status CohereStream::onDom(std::string_view type, const json& j, std::string& out) {
  if (type == "message-start") {
    ensurePrefix(stringAt(j, {"id"}));
    ensureStarted(out);
  } else if (type == "content-start" || type == "content-delta") {
    const json* c = path(j, {"delta", "message", "content"});
    if (!c || !c->is_object()) return Status::ok();
    for (auto [key, field] : {std::pair{"text", "content"}, {"thinking", "reasoning_content"}}) {
      if (const std::string* s = stringAt(*c, {key})) {
        scratch_.clear();
        appendJsonString(scratch_, *s);
        textDelta(field, scratch_, out);
      }
    }
  } else if (type == "tool-plan-delta") {
    if (const std::string* s = stringAt(j, {"delta", "message", "tool_plan"})) {
      scratch_.clear();
      appendJsonString(scratch_, *s);
      textDelta("reasoning_content", scratch_, out);
    }
  } else if (type == "tool-call-start") {
    onToolCallStart(j, out);
  } else if (type == "tool-call-delta") {
    onToolCallDelta(j, out);
  } else if (type == "message-end") {
    onMessageEnd(j, out);
  } else if (type == "error") {
    const std::string* m = stringAt(j, {"message"});
    std::string msg = m ? *m : j.dump(-1, ' ', false, json::error_handler_t::replace);
    errorEvent(unavailable("Cohere stream error: " + msg), out);
  }
  // content-end, tool-call-end, citation-start/end, debug and unknown events carry nothing
  // an OpenAI client can use.
  return Status::ok();
}

// The tool call object of a tool-call event (Cohere sends an object; tolerate a 1-array).
const json* toolCallOf(const json& j) {
  const json* tc = path(j, {"delta", "message", "tool_calls"});
  if (tc && tc->is_array() && !tc->empty()) tc = &(*tc)[0];
  return tc && tc->is_object() ? tc : nullptr;
}

int64_t indexOf(const json& j) {
  const json* i = path(j, {"index"});
  return i && i->is_number_integer() ? i->get<int64_t>() : -1;
}

void CohereStream::onToolCallStart(const json& j, std::string& out) {
  const json* tc = toolCallOf(j);
  if (!tc) return;
  size_t index = tool_ids_.size();
  tool_ids_.push_back(indexOf(j));
  const std::string* id = stringAt(*tc, {"id"});
  const std::string* name = stringAt(*tc, {"function", "name"});
  const std::string* args = stringAt(*tc, {"function", "arguments"});
  ensureStarted(out);
  beginChunk(out);
  out += "{\"tool_calls\":[{\"index\":";
  out += std::to_string(index);
  out += ",\"id\":";
  appendJsonString(out, id ? *id : "call_" + std::to_string(index));
  out += ",\"type\":\"function\",\"function\":{\"name\":";
  appendJsonString(out, name ? *name : std::string());
  out += ",\"arguments\":";
  appendJsonString(out, args ? *args : std::string());
  out += "}}]}";
  endChunk(out);
}

void CohereStream::onToolCallDelta(const json& j, std::string& out) {
  const json* tc = toolCallOf(j);
  const std::string* args = tc ? stringAt(*tc, {"function", "arguments"}) : nullptr;
  if (!args || args->empty() || tool_ids_.empty()) return;
  // Deltas name the call by Cohere's index; without one they continue the latest call.
  size_t index = tool_ids_.size() - 1;
  int64_t cohere_index = indexOf(j);
  for (size_t i = tool_ids_.size(); cohere_index >= 0 && i-- > 0;) {
    if (tool_ids_[i] == cohere_index) {
      index = i;
      break;
    }
  }
  beginChunk(out);
  out += "{\"tool_calls\":[{\"index\":";
  out += std::to_string(index);
  out += ",\"function\":{\"arguments\":";
  appendJsonString(out, *args);
  out += "}}]}";
  endChunk(out);
}

void CohereStream::onMessageEnd(const json& j, std::string& out) {
  ensureStarted(out);
  if (const json* u = path(j, {"delta", "usage"}); u && u->is_object()) usage_ = usageFrom(*u);
  const std::string* reason = stringAt(j, {"delta", "finish_reason"});
  std::string_view finish = openAiFinishReason(reason ? *reason : "COMPLETE");
  if (finish.empty()) {
    std::string msg = "Cohere ended the generation with finish_reason " + *reason;
    if (const std::string* e = stringAt(j, {"delta", "error"})) msg += ": " + *e;
    errorEvent(*reason == "TIMEOUT" ? deadlineExceeded(msg) : unavailable(msg), out);
    return;
  }
  beginChunk(out);
  out += "{}";
  endChunk(out, finish);
  if (ctx_.include_usage) {
    out += "data: ";
    out += head_;
    out += "\"choices\":[],\"usage\":";
    out += usageJson(usage_).dump();
    out += "}\n\n";
  }
  ended_ = true;
}

Status CohereStream::finish(std::string& out) {
  if (finished_) return Status::ok();
  finished_ = true;
  if (!ended_) return unavailable("Cohere stream ended before message-end");
  out += "data: [DONE]\n\n";
  return Status::ok();
}

}  // namespace

std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx) {
  return std::make_unique<CohereStream>(ctx);
}

}  // namespace igw::cohere
