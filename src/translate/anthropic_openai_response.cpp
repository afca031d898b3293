// OpenAI chat.completion -> Anthropic message, OpenAI errors -> Anthropic error envelopes, and
// the small mappings (ids, stop reasons, error types) the stream writer shares.
//
// Tool call arguments that are not a JSON object cannot be an Anthropic tool_use input. Rather
// than failing the whole response (the model's text and other calls would be lost), such input
// becomes {"_raw": "<arguments as sent>"}: the client's tool validation then fails visibly with
// the raw text at hand. Arguments that are a JSON string holding an object (double-encoded, as
// some servers send) are unwrapped; empty arguments are {}.
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/json_fields.h"
#include "core/json_parse.h"
#include "core/json_text.h"
#include "http/error_taxonomy.h"
#include "http/errors.h"
#include "translate/anthropic_openai.h"

namespace igw {

namespace {

using json = nlohmann::json;

int64_t count(const json& obj, std::string_view key) {
  const json& v = jsonf::at(obj, key);
  return v.is_number_integer() && v.get<int64_t>() > 0 ? v.get<int64_t>() : 0;
}

// Arguments that are not an object are kept raw; arguments beyond the JSON limits fail the
// answer (502) like any other upstream document that is too deep.
Result<json> toolInput(std::string_view args) {
  size_t first = args.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return json::object();
  auto parsed = parseJson(args);
  if (parsed.ok() && parsed.value.is_string()) {
    parsed = parseJson(parsed.value.get_ref<const std::string&>());
  }
  if (parsed.overLimit()) {
    return jsonStatus(parsed, Code::kUnavailable, "the upstream's tool-call arguments");
  }
  if (parsed.ok() && parsed.value.is_object()) return std::move(parsed.value);
  return json{{"_raw", args}};
}

// message.content: a string or (some servers) an array of text parts.
std::string contentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const auto& part : content) text += jsonf::view(part, "text");
  }
  return text;
}

json usageJson(const json& usage) {
  int64_t prompt = count(usage, "prompt_tokens");
  int64_t cached = count(jsonf::at(usage, "prompt_tokens_details"), "cached_tokens");
  if (cached > prompt) cached = prompt;
  return {{"input_tokens", prompt - cached},
          {"cache_creation_input_tokens", 0},
          {"cache_read_input_tokens", cached},
          {"output_tokens", count(usage, "completion_tokens")}};
}

}  // namespace

namespace messages {

std::string messageId(std::string_view openai_id) {
  constexpr std::string_view kChat = "chatcmpl-";
  if (openai_id.starts_with(kChat)) openai_id.remove_prefix(kChat.size());
  if (openai_id.starts_with("msg_")) return std::string(openai_id);
  if (openai_id.empty()) {
    thread_local IdGenerator ids;
    return "msg_" + ids.hex(12);
  }
  return "msg_" + std::string(openai_id);
}

std::string_view stopReason(std::string_view finish_reason, bool had_tool_calls) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return had_tool_calls ? "tool_use" : "end_turn";
}

std::string_view errorTypeFor(std::string_view type, std::string_view code) {
  for (std::string_view t :
       {"invalid_request_error", "authentication_error", "permission_error", "not_found_error",
        "request_too_large", "rate_limit_error", "api_error", "overloaded_error"}) {
    if (type == t) return t;
  }
  if (type == "rate_limit_exceeded" || code == "rate_limit_exceeded" ||
      type == "insufficient_quota" || code == "insufficient_quota") {
    return "rate_limit_error";
  }
  if (code == "invalid_api_key") return "authentication_error";
  if (code == "context_length_exceeded" || type == "invalid_request") {
    return "invalid_request_error";
  }
  return "api_error";  // server_error, upstream_error, timeout_error and anything unknown
}

std::string errorEnvelope(std::string_view type, std::string_view message) {
  std::string out = R"({"type":"error","error":{"type":)";
  appendJsonString(out, type);
  out += R"(,"message":)";
  appendJsonString(out, message);
  out += "}}";
  return out;
}

}  // namespace messages

std::string_view messagesErrorType(int status) {
  return anthropicErrorType(status);
}

std::string chatErrorToMessagesError(int http_status, std::string_view openai_error_body) {
  // The envelope is built by hand, so the message must be valid UTF-8 JSON text: decode it
  // through nlohmann, which replaces invalid bytes.
  std::string message = upstreamErrorMessage(openai_error_body);
  message = json(std::move(message)).dump(-1, ' ', false, json::error_handler_t::replace);
  json decoded = parseJsonOrDiscarded(message);  // a string literal the line above made
  message = decoded.is_string() ? decoded.get<std::string>() : std::string();
  return messages::errorEnvelope(messagesErrorType(http_status), message);
}

Result<std::string> chatResponseToMessage(std::string_view openai_body,
                                          std::string_view client_model) {
  auto parsed = parseJson(openai_body);
  if (parsed.overLimit()) return jsonStatus(parsed, Code::kUnavailable, "the upstream response");
  json resp = std::move(parsed.value);
  if (resp.is_discarded() || !resp.is_object()) {
    return unavailable("the upstream response is not a JSON object");
  }
  const json& choices = jsonf::at(resp, "choices");
  if (!choices.is_array() || choices.empty() || !choices[0].is_object()) {
    return unavailable("the upstream response has no choices");
  }
  const json& choice = choices[0];
  const json& msg = jsonf::at(choice, "message");
  json content = json::array();

  std::string_view reasoning = jsonf::view(msg, "reasoning_content");
  if (reasoning.empty()) reasoning = jsonf::view(msg, "reasoning");
  std::string_view signature = jsonf::view(msg, "reasoning_signature");
  if (!reasoning.empty() || !signature.empty()) {
    content.push_back({{"type", "thinking"}, {"thinking", reasoning}, {"signature", signature}});
  }
  if (const json& redacted = jsonf::at(msg, "reasoning_redacted"); redacted.is_array()) {
    for (const auto& data : redacted) {
      if (data.is_string()) content.push_back({{"type", "redacted_thinking"}, {"data", data}});
    }
  }
  std::string text = contentText(jsonf::at(msg, "content"));
  std::string_view refusal = jsonf::view(msg, "refusal");
  if (text.empty() && !refusal.empty()) text = refusal;
  if (!text.empty()) content.push_back({{"type", "text"}, {"text", std::move(text)}});

  bool had_tools = false;
  if (const json& calls = jsonf::at(msg, "tool_calls"); calls.is_array()) {
    for (size_t i = 0; i < calls.size(); ++i) {
      const json& fn = jsonf::at(calls[i], "function");
      std::string id(jsonf::view(calls[i], "id"));
      if (id.empty()) id = "toolu_" + std::to_string(i);
      auto input = toolInput(jsonf::view(fn, "arguments"));
      if (!input) return input.status();
      content.push_back({{"type", "tool_use"},
                         {"id", std::move(id)},
                         {"name", jsonf::view(fn, "name")},
                         {"input", std::move(input.value())}});
      had_tools = true;
    }
  }
  std::string_view stop = messages::stopReason(jsonf::view(choice, "finish_reason"), had_tools);
  if (!refusal.empty() && jsonf::view(msg, "content").empty()) stop = "refusal";

  json out = {{"id", messages::messageId(jsonf::view(resp, "id"))},
              {"type", "message"},
              {"role", "assistant"},
              {"model", client_model},
              {"content", std::move(content)},
              {"stop_reason", stop},
              {"stop_sequence", nullptr},
              {"usage", usageJson(jsonf::at(resp, "usage"))}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace igw
