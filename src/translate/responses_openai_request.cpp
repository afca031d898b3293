// Responses API request -> OpenAI chat completion request (the bridge). Whatever a chat request
// cannot express is a 400 naming the field; settings with no chat equivalent that change nothing
// a client relies on (store, include, truncation, service_tier, prompt_cache_key,
// safety_identifier, top_logprobs, max_tool_calls, text.verbosity, reasoning.summary) are
// accepted and not forwarded. Nothing here throws.
//
// Input items become chat messages in order: instructions and system/developer messages become
// system messages (the widest-understood role), user messages user messages, and the assistant
// side of a turn — reasoning, an assistant message, function calls — one assistant message
// (reasoning_content, content, tool_calls), as chat wants it. function_call_output items become
// tool messages; images in them follow as a user message (chat tool messages carry text only).
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "translate/responses_openai.h"

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

constexpr std::string_view kNoStore =
    "; the gateway does not store responses: send the whole conversation in input (with "
    "store: false, as stateless Responses clients do)";

// input_image -> chat image_url part. Only images the gateway can hand on: a URL or data URL.
Result<json> imagePart(const json& part, const std::string& where) {
  const std::string* url = stringMember(part, "image_url");
  if (url == nullptr) {
    if (member(part, "file_id") != nullptr) {
      return bad(where +
                 ": images by file_id need OpenAI's Files API, which this model does not "
                 "have; send image_url (a URL or a data: URL)");
    }
    return bad(where + ".image_url must be a string (a URL or a data: URL)");
  }
  json image = {{"url", *url}};
  if (const std::string* detail = stringMember(part, "detail")) image["detail"] = *detail;
  return json{{"type", "image_url"}, {"image_url", std::move(image)}};
}

// Content parts of a message (or of a function_call_output's output) -> chat parts.
// `assistant`: output_text and refusal parts are allowed (assistant turns sent back).
Status contentParts(const json& content, const std::string& where, bool assistant, json& parts) {
  if (content.is_string()) {
    parts.push_back({{"type", "text"}, {"text", content}});
    return Status::ok();
  }
  if (!content.is_array()) return bad(where + " must be a string or an array of content parts");
  for (size_t i = 0; i < content.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const json& part = content[i];
    const std::string* type = stringMember(part, "type");
    if (type == nullptr) return bad(at + ".type must be a string");
    if (*type == "input_text" || *type == "output_text" || *type == "text") {
      const std::string* text = stringMember(part, "text");
      if (text == nullptr) return bad(at + ".text must be a string");
      parts.push_back({{"type", "text"}, {"text", *text}});
    } else if (*type == "refusal" && assistant) {
      const std::string* text = stringMember(part, "refusal");
      if (text == nullptr) return bad(at + ".refusal must be a string");
      parts.push_back({{"type", "text"}, {"text", *text}});
    } else if (*type == "input_image" && !assistant) {
      auto image = imagePart(part, at);
      if (!image) return image.status();
      parts.push_back(std::move(image.value()));
    } else {
      return bad(at + ": content part type '" + *type +
                 "' is not supported for this model through the Responses bridge; use "
                 "input_text and input_image (output_text and refusal in assistant messages)");
    }
  }
  return Status::ok();
}

std::string joinTexts(const json& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += "\n\n";
    out += p["text"].get_ref<const std::string&>();
  }
  return out;
}

bool allText(const json& parts) {
  for (const auto& p : parts) {
    if (p["type"] != "text") return false;
  }
  return true;
}

class Builder {
 public:
  explicit Builder(json& messages) : messages_(messages) {}

  Status item(const json& it, const std::string& where) {
    if (!it.is_object()) return bad(where + " must be an object");
    const std::string* type = stringMember(it, "type");
    if (type == nullptr) {
      if (member(it, "role") == nullptr) return bad(where + ".type must be a string");
      return message(it, where);
    }
    if (*type == "message") return message(it, where);
    if (*type == "function_call") return functionCall(it, where);
    if (*type == "function_call_output") return functionOutput(it, where);
    if (*type == "reasoning") return reasoning(it, where);
    if (*type == "item_reference") {
      return bad(where + ": item_reference needs stored responses" + std::string(kNoStore));
    }
    return bad(where + ": input item type '" + *type +
               "' is not supported for this model through the Responses bridge; input items may "
               "be message, function_call, function_call_output and reasoning");
  }

  void finish() {
    flushToolImages();
    endAssistant();
  }

