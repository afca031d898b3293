// Cohere v2 non-streaming chat response, error bodies and model list -> OpenAI shapes. Inputs
// come from the network, so every access is type-checked and parsing never throws.
#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "http/error_taxonomy.h"
#include "http/errors.h"
#include "translate/openai_cohere.h"

namespace igw {

namespace {

using nlohmann::json;

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const std::string* stringAt(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

int64_t countAt(const json* obj, const char* key) {
  const json* v = obj ? member(*obj, key) : nullptr;
  if (!v || !v->is_number()) return -1;
  double d = v->get<double>();
  return d >= 0 && d < 9e15 ? static_cast<int64_t>(d) : -1;
}

std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Content parts: text joined into `text`, thinking joined into `reasoning`.
void splitContent(const json& message, std::string& text, bool& has_text, std::string& reasoning) {
  const json* content = member(message, "content");
  if (content && content->is_string()) {  // tolerated: not Cohere's documented shape
    text = content->get<std::string>();
    has_text = true;
    return;
  }
  if (!content || !content->is_array()) return;
  for (const auto& part : *content) {
    const std::string* type = stringAt(part, "type");
    if (!type) continue;
    if (*type == "text") {
      if (const std::string* t = stringAt(part, "text")) {
        text += *t;
        has_text = true;
      }
    } else if (*type == "thinking") {
      if (const std::string* t = stringAt(part, "thinking")) reasoning += *t;
    }
  }
}

json toolCalls(const json& message) {
  json out = json::array();
  const json* calls = member(message, "tool_calls");
  if (!calls || !calls->is_array()) return out;
  for (const auto& call : *calls) {
    const json* fn = member(call, "function");
    if (!fn || !fn->is_object()) continue;
    const std::string* id = stringAt(call, "id");
    const std::string* name = stringAt(*fn, "name");
    const json* args = member(*fn, "arguments");
    std::string arguments = !args               ? "{}"
                            : args->is_string() ? args->get<std::string>()
                                                : dumpJson(*args);
    out.push_back({{"id", id ? *id : "call_" + std::to_string(out.size())},
                   {"type", "function"},
                   {"function", {{"name", name ? *name : ""}, {"arguments", arguments}}}});
  }
  return out;
}

Status finishError(std::string_view reason, const json& message, const json& body) {
  std::string detail;
  if (const std::string* e = stringAt(body, "error")) detail = *e;
  std::string text;
  bool has_text = false;
  std::string reasoning;
  splitContent(message, text, has_text, reasoning);
  if (detail.empty()) detail = text;
  std::string msg = "Cohere ended the generation with finish_reason " + std::string(reason);
  if (!detail.empty()) msg += ": " + detail;
  if (reason == "TIMEOUT") return deadlineExceeded(msg);
  return unavailable(msg);
}

}  // namespace

namespace cohere {

std::string_view openAiFinishReason(std::string_view r) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "TOOL_CALL") return "tool_calls";
  if (r == "ERROR" || r == "TIMEOUT") return {};
  return "stop";  // COMPLETE, STOP_SEQUENCE, and anything newer
}

StreamTranslator::Usage usageFrom(const json& usage) {
  StreamTranslator::Usage u;
  const json* tokens = member(usage, "tokens");
  const json* billed = member(usage, "billed_units");
  u.prompt = countAt(tokens, "input_tokens");
  if (u.prompt < 0) u.prompt = countAt(billed, "input_tokens");
  u.completion = countAt(tokens, "output_tokens");
  if (u.completion < 0) u.completion = countAt(billed, "output_tokens");
  if (u.prompt >= 0 || u.completion >= 0) {
    u.total = (u.prompt > 0 ? u.prompt : 0) + (u.completion > 0 ? u.completion : 0);
  }
  u.cached = countAt(&usage, "cached_tokens");
  return u;
}

json usageJson(const StreamTranslator::Usage& u) {
  auto known = [](int64_t v) { return v < 0 ? 0 : v; };
  json out = {{"prompt_tokens", known(u.prompt)},
              {"completion_tokens", known(u.completion)},
              {"total_tokens", known(u.total)}};
  if (u.cached >= 0) out["prompt_tokens_details"] = {{"cached_tokens", u.cached}};
  return out;
}

Result<std::string> translateResponse(std::string_view native_body, const TranslateContext& ctx) {
  auto parsed = parseJson(native_body);
  if (parsed.overLimit()) return jsonStatus(parsed, Code::kUnavailable, "Cohere's response");
  json body = std::move(parsed.value);
  if (body.is_discarded() || !body.is_object()) {
    return unavailable("Cohere returned a chat response that is not a JSON object");
  }
  const json* message = member(body, "message");
  if (!message || !message->is_object()) {
    return unavailable("Cohere returned a chat response without a message object");
  }
  const std::string* reason = stringAt(body, "finish_reason");
  std::string_view finish = openAiFinishReason(reason ? *reason : "COMPLETE");
  if (finish.empty()) return finishError(*reason, *message, body);

  std::string text, reasoning;
  bool has_text = false;
  splitContent(*message, text, has_text, reasoning);
  if (const std::string* plan = stringAt(*message, "tool_plan")) reasoning += *plan;
  json calls = toolCalls(*message);

  json msg = {{"role", "assistant"}, {"content", has_text ? json(text) : json(nullptr)}};
  if (!reasoning.empty()) msg["reasoning_content"] = reasoning;
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  if (!has_text && msg.find("tool_calls") == msg.end()) msg["content"] = "";

  const std::string* id = stringAt(body, "id");
  json out = {{"id", id && !id->empty() ? *id : ctx.response_id},
              {"object", "chat.completion"},
              {"created", ctx.created},
              {"model", ctx.model},
              {"choices", json::array({{{"index", 0},
                                        {"message", std::move(msg)},
                                        {"finish_reason", finish},
                                        {"logprobs", nullptr}}})}};
  if (const json* usage = member(body, "usage"); usage && usage->is_object()) {
    out["usage"] = usageJson(usageFrom(*usage));
  }
  return dumpJson(out);
}

ProviderError translateError(int http_status, std::string_view native_body) {
  std::string msg;
  json body = parseJsonOrDiscarded(native_body);
  if (const std::string* m = body.is_discarded() ? nullptr : stringAt(body, "message")) msg = *m;
  if (msg.empty() && !native_body.empty()) msg = quoteForError(upstreamErrorMessage(native_body));
  if (msg.empty()) msg = "Cohere returned HTTP " + std::to_string(http_status);
  return {providerErrorStatus(http_status), std::move(msg)};
}

}  // namespace cohere

Result<std::vector<std::string>> parseCohereModelList(std::string_view body) {
  json doc = parseJsonOrDiscarded(body);
  const json* models = doc.is_discarded() ? nullptr : member(doc, "models");
  if (!models || !models->is_array()) {
    return unavailable("Cohere model list is not {\"models\":[...]}");
  }
  std::vector<std::string> names;
  for (const auto& m : *models) {
    const std::string* name = stringAt(m, "name");
    const json* endpoints = member(m, "endpoints");
    if (!name || !endpoints || !endpoints->is_array()) continue;
    for (const auto& e : *endpoints) {
      if (e.is_string() && e.get_ref<const std::string&>() == "chat") {
        names.push_back(*name);
        break;
      }
    }
  }
  return names;
}

}  // namespace igw
