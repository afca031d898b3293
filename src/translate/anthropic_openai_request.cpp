// Anthropic Messages request -> OpenAI chat completion request. Whatever an OpenAI chat request
// cannot express is a 400 naming the field; cache_control is dropped (only Anthropic caches by
// marker) and top_k is dropped (no OpenAI equivalent). Nothing here throws.
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "translate/anthropic_openai.h"

namespace igw {

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

const std::string* stringMember(const json& obj, std::string_view key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string blockType(const json& block, const std::string& where, Status& error) {
  const std::string* type = stringMember(block, "type");
  if (type == nullptr) error = bad(where + ".type must be a string");
  return type ? *type : std::string();
}

Result<std::string> textOf(const json& block, const std::string& where) {
  const std::string* text = stringMember(block, "text");
  if (text == nullptr) return bad(where + ".text must be a string");
  return *text;
}

// Anthropic image block -> OpenAI image_url part.
Result<json> imagePart(const json& block, const std::string& where) {
  const json* source = member(block, "source");
  const std::string* type = source ? stringMember(*source, "type") : nullptr;
  if (type == nullptr) return bad(where + ".source.type must be a string (base64 or url)");
  std::string url;
  if (*type == "base64") {
    const std::string* media = stringMember(*source, "media_type");
    const std::string* data = stringMember(*source, "data");
    if (media == nullptr || data == nullptr) {
      return bad(where + ".source needs string media_type and data for a base64 image");
    }
    url = "data:" + *media + ";base64," + *data;
  } else if (*type == "url") {
    const std::string* u = stringMember(*source, "url");
    if (u == nullptr) return bad(where + ".source.url must be a string");
    url = *u;
  } else {
    return bad(where + ".source.type '" + *type +
               "' is not supported for this model; send the image as base64 or url");
  }
  return json{{"type", "image_url"}, {"image_url", {{"url", std::move(url)}}}};
}

std::string joinTexts(const json& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += "\n\n";
    out += p["text"].get_ref<const std::string&>();
  }
  return out;
}

// A system prompt: string or text blocks, joined into one string (widest compatibility).
Result<std::string> systemText(const json& system) {
  if (system.is_string()) return system.get<std::string>();
  if (!system.is_array()) return bad("system must be a string or an array of text blocks");
  std::string out;
  for (size_t i = 0; i < system.size(); ++i) {
    std::string where = "system[" + std::to_string(i) + "]";
    Status err;
    std::string type = blockType(system[i], where, err);
    if (!err) return err;
    if (type != "text") {
      return bad(where + ": block type '" + type + "' is not allowed in system; use text");
    }
    auto text = textOf(system[i], where);
    if (!text) return text.status();
    if (text->empty()) continue;
    if (!out.empty()) out += "\n\n";
    out += *text;
  }
  return out;
}

// Parts -> OpenAI content: a lone text part becomes a plain string.
json userContent(json parts) {
  if (parts.size() == 1 && parts[0]["type"] == "text") return parts[0]["text"];
  return parts;
}

// tool_result content (string or text/image blocks) -> text for the tool message; images go
// to `images` because OpenAI tool messages carry text only.
Result<std::string> toolResultText(const json& block, const std::string& where, json& images) {
  std::string text;
  const json* content = member(block, "content");
  if (content == nullptr) {
    // no output
  } else if (content->is_string()) {
    text = content->get<std::string>();
  } else if (content->is_array()) {
    json texts = json::array();
    for (size_t i = 0; i < content->size(); ++i) {
      std::string at = where + ".content[" + std::to_string(i) + "]";
      Status err;
      std::string type = blockType((*content)[i], at, err);
      if (!err) return err;
      if (type == "text") {
        auto t = textOf((*content)[i], at);
        if (!t) return t.status();
        texts.push_back({{"text", std::move(t.value())}});
      } else if (type == "image") {
        auto image = imagePart((*content)[i], at);
        if (!image) return image.status();
        images.push_back(std::move(image.value()));
      } else {
        return bad(at + ": block type '" + type +
                   "' is not supported in tool_result content for this model; use text or "
                   "image");
      }
    }
    text = joinTexts(texts);
  } else {
    return bad(where + ".content must be a string or an array of content blocks");
  }
  const json* is_error = member(block, "is_error");
  if (is_error != nullptr && !is_error->is_boolean())
    return bad(where + ".is_error must be a boolean");
  if (is_error != nullptr && is_error->get<bool>()) text = "Error: " + text;
  return text;
}

// A user turn: tool_result blocks become role:tool messages placed first (OpenAI wants them
// right after the assistant's tool_calls), then one user message with the remaining content.
Status userMessages(const json& content, const std::string& where, json& out) {
  if (content.is_string()) {
    out.push_back({{"role", "user"}, {"content", content}});
    return Status::ok();
  }
  if (!content.is_array()) return bad(where + " must be a string or an array of content blocks");
  json parts = json::array();
  json tool_images = json::array();
  for (size_t i = 0; i < content.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    const json& block = content[i];
    Status err;
    std::string type = blockType(block, at, err);
    if (!err) return err;
    if (type == "text") {
      auto text = textOf(block, at);
      if (!text) return text.status();
      parts.push_back({{"type", "text"}, {"text", std::move(text.value())}});
    } else if (type == "image") {
      auto image = imagePart(block, at);
      if (!image) return image.status();
      parts.push_back(std::move(image.value()));
    } else if (type == "tool_result") {
      const std::string* id = stringMember(block, "tool_use_id");
      if (id == nullptr) return bad(at + ".tool_use_id must be a string");
      auto text = toolResultText(block, at, tool_images);
      if (!text) return text.status();
      out.push_back(
          {{"role", "tool"}, {"tool_call_id", *id}, {"content", std::move(text.value())}});
    } else {
      return bad(at + ": content block type '" + type +
                 "' is not supported for this model; user messages may contain text, image and "
                 "tool_result blocks");
    }
  }
  // Images returned by tools follow the tool messages, ahead of the user's own content.
  for (auto it = tool_images.rbegin(); it != tool_images.rend(); ++it) {
    parts.insert(parts.begin(), std::move(*it));
  }
  if (!parts.empty()) out.push_back({{"role", "user"}, {"content", userContent(std::move(parts))}});
  return Status::ok();
}

Result<json> toolCall(const json& block, const std::string& where) {
  const std::string* id = stringMember(block, "id");
  const std::string* name = stringMember(block, "name");
  if (id == nullptr || name == nullptr) return bad(where + " needs string id and name");
  const json* input = member(block, "input");
  if (input != nullptr && !input->is_object()) return bad(where + ".input must be an object");
  return json{{"id", *id},
              {"type", "function"},
              {"function", {{"name", *name}, {"arguments", input ? dump(*input) : "{}"}}}};
}

// An assistant turn: text -> content, tool_use -> tool_calls, thinking -> reasoning_content +
// reasoning_signature, redacted_thinking -> reasoning_redacted.
Status assistantMessage(const json& content, const std::string& where, json& out) {
  json msg = {{"role", "assistant"}};
  if (content.is_string()) {
    msg["content"] = content;
    out.push_back(std::move(msg));
    return Status::ok();
  }
  if (!content.is_array()) return bad(where + " must be a string or an array of content blocks");
  std::string text, reasoning;
  const std::string* signature = nullptr;
  bool has_text = false, has_reasoning = false;
  json calls = json::array(), redacted = json::array();
  for (size_t i = 0; i < content.size(); ++i) {
    std::string at = where + "[" + std::to_string(i) + "]";
    const json& block = content[i];
    Status err;
    std::string type = blockType(block, at, err);
    if (!err) return err;
    if (type == "text") {
      auto t = textOf(block, at);
      if (!t) return t.status();
      if (has_text && !t->empty() && !text.empty()) text += "\n\n";
      text += *t;
      has_text = true;
    } else if (type == "tool_use") {
      auto call = toolCall(block, at);
      if (!call) return call.status();
      calls.push_back(std::move(call.value()));
    } else if (type == "thinking") {
      const std::string* t = stringMember(block, "thinking");
      if (t == nullptr) return bad(at + ".thinking must be a string");
      reasoning += *t;
      has_reasoning = true;
      if (const std::string* s = stringMember(block, "signature")) signature = s;
    } else if (type == "redacted_thinking") {
      const std::string* data = stringMember(block, "data");
      if (data == nullptr) return bad(at + ".data must be a string");
      redacted.push_back(*data);
    } else {
      return bad(at + ": content block type '" + type +
                 "' is not supported for this model; assistant messages may contain text, "
                 "tool_use, thinking and redacted_thinking blocks");
    }
  }
  msg["content"] = has_text || calls.empty() ? json(text) : json();
  if (has_reasoning) {
    msg["reasoning_content"] = std::move(reasoning);
    if (signature != nullptr) msg["reasoning_signature"] = *signature;
  }
  if (!redacted.empty()) msg["reasoning_redacted"] = std::move(redacted);
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  out.push_back(std::move(msg));
  return Status::ok();
}

Status translateMessages(const json& req, json& out) {
  const json* messages = member(req, "messages");
  if (messages == nullptr || !messages->is_array() || messages->empty()) {
    return bad("messages must be a non-empty array");
  }
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& msg = (*messages)[i];
    std::string where = "messages[" + std::to_string(i) + "]";
    const std::string* role = stringMember(msg, "role");
    if (role == nullptr) return bad(where + ".role must be a string");
    const json* content = member(msg, "content");
    if (content == nullptr) return bad(where + ".content is required");
    Status s;
    if (*role == "user") {
      s = userMessages(*content, where + ".content", out);
    } else if (*role == "assistant") {
      s = assistantMessage(*content, where + ".content", out);
    } else {
      return bad(where +
                 ".role must be \"user\" or \"assistant\" (system goes in the top-level "
                 "system field)");
    }
    if (!s) return s;
  }
  return Status::ok();
}

