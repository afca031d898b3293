// Gemini GenerateContentResponse -> OpenAI chat.completion, plus what the stream path shares
// with it (parts, usage, finish reasons, errors) and the model list. Output is assembled as text
// from the spans JsonView found, so strings are copied once and never decoded.
#include <charconv>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/json_text.h"
#include "core/saturating.h"
#include "http/error_taxonomy.h"
#include "http/errors.h"
#include "translate/openai_gemini.h"

namespace igw::gemini {

namespace {

using JT = JsonType;

void appendToolCall(const JsonView& v, uint32_t part, uint32_t fc, int index, bool with_index,
                    PartsOut& out, std::string& scratch) {
  uint32_t name = v.find(fc, "name");
  uint32_t args = v.find(fc, "args");
  scratch.clear();
  if (v.is(args, JT::kObject)) {
    appendMinified(scratch, v.raw(args));
  } else {
    scratch = "{}";
  }
  std::string& o = out.tool_calls;
  if (!o.empty()) o.push_back(',');
  o.push_back('{');
  if (with_index) {
    o += "\"index\":";
    appendInt(o, index);
    o.push_back(',');
  }
  o += "\"id\":";
  if (uint32_t id = v.find(fc, "id"); v.is(id, JT::kString) && !v.inner(id).empty()) {
    o += v.raw(id);
  } else {
    appendJsonString(o, makeToolCallId(v.inner(name), scratch, index));
  }
  o += ",\"type\":\"function\",\"function\":{\"name\":";
  o += v.is(name, JT::kString) ? v.raw(name) : std::string_view("\"\"");
  o += ",\"arguments\":";
  appendJsonString(o, scratch);
  o.push_back('}');
  if (uint32_t sig = v.find(part, "thoughtSignature"); v.is(sig, JT::kString)) {
    o += ",\"extra_content\":{\"google\":{\"thought_signature\":";
    o += v.raw(sig);
    o += "}}";
  }
  o.push_back('}');
  ++out.calls;
}

// Appends the OpenAI choice for one candidate of a non-streaming response.
void appendChoice(std::string& out, int64_t index, const PartsOut& p, std::string_view finish) {
  out += "{\"index\":";
  appendInt(out, index);
  out += ",\"message\":{\"role\":\"assistant\",\"content\":";
  if (!p.content.empty() || p.calls == 0) {
    out.push_back('"');
    out += p.content;
    out.push_back('"');
  } else {
    out += "null";  // OpenAI's shape for a reply that is only tool calls
  }
  if (!p.reasoning.empty()) {
    out += ",\"reasoning_content\":\"";
    out += p.reasoning;
    out.push_back('"');
  }
  if (p.has_signature) {
    out += ",\"reasoning_signature\":\"";
    out += p.signature;
    out.push_back('"');
  }
  if (p.calls > 0) {
    out += ",\"tool_calls\":[";
    out += p.tool_calls;
    out.push_back(']');
  }
  out += "},\"finish_reason\":\"";
  out += finish;
  out += "\",\"logprobs\":null}";
}

// A bad key comes back as 400 INVALID_ARGUMENT; callers need to see it as an auth failure.
bool invalidApiKey(std::string_view message) {
  return message.find("API key not valid") != std::string_view::npos ||
         message.find("API_KEY_INVALID") != std::string_view::npos;
}

std::string decoded(const JsonView& v, uint32_t n) {
  auto d = decodeJsonString(v.inner(n));
  return d ? std::move(d.value()) : std::string();
}

}  // namespace

void PartsOut::clear() {
  content.clear();
  reasoning.clear();
  signature.clear();
  tool_calls.clear();
  has_signature = false;
  calls = 0;
}

void appendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(end - buf));
}