 private:
  Status message(const json& it, const std::string& where) {
    const std::string* role = stringMember(it, "role");
    if (role == nullptr) return bad(where + ".role must be a string");
    const json* content = member(it, "content");
    if (content == nullptr) return bad(where + ".content is required");
    const bool assistant = *role == "assistant";
    json parts = json::array();
    if (Status s = contentParts(*content, where + ".content", assistant, parts); !s) return s;
    flushToolImages();
    if (*role == "system" || *role == "developer") {
      if (!allText(parts)) return bad(where + ": " + *role + " messages take text only");
      endAssistant();
      messages_.push_back({{"role", "system"}, {"content", joinTexts(parts)}});
    } else if (*role == "user") {
      endAssistant();
      json content_out = parts.size() == 1 && allText(parts) ? parts[0]["text"] : parts;
      messages_.push_back({{"role", "user"}, {"content", std::move(content_out)}});
    } else if (assistant) {
      json& msg = assistantMessage(false);
      std::string text = joinTexts(parts);
      if (msg.contains("content") && msg["content"].is_string()) {
        std::string& have = msg["content"].get_ref<std::string&>();
        if (!have.empty() && !text.empty()) have += "\n\n";
        have += text;
      } else {
        msg["content"] = std::move(text);
      }
    } else {
      return bad(where + ".role must be one of user, assistant, system, developer");
    }
    return Status::ok();
  }

  Status functionCall(const json& it, const std::string& where) {
    const std::string* call_id = stringMember(it, "call_id");
    const std::string* name = stringMember(it, "name");
    const std::string* args = stringMember(it, "arguments");
    if (call_id == nullptr || name == nullptr || args == nullptr) {
      return bad(where + " needs string call_id, name and arguments");
    }
    flushToolImages();
    json& msg = assistantMessage(true);
    if (!msg.contains("content")) msg["content"] = nullptr;
    msg["tool_calls"].push_back(
        {{"id", *call_id},
         {"type", "function"},
         {"function", {{"name", *name}, {"arguments", args->empty() ? "{}" : *args}}}});
    return Status::ok();
  }

  Status functionOutput(const json& it, const std::string& where) {
    const std::string* call_id = stringMember(it, "call_id");
    if (call_id == nullptr) return bad(where + ".call_id must be a string");
    const json* output = member(it, "output");
    if (output == nullptr) return bad(where + ".output is required (a string or content parts)");
    json parts = json::array();
    if (Status s = contentParts(*output, where + ".output", false, parts); !s) return s;
    json texts = json::array();
    for (auto& p : parts) {
      if (p["type"] == "text") {
        texts.push_back(std::move(p));
      } else {
        tool_images_.push_back(std::move(p));
      }
    }
    endAssistant();
    messages_.push_back(
        {{"role", "tool"}, {"tool_call_id", *call_id}, {"content", joinTexts(texts)}});
    return Status::ok();
  }

  Status reasoning(const json& it, const std::string& where) {
    std::string text;
    // The full reasoning text when the item has it; its summary otherwise.
    if (const json* content = member(it, "content")) {
      if (!content->is_array()) return bad(where + ".content must be an array");
      for (const auto& part : *content) {
        const std::string* t = stringMember(part, "text");
        if (t == nullptr) return bad(where + ".content[] needs a string text");
        text += *t;
      }
    }
    if (text.empty()) {
      const json* summary = member(it, "summary");
      if (summary != nullptr && !summary->is_array()) {
        return bad(where + ".summary must be an array");
      }
      if (summary != nullptr) {
        for (const auto& part : *summary) {
          const std::string* t = stringMember(part, "text");
          if (t == nullptr) return bad(where + ".summary[] needs a string text");
          if (!text.empty() && !t->empty()) text += "\n\n";
          text += *t;
        }
      }
    }
    const std::string* signature = stringMember(it, "encrypted_content");
    if (text.empty() && signature == nullptr) return Status::ok();  // nothing to carry
    flushToolImages();
    json& msg = assistantMessage(false);
    if (msg.contains("reasoning_content")) {
      msg["reasoning_content"].get_ref<std::string&>() += text;
    } else {
      msg["reasoning_content"] = std::move(text);
    }
    if (signature != nullptr) msg["reasoning_signature"] = *signature;
    return Status::ok();
  }

  // The assistant message the current item belongs to: the last message when it is the open
  // assistant turn (and, for text, has no content or calls yet), else a new one.
  json& assistantMessage(bool for_call) {
    if (open_assistant_ && !messages_.empty()) {
      json& last = messages_.back();
      const bool has_calls = last.contains("tool_calls");
      const bool has_text = last.contains("content") && !last["content"].is_null();
      if (for_call || (!has_calls && !has_text)) {
        if (for_call && !has_calls) last["tool_calls"] = json::array();
        return last;
      }
    }
    messages_.push_back({{"role", "assistant"}});
    open_assistant_ = true;
    json& msg = messages_.back();
    if (for_call) msg["tool_calls"] = json::array();
    return msg;
  }