Status addTools(const json& req, json& body) {
  if (const json* tools = member(req, "tools")) {
    if (!tools->is_array()) return bad("tools must be an array");
    json out = json::array();
    for (size_t i = 0; i < tools->size(); ++i) {
      const json& tool = (*tools)[i];
      std::string where = "tools[" + std::to_string(i) + "]";
      if (const std::string* type = stringMember(tool, "type"); type && *type != "custom") {
        return bad(where + ": server tool type '" + *type +
                   "' is not supported for this model; only client tools "
                   "({name, description, input_schema}) can be used");
      }
      const std::string* name = stringMember(tool, "name");
      if (name == nullptr) return bad(where + ".name must be a string");
      json fn = {{"name", *name}};
      if (const std::string* d = stringMember(tool, "description")) fn["description"] = *d;
      const json* schema = member(tool, "input_schema");
      if (schema == nullptr || !schema->is_object()) {
        return bad(where + ".input_schema must be a JSON Schema object");
      }
      fn["parameters"] = *schema;
      out.push_back({{"type", "function"}, {"function", std::move(fn)}});
    }
    if (!out.empty()) body["tools"] = std::move(out);
  }
  const json* choice = member(req, "tool_choice");
  if (choice == nullptr) return Status::ok();
  const std::string* type = stringMember(*choice, "type");
  if (type == nullptr) return bad("tool_choice.type must be a string (auto, any, tool or none)");
  if (*type == "auto") {
    body["tool_choice"] = "auto";
  } else if (*type == "any") {
    body["tool_choice"] = "required";
  } else if (*type == "none") {
    body["tool_choice"] = "none";
  } else if (*type == "tool") {
    const std::string* name = stringMember(*choice, "name");
    if (name == nullptr) return bad("tool_choice.name must be a string when type is \"tool\"");
    body["tool_choice"] = {{"type", "function"}, {"function", {{"name", *name}}}};
  } else {
    return bad("tool_choice.type '" + *type + "' is not one of auto, any, tool, none");
  }
  if (const json* serial = member(*choice, "disable_parallel_tool_use")) {
    if (!serial->is_boolean())
      return bad("tool_choice.disable_parallel_tool_use must be a boolean");
    // OpenAI rejects parallel_tool_calls without tools.
    if (serial->get<bool>() && body.contains("tools")) body["parallel_tool_calls"] = false;
  }
  return Status::ok();
}

