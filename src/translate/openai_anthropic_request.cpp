// OpenAI chat completion request -> Anthropic Messages API request body. Everything Anthropic
// cannot express is a 400 that names the field and says what to change; nothing here throws.
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "translate/openai_anthropic.h"

namespace igw::anthropic {

namespace {

using json = nlohmann::json;

Status bad(std::string message) {
  return invalidArgument(std::move(message));
}

// The member `key` of `obj` when present and not null.
const json* member(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// The member `key` of `obj`, or null: a reference, never a copy (json::value copies the whole
// subtree, which for "messages" is most of the request).
const json& field(const json& obj, std::string_view key) {
  static const json kNull;
  const json* v = member(obj, key);
  return v ? *v : kNull;
}

std::string typeName(const json& v) {
  return v.type_name();
}

// Anthropic requires strict user/assistant alternation, so consecutive messages of one role
// (including tool results, which are user content) are merged into one turn.
class Conversation {
 public:
  void add(const std::string& role, json blocks) {
    if (blocks.empty()) return;
    if (!messages_.empty() && messages_.back()["role"] == role) {
      json& content = messages_.back()["content"];
      for (auto& b : blocks) content.push_back(std::move(b));
      return;
    }
    messages_.push_back({{"role", role}, {"content", std::move(blocks)}});
  }
  json take() { return std::move(messages_); }

 private:
  json messages_ = json::array();
};

json textBlock(std::string text) {
  return {{"type", "text"}, {"text", std::move(text)}};
}

// "data:image/png;base64,...." -> base64 source; http(s) -> url source.
Result<json> imageBlock(const json& part, const std::string& where) {
  const json* image = member(part, "image_url");
  const json* url = image && image->is_object() ? member(*image, "url") : image;
  if (url == nullptr || !url->is_string()) {
    return bad(where + ".image_url.url must be a string (a data: URL or an http(s) URL)");
  }
  const std::string& u = url->get_ref<const std::string&>();
  if (u.starts_with("http://") || u.starts_with("https://")) {
    return json{{"type", "image"}, {"source", {{"type", "url"}, {"url", u}}}};
  }
  constexpr std::string_view kData = "data:";
  constexpr std::string_view kBase64 = ";base64,";
  size_t marker = u.find(kBase64);
  if (!u.starts_with(kData) || marker == std::string::npos) {
    return bad(where + ".image_url.url must be an http(s) URL or a base64 data URL " +
               "(data:image/png;base64,...)");
  }
  std::string media_type = u.substr(kData.size(), marker - kData.size());
  if (media_type != "image/jpeg" && media_type != "image/png" && media_type != "image/gif" &&
      media_type != "image/webp") {
    return bad(
        where + ": image type '" + media_type +
        "' is not supported by Anthropic; use image/jpeg, image/png, image/gif or image/webp");
  }
  return json{{"type", "image"},
              {"source",
               {{"type", "base64"},
                {"media_type", media_type},
                {"data", u.substr(marker + kBase64.size())}}}};
}

// Message content (string, null or array of parts) -> Anthropic blocks. Images only where
// `allow_images`; empty text is dropped because Anthropic rejects empty text blocks.
Result<json> contentBlocks(const json& content, const std::string& where, bool allow_images) {
  json blocks = json::array();
  if (content.is_null()) return blocks;
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) {
      blocks.push_back(textBlock(content.get<std::string>()));
    }
    return blocks;
  }
  if (!content.is_array()) {
    return bad(where + " must be a string or an array of content parts, not " + typeName(content));
  }
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    std::string at = where + "[" + std::to_string(i) + "]";
    const json* type = member(part, "type");
    if (type == nullptr || !type->is_string()) return bad(at + ".type must be a string");
    const std::string& t = type->get_ref<const std::string&>();
    if (t == "text" || t == "refusal") {
      const json* text = member(part, t);
      if (text == nullptr || !text->is_string()) return bad(at + "." + t + " must be a string");
      if (!text->get_ref<const std::string&>().empty()) {
        blocks.push_back(textBlock(text->get<std::string>()));
      }
    } else if (t == "image_url" && allow_images) {
      auto image = imageBlock(part, at);
      if (!image) return image.status();
      blocks.push_back(std::move(image.value()));
    } else {
      return bad(at + ": content part type '" + t +
                 "' is not supported here by Anthropic models; send text" +
                 (allow_images ? " or image_url parts" : " parts"));
    }
  }
  return blocks;
}