  void endAssistant() {
    if (open_assistant_ && !messages_.empty()) {
      json& last = messages_.back();
      if (!last.contains("content")) last["content"] = "";  // reasoning alone
    }
    open_assistant_ = false;
  }

  void flushToolImages() {
    if (tool_images_.empty()) return;
    endAssistant();
    messages_.push_back({{"role", "user"}, {"content", std::move(tool_images_)}});
    tool_images_ = json::array();
  }

  json& messages_;
  json tool_images_ = json::array();
  bool open_assistant_ = false;
};

Status addTools(const json& req, json& body, json& echo) {
  if (const json* tools = member(req, "tools")) {
    if (!tools->is_array()) return bad("tools must be an array");
    json out = json::array();
    for (size_t i = 0; i < tools->size(); ++i) {
      const json& tool = (*tools)[i];
      const std::string where = "tools[" + std::to_string(i) + "]";
      const std::string* type = stringMember(tool, "type");
      if (type == nullptr) return bad(where + ".type must be a string");
      if (*type != "function") {
        return bad(where + ": tool type '" + *type +
                   "' is not supported for this model through the Responses bridge; only "
                   "function tools ({type: function, name, parameters}) can be used");
      }
      const std::string* name = stringMember(tool, "name");
      if (name == nullptr) return bad(where + ".name must be a string");
      json fn = {{"name", *name}};
      if (const std::string* d = stringMember(tool, "description")) fn["description"] = *d;
      if (const json* params = member(tool, "parameters")) {
        if (!params->is_object()) return bad(where + ".parameters must be a JSON Schema object");
        fn["parameters"] = *params;
      }
      if (const json* strict = member(tool, "strict")) {
        if (!strict->is_boolean()) return bad(where + ".strict must be a boolean");
        fn["strict"] = *strict;
      }
      out.push_back({{"type", "function"}, {"function", std::move(fn)}});
    }
    echo["tools"] = *tools;
    if (!out.empty()) body["tools"] = std::move(out);
  }
  if (const json* choice = member(req, "tool_choice")) {
    if (choice->is_string()) {
      const std::string& c = choice->get_ref<const std::string&>();
      if (c != "auto" && c != "none" && c != "required") {
        return bad("tool_choice '" + c + "' is not one of auto, none, required");
      }
      body["tool_choice"] = c;
    } else {
      const std::string* type = stringMember(*choice, "type");
      if (type == nullptr) return bad("tool_choice must be a string or an object with a type");
      if (*type != "function") {
        return bad("tool_choice type '" + *type +
                   "' is not supported for this model through the Responses bridge; use auto, "
                   "none, required or {type: function, name}");
      }
      const std::string* name = stringMember(*choice, "name");
      if (name == nullptr) return bad("tool_choice.name must be a string");
      body["tool_choice"] = {{"type", "function"}, {"function", {{"name", *name}}}};
    }
    echo["tool_choice"] = *choice;
  }
  if (const json* parallel = member(req, "parallel_tool_calls")) {
    if (!parallel->is_boolean()) return bad("parallel_tool_calls must be a boolean");
    // OpenAI rejects parallel_tool_calls without tools.
    if (body.contains("tools")) body["parallel_tool_calls"] = *parallel;
    echo["parallel_tool_calls"] = parallel->get<bool>();
  }
  return Status::ok();
}