// thinking.budget_tokens -> reasoning_effort: low <= 2048 < medium <= 8192 < high.
Status addThinking(const json& req, json& body) {
  const json* thinking = member(req, "thinking");
  if (thinking == nullptr) return Status::ok();
  const std::string* type = stringMember(*thinking, "type");
  if (type == nullptr) return bad("thinking.type must be a string (enabled or disabled)");
  if (*type == "disabled") return Status::ok();
  if (*type == "adaptive") return Status::ok();  // the provider's default effort
  if (*type != "enabled") return bad("thinking.type '" + *type + "' is not enabled or disabled");
  const json* budget = member(*thinking, "budget_tokens");
  if (budget == nullptr || !budget->is_number_integer() || budget->get<int64_t>() <= 0) {
    return bad("thinking.budget_tokens must be a positive integer");
  }
  int64_t b = budget->get<int64_t>();
  body["reasoning_effort"] = b <= 2048 ? "low" : b <= 8192 ? "medium" : "high";
  return Status::ok();
}

Status addSampling(const json& req, json& body) {
  if (const json* max = member(req, "max_tokens")) {
    if (!max->is_number_integer() || max->get<int64_t>() <= 0) {
      return bad("max_tokens must be a positive integer");
    }
    body["max_tokens"] = *max;  // not max_completion_tokens: more compatible providers know it
  }
  for (const char* key : {"temperature", "top_p"}) {
    if (const json* v = member(req, key)) {
      if (!v->is_number()) return bad(std::string(key) + " must be a number");
      body[key] = *v;
    }
  }
  if (const json* top_k = member(req, "top_k"); top_k && !top_k->is_number()) {
    return bad("top_k must be a number");  // otherwise dropped: OpenAI has no top_k
  }
  if (const json* stop = member(req, "stop_sequences")) {
    if (!stop->is_array()) return bad("stop_sequences must be an array of strings");
    for (const auto& s : *stop) {
      if (!s.is_string()) return bad("stop_sequences must be an array of strings");
    }
    if (!stop->empty()) body["stop"] = *stop;
  }
  if (const json* metadata = member(req, "metadata")) {
    if (!metadata->is_object()) return bad("metadata must be an object");
    if (const json* user = member(*metadata, "user_id")) {
      if (!user->is_string()) return bad("metadata.user_id must be a string");
      body["user"] = *user;
    }
  }
  return Status::ok();
}

}  // namespace