// system/developer content -> plain text (Anthropic's system prompt takes text only).
Result<std::string> systemText(const json& content, const std::string& where) {
  auto blocks = contentBlocks(content, where + ".content", false);
  if (!blocks) return blocks.status();
  std::string text;
  for (const auto& b : *blocks) {
    if (!text.empty()) text += "\n\n";
    text += b["text"].get<std::string>();
  }
  return text;
}

Result<json> toolUseBlock(const json& call, const std::string& where) {
  const json* id = member(call, "id");
  const json* fn = member(call, "function");
  const json* name = fn ? member(*fn, "name") : nullptr;
  if (id == nullptr || !id->is_string()) return bad(where + ".id must be a string");
  if (name == nullptr || !name->is_string()) return bad(where + ".function.name must be a string");
  json input = json::object();
  if (const json* args = member(*fn, "arguments")) {
    if (!args->is_string()) return bad(where + ".function.arguments must be a JSON string");
    const auto& text = args->get_ref<const std::string&>();
    if (!text.empty()) {
      auto parsed = parseJson(text);
      if (parsed.overLimit()) return bad(where + ".function.arguments " + parsed.describe());
      input = std::move(parsed.value);
    }
    if (input.is_discarded() || !input.is_object()) {
      return bad(where + ".function.arguments must be a JSON object encoded as a string " +
                 "(Anthropic tool_use input is an object); got: " + text.substr(0, 200));
    }
  }
  return json{{"type", "tool_use"}, {"id", *id}, {"name", *name}, {"input", std::move(input)}};
}

// Thinking blocks go first so a tool-use turn replayed with its reasoning still verifies.
Status addReasoning(const json& msg, const std::string& where, json& blocks) {
  const json* text = member(msg, "reasoning_content");
  const json* signature = member(msg, "reasoning_signature");
  // Without a signature Anthropic rejects the block, and reasoning from another provider is
  // not replayable anyway, so unsigned reasoning is dropped rather than failing the request.
  if (text != nullptr && signature != nullptr) {
    if (!text->is_string() || !signature->is_string()) {
      return bad(where + ".reasoning_content and reasoning_signature must be strings");
    }
    blocks.push_back({{"type", "thinking"}, {"thinking", *text}, {"signature", *signature}});
  }
  if (const json* redacted = member(msg, "reasoning_redacted")) {
    if (!redacted->is_array())
      return bad(where + ".reasoning_redacted must be an array of strings");
    for (const auto& data : *redacted) {
      if (!data.is_string()) return bad(where + ".reasoning_redacted must be an array of strings");
      blocks.push_back({{"type", "redacted_thinking"}, {"data", data}});
    }
  }
  return Status::ok();
}

Result<json> assistantBlocks(const json& msg, const std::string& where) {
  json blocks = json::array();
  if (auto s = addReasoning(msg, where, blocks); !s) return s;
  auto text = contentBlocks(field(msg, "content"), where + ".content", false);
  if (!text) return text.status();
  for (auto& b : *text) blocks.push_back(std::move(b));
  if (const json* calls = member(msg, "tool_calls")) {
    if (!calls->is_array()) return bad(where + ".tool_calls must be an array");
    for (size_t i = 0; i < calls->size(); ++i) {
      auto block = toolUseBlock((*calls)[i], where + ".tool_calls[" + std::to_string(i) + "]");
      if (!block) return block.status();
      blocks.push_back(std::move(block.value()));
    }
  }
  return blocks;
}

Result<json> toolResultBlock(const json& msg, const std::string& where) {
  const json* id = member(msg, "tool_call_id");
  if (id == nullptr || !id->is_string()) {
    return bad(where + ".tool_call_id must be the id of the assistant tool call it answers");
  }
  json block = {{"type", "tool_result"}, {"tool_use_id", *id}};
  const json& content = field(msg, "content");
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) block["content"] = content;
  } else {
    auto parts = contentBlocks(content, where + ".content", true);
    if (!parts) return parts.status();
    if (!parts->empty()) block["content"] = std::move(parts.value());
  }
  return json::array({std::move(block)});
}