Status addSettings(const json& req, json& body, json& echo) {
  if (const json* max = member(req, "max_output_tokens")) {
    if (!max->is_number_integer() || max->get<int64_t>() <= 0) {
      return bad("max_output_tokens must be a positive integer");
    }
    body["max_tokens"] = *max;  // not max_completion_tokens: more compatible providers know it
    echo["max_output_tokens"] = max->get<int64_t>();
  }
  for (const char* key : {"temperature", "top_p"}) {
    if (const json* v = member(req, key)) {
      if (!v->is_number()) return bad(std::string(key) + " must be a number");
      body[key] = *v;
      echo[key] = v->get<double>();
    }
  }
  if (const json* reasoning = member(req, "reasoning")) {
    if (!reasoning->is_object()) return bad("reasoning must be an object");
    if (const json* effort = member(*reasoning, "effort")) {
      if (!effort->is_string()) return bad("reasoning.effort must be a string");
      body["reasoning_effort"] = *effort;
      echo["reasoning"]["effort"] = effort->get<std::string>();
    }
    if (const std::string* summary = stringMember(*reasoning, "summary")) {
      echo["reasoning"]["summary"] = *summary;
    }
  }
  if (const json* text = member(req, "text")) {
    if (!text->is_object()) return bad("text must be an object");
    if (const json* format = member(*text, "format")) {
      const std::string* type = stringMember(*format, "type");
      if (type == nullptr) return bad("text.format.type must be a string");
      if (*type == "json_object") {
        body["response_format"] = {{"type", "json_object"}};
      } else if (*type == "json_schema") {
        const std::string* name = stringMember(*format, "name");
        const json* schema = member(*format, "schema");
        if (name == nullptr) return bad("text.format.name must be a string");
        if (schema == nullptr || !schema->is_object()) {
          return bad("text.format.schema must be a JSON Schema object");
        }
        json js = {{"name", *name}, {"schema", *schema}};
        if (const std::string* d = stringMember(*format, "description")) js["description"] = *d;
        if (const json* strict = member(*format, "strict")) {
          if (!strict->is_boolean()) return bad("text.format.strict must be a boolean");
          js["strict"] = *strict;
        }
        body["response_format"] = {{"type", "json_schema"}, {"json_schema", std::move(js)}};
      } else if (*type != "text") {
        return bad("text.format.type '" + *type + "' is not one of text, json_object, json_schema");
      }
      echo["text"]["format"] = *format;
    }
  }
  if (const json* user = member(req, "user")) {
    if (!user->is_string()) return bad("user must be a string");
    body["user"] = *user;
    echo["user"] = user->get<std::string>();
  }
  if (const json* metadata = member(req, "metadata")) {
    if (!metadata->is_object()) return bad("metadata must be an object");
    echo["metadata"] = *metadata;
  }
  if (const std::string* truncation = stringMember(req, "truncation")) {
    echo["truncation"] = *truncation;
  }
  return Status::ok();
}

// What the Response object repeats of the request, with OpenAI's defaults for what it left out.
json defaultEcho() {
  return json{{"instructions", nullptr},
              {"max_output_tokens", nullptr},
              {"parallel_tool_calls", true},
              {"previous_response_id", nullptr},
              {"reasoning", {{"effort", nullptr}, {"summary", nullptr}}},
              {"store", false},  // nothing is stored, whatever the request said
              {"temperature", nullptr},
              {"text", {{"format", {{"type", "text"}}}}},
              {"tool_choice", "auto"},
              {"tools", json::array()},
              {"top_p", nullptr},
              {"truncation", "disabled"},
              {"user", nullptr},
              {"metadata", json::object()}};
}

}  // namespace

Result<ResponsesChatRequest> responsesToChatRequest(std::string_view body_text,
                                                    std::string_view model) {
  auto parsed = parseJson(body_text);
  if (parsed.overLimit()) return bad("the request body " + parsed.describe());
  json req = std::move(parsed.value);
  if (req.is_discarded() || !req.is_object()) return bad("the request body must be a JSON object");
  if (member(req, "previous_response_id")) {
    return bad("previous_response_id is not supported for this model: it needs stored responses" +
               std::string(kNoStore));
  }
  if (member(req, "conversation")) {
    return bad("conversation is not supported for this model: it needs stored conversations" +
               std::string(kNoStore));
  }
  if (const json* bg = member(req, "background"); bg && (!bg->is_boolean() || bg->get<bool>())) {
    return bad(
        "background responses are not supported for this model (they need stored "
        "responses); leave background unset or false");
  }
  if (member(req, "prompt")) {
    return bad(
        "prompt (a stored prompt template) is not supported for this model; send the "
        "instructions and input themselves");
  }
  ResponsesChatRequest out;
  if (const json* s = member(req, "stream")) {
    if (!s->is_boolean()) return bad("stream must be a boolean");
    out.stream = s->get<bool>();
  }
  json echo = defaultEcho();
  json messages = json::array();
  if (const json* instructions = member(req, "instructions")) {
    if (!instructions->is_string()) return bad("instructions must be a string");
    if (!instructions->get_ref<const std::string&>().empty()) {
      messages.push_back({{"role", "system"}, {"content", *instructions}});
    }
    echo["instructions"] = instructions->get<std::string>();
  }
  const json* input = member(req, "input");
  if (input == nullptr) return bad("input is required (a string or an array of input items)");
  if (input->is_string()) {
    messages.push_back({{"role", "user"}, {"content", *input}});
  } else if (input->is_array()) {
    Builder builder(messages);
    for (size_t i = 0; i < input->size(); ++i) {
      if (Status s = builder.item((*input)[i], "input[" + std::to_string(i) + "]"); !s) return s;
    }
    builder.finish();
  } else {
    return bad("input must be a string or an array of input items");
  }
  if (messages.empty()) return bad("input must hold at least one message");
  json body = {{"model", model}, {"messages", std::move(messages)}};
  if (Status s = addSettings(req, body, echo); !s) return s;
  if (Status s = addTools(req, body, echo); !s) return s;
  if (out.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  out.chat = dump(body);
  out.echo = dump(echo);
  return out;
}

}  // namespace igw
