// OpenAI chat.completion -> Response object (the bridge), and the pieces the stream writer
// shares: ids, usage, the Response object's fixed fields, the error event.
//
// Output items, in the order a Responses model produces them: a reasoning item when the answer
// has reasoning_content (its text as one summary_text part, an Anthropic signature as
// encrypted_content), a message item with an output_text part (or a refusal part), then one
// function_call item per tool call (call_id: the chat tool call id; arguments as sent).
#include <ctime>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/json_fields.h"
#include "core/json_parse.h"
#include "core/json_text.h"
#include "translate/responses_openai.h"

namespace igw {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// message.content: a string or (some servers) an array of text parts.
std::string contentText(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const auto& part : content) text += jsonf::view(part, "text");
  }
  return text;
}

int64_t nowSeconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

}  // namespace

namespace responses {

std::string responseId(std::string_view openai_id) {
  constexpr std::string_view kChat = "chatcmpl-";
  if (openai_id.starts_with(kChat)) openai_id.remove_prefix(kChat.size());
  if (openai_id.starts_with("resp_")) return std::string(openai_id);
  if (openai_id.empty()) {
    thread_local IdGenerator ids;
    return "resp_" + ids.hex(16);
  }
  return "resp_" + std::string(openai_id);
}

std::string itemId(std::string_view prefix, std::string_view response_id, size_t index) {
  if (response_id.starts_with("resp_")) response_id.remove_prefix(5);
  std::string id(prefix);
  id += response_id;
  id += '_';
  id += std::to_string(index);
  return id;
}

std::string errorEvent(std::string_view code, std::string_view message, int64_t sequence) {
  std::string out = R"({"type":"error","code":)";
  if (code.empty()) {
    out += "null";
  } else {
    appendJsonString(out, code);
  }
  out += R"(,"message":)";
  // Built by hand: the message must be valid UTF-8 JSON text (nlohmann replaces invalid bytes).
  out += json(message).dump(-1, ' ', false, json::error_handler_t::replace);
  out += R"(,"param":null,"sequence_number":)";
  out += std::to_string(sequence);
  out += "}";
  return out;
}

ojson usageObject(const UsageCounts& u) {
  if (u.prompt < 0 && u.completion < 0) return nullptr;
  const int64_t input = u.prompt < 0 ? 0 : u.prompt;
  const int64_t output = u.completion < 0 ? 0 : u.completion;
  int64_t cached = u.cached < 0 ? 0 : u.cached;
  if (cached > input) cached = input;
  const int64_t total = u.total >= 0 ? u.total : input + output;
  return ojson{{"input_tokens", input},
               {"input_tokens_details", {{"cached_tokens", cached}}},
               {"output_tokens", output},
               {"output_tokens_details", {{"reasoning_tokens", u.reasoning < 0 ? 0 : u.reasoning}}},
               {"total_tokens", total}};
}

void readChatUsage(const json& usage, UsageCounts& u) {
  if (!usage.is_object()) return;
  auto read = [](const json& obj, std::string_view key, int64_t& into) {
    const json& v = jsonf::at(obj, key);
    if (v.is_number_integer() && v.get<int64_t>() >= 0) into = v.get<int64_t>();
  };
  read(usage, "prompt_tokens", u.prompt);
  read(usage, "completion_tokens", u.completion);
  read(usage, "total_tokens", u.total);
  read(jsonf::at(usage, "prompt_tokens_details"), "cached_tokens", u.cached);
  read(jsonf::at(usage, "completion_tokens_details"), "reasoning_tokens", u.reasoning);
}

std::string_view statusFor(std::string_view finish_reason) {
  return finish_reason == "length" || finish_reason == "content_filter" ? "incomplete"
                                                                        : "completed";
}

ojson responseObject(std::string_view id, int64_t created_at, std::string_view status,
                     std::string_view finish_reason, std::string_view model, const json& echo) {
  ojson r = {{"id", id},         {"object", "response"},    {"created_at", created_at},
             {"status", status}, {"error", nullptr},        {"incomplete_details", nullptr},
             {"model", model},   {"output", ojson::array()}};
  if (status == "incomplete") {
    r["incomplete_details"] = {
        {"reason", finish_reason == "content_filter" ? "content_filter" : "max_output_tokens"}};
  }
  if (echo.is_object()) {
    for (auto it = echo.begin(); it != echo.end(); ++it) r[it.key()] = ojson(it.value());
  }
  r["usage"] = nullptr;
  return r;
}

}  // namespace responses

Result<std::string> chatResponseToResponse(std::string_view openai_body,
                                           std::string_view client_model, std::string_view echo) {
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
  const std::string id = responses::responseId(jsonf::view(resp, "id"));
  const json& created = jsonf::at(resp, "created");
  const int64_t created_at = created.is_number_integer() ? created.get<int64_t>() : nowSeconds();
  const std::string_view finish = jsonf::view(choice, "finish_reason");
  const std::string_view status = responses::statusFor(finish);
  const std::string_view item_status = status == "incomplete" ? "incomplete" : "completed";

  ojson output = ojson::array();
  std::string_view reasoning = jsonf::view(msg, "reasoning_content");
  if (reasoning.empty()) reasoning = jsonf::view(msg, "reasoning");
  std::string_view signature = jsonf::view(msg, "reasoning_signature");
  if (!reasoning.empty() || !signature.empty()) {
    ojson item = {{"id", responses::itemId("rs_", id, output.size())},
                  {"type", "reasoning"},
                  {"summary", ojson::array()}};
    if (!reasoning.empty()) {
      item["summary"].push_back({{"type", "summary_text"}, {"text", reasoning}});
    }
    if (!signature.empty()) item["encrypted_content"] = signature;
    output.push_back(std::move(item));
  }
  std::string text = contentText(jsonf::at(msg, "content"));
  std::string_view refusal = jsonf::view(msg, "refusal");
  if (!text.empty() || !refusal.empty()) {
    ojson content = ojson::array();
    if (!text.empty()) {
      content.push_back({{"type", "output_text"},
                         {"annotations", ojson::array()},
                         {"logprobs", ojson::array()},
                         {"text", std::move(text)}});
    }
    if (!refusal.empty()) content.push_back({{"type", "refusal"}, {"refusal", refusal}});
    output.push_back({{"id", responses::itemId("msg_", id, output.size())},
                      {"type", "message"},
                      {"status", item_status},
                      {"content", std::move(content)},
                      {"role", "assistant"}});
  }
  if (const json& calls = jsonf::at(msg, "tool_calls"); calls.is_array()) {
    for (size_t i = 0; i < calls.size(); ++i) {
      const json& fn = jsonf::at(calls[i], "function");
      std::string call_id(jsonf::view(calls[i], "id"));
      if (call_id.empty()) call_id = "call_" + id.substr(5) + "_" + std::to_string(i);
      output.push_back({{"id", responses::itemId("fc_", id, output.size())},
                        {"type", "function_call"},
                        {"status", "completed"},
                        {"arguments", jsonf::view(fn, "arguments")},
                        {"call_id", std::move(call_id)},
                        {"name", jsonf::view(fn, "name")}});
    }
  }
  json echo_json = parseJsonOrDiscarded(echo);
  ojson out = responses::responseObject(id, created_at, status, finish, client_model, echo_json);
  out["output"] = std::move(output);
  responses::UsageCounts usage;
  responses::readChatUsage(jsonf::at(resp, "usage"), usage);
  out["usage"] = responses::usageObject(usage);
  return out.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace igw