// messages[] -> Anthropic messages + system text.
Status translateMessages(const json& messages, json& out, std::string& system) {
  if (!messages.is_array() || messages.empty()) {
    return bad("messages must be a non-empty array");
  }
  Conversation conversation;
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& msg = messages[i];
    std::string where = "messages[" + std::to_string(i) + "]";
    const json* role = member(msg, "role");
    if (role == nullptr || !role->is_string()) return bad(where + ".role must be a string");
    const std::string& r = role->get_ref<const std::string&>();
    Result<json> blocks = json::array();
    if (r == "system" || r == "developer") {
      auto text = systemText(field(msg, "content"), where);
      if (!text) return text.status();
      if (!text->empty()) system += (system.empty() ? "" : "\n\n") + *text;
      continue;
    } else if (r == "user") {
      blocks = contentBlocks(field(msg, "content"), where + ".content", true);
    } else if (r == "assistant") {
      blocks = assistantBlocks(msg, where);
    } else if (r == "tool") {
      blocks = toolResultBlock(msg, where);
    } else {
      return bad(where + ".role '" + r +
                 "' is not supported by Anthropic models; use system, developer, user, "
                 "assistant or tool");
    }
    if (!blocks) return blocks.status();
    conversation.add(r == "assistant" ? "assistant" : "user", std::move(blocks.value()));
  }
  out = conversation.take();
  if (out.empty()) return bad("messages must contain at least one user or assistant message");
  return Status::ok();
}

Result<json> translateTools(const json& tools) {
  if (!tools.is_array()) return bad("tools must be an array");
  json out = json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    std::string where = "tools[" + std::to_string(i) + "]";
    const json* type = member(tools[i], "type");
    const json* fn = member(tools[i], "function");
    if (type == nullptr || *type != "function" || fn == nullptr || !fn->is_object()) {
      return bad(where + " must be {\"type\":\"function\",\"function\":{...}}");
    }
    const json* name = member(*fn, "name");
    if (name == nullptr || !name->is_string())
      return bad(where + ".function.name must be a string");
    json tool = {{"name", *name}};
    if (const json* d = member(*fn, "description")) tool["description"] = *d;
    const json* params = member(*fn, "parameters");
    if (params != nullptr && !params->is_object()) {
      return bad(where + ".function.parameters must be a JSON Schema object");
    }
    // Anthropic requires an input schema; OpenAI allows omitting it for argument-less tools.
    tool["input_schema"] =
        params ? *params : json{{"type", "object"}, {"properties", json::object()}};
    out.push_back(std::move(tool));
  }
  return out;
}

Result<json> translateToolChoice(const json& choice) {
  if (choice.is_string()) {
    const auto& c = choice.get_ref<const std::string&>();
    if (c == "auto") return json{{"type", "auto"}};
    if (c == "none") return json{{"type", "none"}};
    if (c == "required") return json{{"type", "any"}};
  } else if (const json* fn = member(choice, "function");
             fn && member(*fn, "name") && (*fn)["name"].is_string()) {
    return json{{"type", "tool"}, {"name", (*fn)["name"]}};
  }
  return bad(
      "tool_choice must be \"auto\", \"none\", \"required\" or "
      "{\"type\":\"function\",\"function\":{\"name\":...}}");
}

Status addTools(const json& req, json& body) {
  const json* tools = member(req, "tools");
  if (tools == nullptr || (tools->is_array() && tools->empty())) return Status::ok();
  auto translated = translateTools(*tools);
  if (!translated) return translated.status();
  body["tools"] = std::move(translated.value());
  json choice = {{"type", "auto"}};
  if (const json* c = member(req, "tool_choice")) {
    auto t = translateToolChoice(*c);
    if (!t) return t.status();
    choice = std::move(t.value());
  }
  const json* parallel = member(req, "parallel_tool_calls");
  if (parallel != nullptr && !parallel->is_boolean())
    return bad("parallel_tool_calls must be a boolean");
  bool serial = parallel != nullptr && !parallel->get<bool>();
  if (serial && choice["type"] != "none") choice["disable_parallel_tool_use"] = true;
  if (member(req, "tool_choice") || serial) body["tool_choice"] = std::move(choice);
  return Status::ok();
}

Result<int64_t> thinkingBudget(const json& effort) {
  if (!effort.is_string()) return bad("reasoning_effort must be a string");
  const auto& e = effort.get_ref<const std::string&>();
  if (e == "none") return int64_t{0};
  if (e == "minimal" || e == "low") return kBudgetLow;
  if (e == "medium") return kBudgetMedium;
  if (e == "high") return kBudgetHigh;
  return bad("reasoning_effort must be one of none, minimal, low, medium, high");
}

