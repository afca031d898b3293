// The Anthropic adapter object, error mapping and non-streaming response translation. Request
// building lives in anthropic_request.cpp and stream translation in anthropic_stream.cpp.
#include "translate/openai_anthropic.h"

#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "core/saturating.h"
#include "http/error_taxonomy.h"
#include "http/errors.h"

namespace igw {

namespace anthropic {

namespace {

using json = nlohmann::json;

std::string stringAt(const json& obj, std::string_view key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t intAt(const json& obj, std::string_view key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Anthropic reports cached prompt tokens beside input_tokens, not inside it; OpenAI's
// prompt_tokens includes them, with the cache hits repeated in cached_tokens.
json usageJson(const json& usage) {
  int64_t cache_read = intAt(usage, "cache_read_input_tokens");
  int64_t prompt =
      addSat(intAt(usage, "input_tokens"), cache_read, intAt(usage, "cache_creation_input_tokens"));
  int64_t completion = intAt(usage, "output_tokens");
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", addSat(prompt, completion)},
          {"prompt_tokens_details", {{"cached_tokens", cache_read}}}};
}

json toolCall(const json& block) {
  json input = block.contains("input") ? block["input"] : json::object();
  return {{"id", stringAt(block, "id")},
          {"type", "function"},
          {"function",
           {{"name", stringAt(block, "name")},
            {"arguments", input.dump(-1, ' ', false, json::error_handler_t::replace)}}}};
}

// Content blocks -> the OpenAI assistant message.
json assistantMessage(const json& content) {
  std::string text, reasoning, signature;
  bool has_text = false;
  json tool_calls = json::array();
  json redacted = json::array();
  for (const auto& block : content) {
    std::string type = stringAt(block, "type");
    if (type == "text") {
      text += stringAt(block, "text");
      has_text = true;
    } else if (type == "tool_use") {
      tool_calls.push_back(toolCall(block));
    } else if (type == "thinking") {
      reasoning += stringAt(block, "thinking");
      signature = stringAt(block, "signature");
    } else if (type == "redacted_thinking") {
      redacted.push_back(stringAt(block, "data"));
    }
    // Server tool blocks (web search results, ...) have no OpenAI counterpart; skipped.
  }
  json message = {{"role", "assistant"}, {"content", has_text ? json(text) : json()}};
  message["refusal"] = nullptr;
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  if (!reasoning.empty() || !signature.empty()) {
    message["reasoning_content"] = std::move(reasoning);
    message["reasoning_signature"] = std::move(signature);
  }
  if (!redacted.empty()) message["reasoning_redacted"] = std::move(redacted);
  return message;
}

}  // namespace

std::string_view finishReason(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn and anything newer
}

Code errorCode(std::string_view type, int http_status) {
  int status = statusForAnthropicType(type);
  return codeForStatus(status != 0 ? status : http_status);
}

Result<std::string> translateMessage(std::string_view native_body, const TranslateContext& ctx) {
  auto parsed = parseJson(native_body);
  if (parsed.overLimit()) return jsonStatus(parsed, Code::kUnavailable, "Anthropic's response");
  json msg = std::move(parsed.value);
  if (msg.is_discarded() || !msg.is_object()) {
    return unavailable("Anthropic returned a response that is not a JSON object");
  }
  auto content = msg.find("content");
  if (content == msg.end() || !content->is_array()) {
    return unavailable("Anthropic returned a message without a content array");
  }
  std::string id = stringAt(msg, "id");
  json out = {{"id", id.empty() ? ctx.response_id : "chatcmpl-" + id},
              {"object", "chat.completion"},
              {"created", ctx.created},
              {"model", ctx.model}};
  out["choices"] = json::array({{{"index", 0},
                                 {"message", assistantMessage(*content)},
                                 {"finish_reason", finishReason(stringAt(msg, "stop_reason"))},
                                 {"logprobs", nullptr}}});
  out["usage"] = usageJson(msg.value("usage", json::object()));
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace anthropic

namespace {

class AnthropicAdapter final : public ChatAdapter {
 public:
  explicit AnthropicAdapter(AnthropicOptions opts) : opts_(std::move(opts)) {}

  Result<NativeRequest> buildRequest(const nlohmann::json& openai_request,
                                     bool stream) const override {
    auto body = anthropic::buildMessagesBody(openai_request, stream, opts_);
    if (!body) return body.status();
    NativeRequest req;
    req.path = "/messages";
    req.headers.push_back({"anthropic-version", opts_.version});
    req.body = std::move(body.value());
    return req;
  }

  Result<std::string> translateResponse(std::string_view native_body,
                                        const TranslateContext& ctx) const override {
    return anthropic::translateMessage(native_body, ctx);
  }

  std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx) const override {
    return anthropic::newMessageStream(ctx);
  }

  // {"type":"error","error":{"type":"rate_limit_error","message":"..."}}: the status passes
  // through (a 529 stays a 529; the error type names the same class), the message is Anthropic's.
  ProviderError translateError(int http_status, std::string_view native_body) const override {
    nlohmann::json body = parseJsonOrDiscarded(native_body);
    std::string message;
    if (body.is_object() && body.contains("error") && body["error"].is_object()) {
      const auto& err = body["error"];
      if (err.contains("message") && err["message"].is_string()) {
        message = err["message"].get<std::string>();
      }
    }
    if (message.empty()) message = upstreamErrorMessage(native_body);
    return {providerErrorStatus(http_status), std::move(message)};
  }

 private:
  AnthropicOptions opts_;
};

}  // namespace

std::unique_ptr<ChatAdapter> makeAnthropicAdapter(AnthropicOptions opts) {
  return std::make_unique<AnthropicAdapter>(std::move(opts));
}

}  // namespace igw