Result<std::string> messagesToChatRequest(std::string_view anthropic_body, std::string_view model,
                                          bool* stream_out) {
  auto parsed = parseJson(anthropic_body);
  if (parsed.overLimit()) return bad("the request body " + parsed.describe());
  json req = std::move(parsed.value);
  if (req.is_discarded() || !req.is_object()) {
    return bad("the request body must be a JSON object");
  }
  if (member(req, "mcp_servers")) {
    return bad(
        "mcp_servers is not supported for this model; only Anthropic models connect to "
        "MCP servers");
  }
  bool stream = false;
  if (const json* s = member(req, "stream")) {
    if (!s->is_boolean()) return bad("stream must be a boolean");
    stream = s->get<bool>();
  }
  json body = {{"model", model}};
  json messages = json::array();
  if (const json* system = member(req, "system")) {
    auto text = systemText(*system);
    if (!text) return text.status();
    if (!text->empty()) messages.push_back({{"role", "system"}, {"content", std::move(*text)}});
  }
  if (auto s = translateMessages(req, messages); !s) return s;
  body["messages"] = std::move(messages);
  if (auto s = addSampling(req, body); !s) return s;
  if (auto s = addThinking(req, body); !s) return s;
  if (auto s = addTools(req, body); !s) return s;
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  if (stream_out != nullptr) *stream_out = stream;
  return dump(body);
}

}  // namespace igw