// max_tokens and, with reasoning_effort, the thinking budget. Anthropic counts thinking inside
// max_tokens and requires budget_tokens < max_tokens, so a default max_tokens grows by the
// budget and an explicit one caps the budget.
Status addLimits(const json& req, const AnthropicOptions& opts, json& body) {
  const json* limit = member(req, "max_completion_tokens");
  const char* limit_name = "max_completion_tokens";
  if (limit == nullptr) {
    limit = member(req, "max_tokens");
    limit_name = "max_tokens";
  }
  if (limit != nullptr && (!limit->is_number_integer() || limit->get<int64_t>() <= 0)) {
    return bad(std::string(limit_name) + " must be a positive integer");
  }
  int64_t max_tokens = limit ? limit->get<int64_t>() : opts.default_max_tokens;
  int64_t budget = 0;
  if (const json* effort = member(req, "reasoning_effort")) {
    auto b = thinkingBudget(*effort);
    if (!b) return b.status();
    budget = *b;
  }
  if (budget > 0) {
    if (limit == nullptr) {
      max_tokens += budget;
    } else if (budget >= max_tokens) {
      budget = max_tokens - 1;
      if (budget < kBudgetLow) {
        return bad(std::string(limit_name) + " must be above " + std::to_string(kBudgetLow) +
                   " with reasoning_effort: Anthropic's minimum thinking budget is " +
                   std::to_string(kBudgetLow) + " tokens and counts toward the limit");
      }
    }
    body["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
  }
  body["max_tokens"] = max_tokens;
  return Status::ok();
}

Status addSampling(const json& req, json& body) {
  if (const json* t = member(req, "temperature")) {
    if (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 1) {
      return bad("temperature must be a number between 0 and 1 for Anthropic models");
    }
    body["temperature"] = *t;
  }
  if (const json* p = member(req, "top_p")) {
    if (!p->is_number()) return bad("top_p must be a number");
    body["top_p"] = *p;
  }
  if (const json* stop = member(req, "stop")) {
    json seqs = json::array();
    if (stop->is_string()) seqs.push_back(*stop);
    if (stop->is_array()) {
      for (const auto& s : *stop) {
        if (!s.is_string()) return bad("stop must be a string or an array of strings");
        seqs.push_back(s);
      }
    } else if (!stop->is_string()) {
      return bad("stop must be a string or an array of strings");
    }
    if (!seqs.empty()) body["stop_sequences"] = std::move(seqs);
  }
  if (const json* user = member(req, "user")) {
    if (!user->is_string()) return bad("user must be a string");
    body["metadata"] = {{"user_id", *user}};
  }
  return Status::ok();
}

// Options Anthropic cannot honour are refused rather than silently ignored.
Status checkUnsupported(const json& req) {
  if (const json* n = member(req, "n"); n && *n != 1) {
    return bad("n must be 1: Anthropic models return a single choice");
  }
  if (const json* lp = member(req, "logprobs"); lp && *lp != false) {
    return bad("logprobs is not supported by Anthropic models; remove it");
  }
  if (const json* rf = member(req, "response_format");
      rf && member(*rf, "type") && (*rf)["type"] != "text") {
    return bad(
        "response_format is not supported by Anthropic models; describe the format in "
        "the prompt or use a tool with the schema");
  }
  return Status::ok();
}

}  // namespace

Result<std::string> buildMessagesBody(const json& req, bool stream, const AnthropicOptions& opts) {
  if (!req.is_object()) return bad("the request body must be a JSON object");
  const json* model = member(req, "model");
  if (model == nullptr || !model->is_string()) return bad("model must be a string");
  if (auto s = checkUnsupported(req); !s) return s;
  json body = {{"model", *model}};
  std::string system;
  json messages;
  if (auto s = translateMessages(field(req, "messages"), messages, system); !s) return s;
  body["messages"] = std::move(messages);
  if (!system.empty()) body["system"] = std::move(system);
  if (auto s = addLimits(req, opts, body); !s) return s;
  if (auto s = addSampling(req, body); !s) return s;
  if (auto s = addTools(req, body); !s) return s;
  if (stream) body["stream"] = true;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace igw::anthropic