void collectParts(const JsonView& v, uint32_t cand, int first_call, bool with_index, PartsOut& out,
                  std::string& scratch) {
  uint32_t parts = v.find(v.find(cand, "content"), "parts");
  if (!v.is(parts, JT::kArray)) return;
  for (uint32_t p = v.first(parts); p != JsonView::npos; p = v.next(p)) {
    if (!v.is(p, JT::kObject)) continue;
    if (uint32_t fc = v.find(p, "functionCall"); v.is(fc, JT::kObject)) {
      appendToolCall(v, p, fc, first_call + out.calls, with_index, out, scratch);
      continue;
    }
    if (uint32_t text = v.find(p, "text"); v.is(text, JT::kString)) {
      // Adjacent escaped string bodies concatenate into one valid string body.
      (v.isTrue(v.find(p, "thought")) ? out.reasoning : out.content) += v.inner(text);
    }
    if (uint32_t sig = v.find(p, "thoughtSignature"); v.is(sig, JT::kString)) {
      out.signature.assign(v.inner(sig));
      out.has_signature = true;
    }
    // inlineData, executableCode, codeExecutionResult: nothing in OpenAI chat to carry them.
  }
}

StreamTranslator::Usage readUsage(const JsonView& v, uint32_t um) {
  StreamTranslator::Usage u;
  if (!v.is(um, JT::kObject)) return u;
  int64_t candidates = v.integer(v.find(um, "candidatesTokenCount"), 0);
  int64_t thoughts = v.integer(v.find(um, "thoughtsTokenCount"), -1);
  u.prompt = v.integer(v.find(um, "promptTokenCount"), 0);
  u.completion = addSat(candidates, thoughts > 0 ? thoughts : 0);
  u.total = v.integer(v.find(um, "totalTokenCount"), addSat(u.prompt, u.completion));
  u.cached = v.integer(v.find(um, "cachedContentTokenCount"), -1);
  u.reasoning = thoughts;
  return u;
}

void appendUsage(std::string& out, const StreamTranslator::Usage& u) {
  out += "{\"prompt_tokens\":";
  appendInt(out, u.prompt < 0 ? 0 : u.prompt);
  out += ",\"completion_tokens\":";
  appendInt(out, u.completion < 0 ? 0 : u.completion);
  out += ",\"total_tokens\":";
  appendInt(out, u.total < 0 ? 0 : u.total);
  if (u.cached >= 0) {
    out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
    appendInt(out, u.cached);
    out.push_back('}');
  }
  if (u.reasoning >= 0) {
    out += ",\"completion_tokens_details\":{\"reasoning_tokens\":";
    appendInt(out, u.reasoning);
    out.push_back('}');
  }
  out.push_back('}');
}

std::string_view finishReason(std::string_view r, bool has_tool_calls) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "SAFETY" || r == "RECITATION" || r == "BLOCKLIST" || r == "PROHIBITED_CONTENT" ||
      r == "SPII" || r == "IMAGE_SAFETY") {
    return "content_filter";
  }
  // STOP, MALFORMED_FUNCTION_CALL, LANGUAGE, OTHER, ...: the model is done.
  return has_tool_calls ? "tool_calls" : "stop";
}

Status errorStatus(int http_status, std::string_view rpc_status, std::string message) {
  // The google.rpc status names the class; without a known one the HTTP status does.
  int status = statusForGoogleRpcStatus(rpc_status);
  Code code = codeForStatus(status != 0 ? status : http_status);
  if (invalidApiKey(message)) code = Code::kUnauthenticated;
  if (message.empty()) message = "Gemini returned HTTP " + std::to_string(http_status);
  return {code, std::move(message)};
}

Status embeddedError(const JsonView& v, int http_status, std::string* rpc_status) {
  uint32_t root = v.root();
  if (v.is(root, JT::kArray)) root = v.first(root);  // error bodies are sometimes wrapped
  uint32_t err = v.find(root, "error");
  if (!v.is(err, JT::kObject)) return Status::ok();
  uint32_t status = v.find(err, "status");
  std::string rpc = v.is(status, JT::kString) ? decoded(v, status) : std::string();
  // The real HTTP status, when there is one, outranks the body's copy of it.
  int http = http_status > 0 ? http_status : static_cast<int>(v.integer(v.find(err, "code"), 500));
  uint32_t msg = v.find(err, "message");
  Status s = errorStatus(http, rpc, v.is(msg, JT::kString) ? decoded(v, msg) : std::string());
  if (rpc_status) *rpc_status = std::move(rpc);
  return s.isOk() ? internalError("Gemini error") : s;
}

ProviderError translateError(int http_status, std::string_view body) {
  std::string message;
  JsonView v;
  if (v.parse(body)) {
    if (Status s = embeddedError(v, http_status); !s) message = s.message();
  }
  if (message.empty()) message = upstreamErrorMessage(body);
  int status = providerErrorStatus(http_status);
  if (status == 400 && invalidApiKey(message)) status = 401;  // documented in error_taxonomy.h
  return {status, std::move(message)};
}

Result<std::string> translateResponse(std::string_view body, const TranslateContext& ctx) {
  JsonView v;
  if (!v.parse(body) || !v.is(v.root(), JT::kObject)) {
    if (v.tooDeep()) {
      return unavailable("Gemini's response is nested deeper than " +
                         std::to_string(jsonLimits().max_depth) +
                         " levels (the gateway's limit, JSON_MAX_DEPTH)");
    }
    return unavailable("Gemini returned a response that is not a JSON object");
  }
  if (Status err = embeddedError(v, 0); !err) return err;
  std::string out = "{\"id\":";
  uint32_t rid = v.find(v.root(), "responseId");
  if (v.is(rid, JT::kString)) {
    out += v.raw(rid);
  } else {
    appendJsonString(out, ctx.response_id);
  }
  out += ",\"object\":\"chat.completion\",\"created\":";
  appendInt(out, ctx.created);
  out += ",\"model\":";
  appendJsonString(out, ctx.model);
  out += ",\"choices\":[";
  PartsOut parts;
  std::string scratch;
  uint32_t cands = v.find(v.root(), "candidates");
  int64_t pos = 0;
  for (uint32_t c = v.first(cands); v.is(cands, JT::kArray) && c != JsonView::npos;
       c = v.next(c), ++pos) {
    parts.clear();
    collectParts(v, c, 0, false, parts, scratch);
    uint32_t fr = v.find(c, "finishReason");
    if (pos > 0) out.push_back(',');
    appendChoice(out, v.integer(v.find(c, "index"), pos), parts,
                 finishReason(v.inner(fr), parts.calls > 0));
  }
  if (pos == 0) {
    uint32_t block = v.find(v.find(v.root(), "promptFeedback"), "blockReason");
    if (!v.is(block, JT::kString)) return unavailable("Gemini returned no candidates");
    parts.clear();
    appendChoice(out, 0, parts, "content_filter");  // the prompt itself was blocked
  }
  out.push_back(']');
  if (uint32_t um = v.find(v.root(), "usageMetadata"); v.is(um, JT::kObject)) {
    out += ",\"usage\":";
    appendUsage(out, readUsage(v, um));
  }
  out.push_back('}');
  return out;
}

}  // namespace igw::gemini

namespace igw {

Result<std::vector<std::string>> parseGeminiModelList(std::string_view body) {
  using json = nlohmann::json;
  json doc = parseJsonOrDiscarded(body);
  if (doc.is_discarded() || !doc.is_object()) {
    return unavailable("Gemini model list is not a JSON object");
  }
  auto models = doc.find("models");
  if (models == doc.end()) return std::vector<std::string>{};  // an empty page omits the field
  if (!models->is_array()) return unavailable("Gemini model list: \"models\" is not an array");
  std::vector<std::string> names;
  for (const json& m : *models) {
    if (!m.is_object()) continue;
    auto name = m.find("name");
    auto methods = m.find("supportedGenerationMethods");
    if (name == m.end() || !name->is_string() || methods == m.end() || !methods->is_array()) {
      continue;
    }
    bool chat = false;
    for (const json& method : *methods) chat = chat || method == "generateContent";
    if (!chat) continue;
    std::string id = name->get<std::string>();
    if (id.rfind("models/", 0) == 0) id.erase(0, 7);
    if (!id.empty()) names.push_back(std::move(id));
  }
  return names;
}

}  // namespace igw
