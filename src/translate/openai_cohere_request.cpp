// OpenAI chat completion request -> Cohere v2 /v2/chat body. Everything Cohere cannot express is
// a 400 naming the field and what to change; nothing here throws on bad input (every access is
// type-checked, and the body is dumped with invalid UTF-8 replaced).
#include <nlohmann/json.hpp>

#include "core/json_parse.h"

#include "http/json_scan.h"
#include "translate/openai_cohere.h"

namespace igw::cohere {

namespace {

using nlohmann::json;

const json* member(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

// The string at obj[key], or "" when absent or not a string.
std::string stringAt(const json& obj, const char* key) {
  const json* v = obj.is_object() ? member(obj, key) : nullptr;
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::string where(size_t i) {
  return "messages[" + std::to_string(i) + "]";
}

// Text parts (OpenAI "text", and "refusal" which is text the model wrote) -> Cohere text parts.
// `allow_images` admits image_url parts (user messages only).
Status contentParts(const json& content, const std::string& at, bool allow_images, json& out) {
  out = json::array();
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    std::string pat = at + ".content[" + std::to_string(i) + "]";
    if (!part.is_object()) return invalidArgument(pat + " must be an object");
    const json* type = member(part, "type");
    if (!type || !type->is_string()) return invalidArgument(pat + ".type must be a string");
    const auto& t = type->get_ref<const std::string&>();
    if (t == "text" || t == "refusal") {
      const json* text = member(part, t.c_str());
      if (!text || !text->is_string()) return invalidArgument(pat + "." + t + " must be a string");
      out.push_back({{"type", "text"}, {"text", *text}});
    } else if (t == "image_url" && allow_images) {
      const json* img = member(part, "image_url");
      const json* url = img && img->is_object() ? member(*img, "url") : nullptr;
      if (!url || !url->is_string()) {
        return invalidArgument(pat + ".image_url.url must be a string (https: or data: URL)");
      }
      json image = {{"url", *url}};
      if (const json* detail = member(*img, "detail"); detail && detail->is_string()) {
        image["detail"] = *detail;
      }
      out.push_back({{"type", "image_url"}, {"image_url", std::move(image)}});
    } else {
      return invalidArgument(pat + ": content part type \"" + t +
                             "\" is not supported by Cohere here; use text" +
                             (allow_images ? " or image_url parts" : " parts"));
    }
  }
  return Status::ok();
}

// String content stays a string; an array becomes Cohere parts.
Status content(const json& msg, const std::string& at, bool allow_images, bool required,
               json& out) {
  const json* c = member(msg, "content");
  if (!c) {
    if (required) return invalidArgument(at + ".content is required");
    out = nullptr;
    return Status::ok();
  }
  if (c->is_string()) {
    out = *c;
    return Status::ok();
  }
  if (c->is_array()) return contentParts(*c, at, allow_images, out);
  return invalidArgument(at + ".content must be a string or an array of content parts");
}

// Joined text of assistant content (string or parts), for tool_plan.
std::string joinedText(const json& c) {
  if (c.is_string()) return c.get<std::string>();
  std::string s;
  if (c.is_array()) {
    for (const auto& p : c) {
      s += stringAt(p, "text");
    }
  }
  return s;
}

Status toolCalls(const json& calls, const std::string& at, json& out) {
  if (!calls.is_array()) return invalidArgument(at + ".tool_calls must be an array");
  out = json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    const json& c = calls[i];
    std::string cat = at + ".tool_calls[" + std::to_string(i) + "]";
    if (!c.is_object()) return invalidArgument(cat + " must be an object");
    const json* id = member(c, "id");
    if (!id || !id->is_string()) return invalidArgument(cat + ".id must be a string");
    if (const json* t = member(c, "type"); t && *t != "function") {
      return invalidArgument(cat + ".type must be \"function\"");
    }
    const json* fn = member(c, "function");
    if (!fn || !fn->is_object()) return invalidArgument(cat + ".function must be an object");
    const json* name = member(*fn, "name");
    if (!name || !name->is_string())
      return invalidArgument(cat + ".function.name must be a string");
    const json* args = member(*fn, "arguments");
    std::string arguments = "{}";
    if (args) {
      if (!args->is_string()) {
        return invalidArgument(cat + ".function.arguments must be a string of JSON");
      }
      arguments = args->get<std::string>();
      if (Status valid = validateJson(arguments); !valid) {
        // Forwarded as a string, but Cohere parses it: the same depth limit applies.
        if (valid.message().find("JSON_MAX_DEPTH") != std::string::npos) {
          return invalidArgument(cat + ".function.arguments is nested deeper than " +
                                 std::to_string(jsonLimits().max_depth) +
                                 " levels (the gateway's limit, JSON_MAX_DEPTH)");
        }
        return invalidArgument(cat +
                               ".function.arguments is not valid JSON; Cohere needs the "
                               "arguments the model produced as a JSON object string");
      }
    }
    out.push_back({{"id", *id},
                   {"type", "function"},
                   {"function", {{"name", *name}, {"arguments", std::move(arguments)}}}});
  }
  return Status::ok();
}

Status assistantMessage(const json& msg, const std::string& at, json& out) {
  json text;
  if (auto s = content(msg, at, false, false, text); !s) return s;
  std::string reasoning;
  if (const json* r = member(msg, "reasoning_content")) {
    if (!r->is_string()) return invalidArgument(at + ".reasoning_content must be a string");
    reasoning = r->get<std::string>();
  }
  out = {{"role", "assistant"}};
  const json* calls = member(msg, "tool_calls");
  if (calls && !(calls->is_array() && calls->empty())) {
    json cohere_calls;
    if (auto s = toolCalls(*calls, at, cohere_calls); !s) return s;
    out["tool_calls"] = std::move(cohere_calls);
    // Cohere keeps the model's pre-tool text in tool_plan, not in content.
    if (!reasoning.empty()) {
      out["tool_plan"] = reasoning;
      if (!text.is_null() && !joinedText(text).empty()) out["content"] = std::move(text);
    } else if (!text.is_null() && !joinedText(text).empty()) {
      out["tool_plan"] = joinedText(text);
    }
    return Status::ok();
  }
  if (text.is_null() && reasoning.empty()) {
    return invalidArgument(at + ": an assistant message needs content or tool_calls");
  }
  if (reasoning.empty()) {
    out["content"] = std::move(text);
    return Status::ok();
  }
  json parts = json::array({{{"type", "thinking"}, {"thinking", reasoning}}});
  if (text.is_string()) {
    parts.push_back({{"type", "text"}, {"text", text}});
  } else if (text.is_array()) {
    for (auto& p : text) parts.push_back(std::move(p));
  }
  out["content"] = std::move(parts);
  return Status::ok();
}

Status toolMessage(const json& msg, const std::string& at, json& out) {
  const json* id = member(msg, "tool_call_id");
  if (!id || !id->is_string()) {
    return invalidArgument(at + ".tool_call_id must be the id of the tool call being answered");
  }
  json c;
  if (auto s = content(msg, at, false, true, c); !s) return s;
  out = {{"role", "tool"}, {"tool_call_id", *id}, {"content", std::move(c)}};
  return Status::ok();
}

Status message(const json& msg, size_t i, json& out) {
  std::string at = where(i);
  if (!msg.is_object()) return invalidArgument(at + " must be an object");
  const json* role = member(msg, "role");
  if (!role || !role->is_string()) return invalidArgument(at + ".role must be a string");
  const auto& r = role->get_ref<const std::string&>();
  if (r == "system" || r == "developer" || r == "user") {
    json c;
    if (auto s = content(msg, at, r == "user", true, c); !s) return s;
    out = {{"role", r == "user" ? "user" : "system"}, {"content", std::move(c)}};
    return Status::ok();
  }
  if (r == "assistant") return assistantMessage(msg, at, out);
  if (r == "tool") return toolMessage(msg, at, out);
  return invalidArgument(at + ".role \"" + r +
                         "\" is not supported by Cohere; use system, developer, user, assistant "
                         "or tool (function messages: send tool messages instead)");
}

Status messages(const json& req, json& body) {
  const json* msgs = member(req, "messages");
  if (!msgs || !msgs->is_array() || msgs->empty()) {
    return invalidArgument("messages must be a non-empty array");
  }
  json out = json::array();
  for (size_t i = 0; i < msgs->size(); ++i) {
    json m;
    if (auto s = message((*msgs)[i], i, m); !s) return s;
    out.push_back(std::move(m));
  }
  body["messages"] = std::move(out);
  return Status::ok();
}

Status tools(const json& req, json& out) {
  const json* t = member(req, "tools");
  out = json::array();
  if (!t) return Status::ok();
  if (!t->is_array()) return invalidArgument("tools must be an array");
  for (size_t i = 0; i < t->size(); ++i) {
    const json& tool = (*t)[i];
    std::string at = "tools[" + std::to_string(i) + "]";
    if (!tool.is_object() || stringAt(tool, "type") != "function") {
      return invalidArgument(at + ": only {\"type\":\"function\"} tools are supported by Cohere");
    }
    const json* fn = member(tool, "function");
    if (!fn || !fn->is_object()) return invalidArgument(at + ".function must be an object");
    const json* name = member(*fn, "name");
    if (!name || !name->is_string()) return invalidArgument(at + ".function.name must be a string");
    json f = {{"name", *name}};
    if (const json* d = member(*fn, "description")) {
      if (!d->is_string()) return invalidArgument(at + ".function.description must be a string");
      f["description"] = *d;
    }
    if (const json* p = member(*fn, "parameters")) {
      if (!p->is_object()) return invalidArgument(at + ".function.parameters must be an object");
      f["parameters"] = *p;
    }
    out.push_back({{"type", "function"}, {"function", std::move(f)}});
  }
  return Status::ok();
}

// Sets body.tools and body.tool_choice.
Status toolsAndChoice(const json& req, json& body) {
  json list;
  if (auto s = tools(req, list); !s) return s;
  const json* choice = member(req, "tool_choice");
  std::string mode;
  if (choice && choice->is_string()) {
    const auto& c = choice->get_ref<const std::string&>();
    if (c == "none")
      mode = "NONE";
    else if (c == "required")
      mode = "REQUIRED";
    else if (c != "auto") {
      return invalidArgument(
          "tool_choice must be \"auto\", \"none\", \"required\" or "
          "{\"type\":\"function\",\"function\":{\"name\":...}}");
    }
  } else if (choice && choice->is_object()) {
    const json* fn = member(*choice, "function");
    const json* name = fn && fn->is_object() ? member(*fn, "name") : nullptr;
    if (!name || !name->is_string()) {
      return invalidArgument("tool_choice.function.name must name one of the tools");
    }
    json only = json::array();
    for (const auto& t : list) {
      if (t["function"]["name"] == *name) only.push_back(t);
    }
    if (only.empty()) {
      return invalidArgument("tool_choice names function \"" + name->get<std::string>() +
                             "\" which is not in tools");
    }
    list = std::move(only);  // Cohere cannot force one tool; offer only that one, required.
    mode = "REQUIRED";
  } else if (choice) {
    return invalidArgument("tool_choice must be a string or an object");
  }
  if (mode == "REQUIRED" && list.empty()) {
    return invalidArgument("tool_choice requires a tool call but no tools were given");
  }
  if (!list.empty()) body["tools"] = std::move(list);
  if (!mode.empty() && body.contains("tools")) body["tool_choice"] = mode;
  return Status::ok();
}

Status number(const json& req, const char* from, const char* to, json& body) {
  const json* v = member(req, from);
  if (!v) return Status::ok();
  if (!v->is_number()) return invalidArgument(std::string(from) + " must be a number");
  body[to] = *v;
  return Status::ok();
}

Status integer(const json& req, const char* from, const char* to, int64_t min, json& body) {
  const json* v = member(req, from);
  if (!v) return Status::ok();
  if (!v->is_number_integer() || v->get<int64_t>() < min) {
    return invalidArgument(std::string(from) + " must be an integer >= " + std::to_string(min));
  }
  body[to] = *v;
  return Status::ok();
}

Status stop(const json& req, json& body) {
  const json* s = member(req, "stop");
  if (!s) return Status::ok();
  if (s->is_string()) {
    body["stop_sequences"] = json::array({*s});
    return Status::ok();
  }
  if (!s->is_array()) return invalidArgument("stop must be a string or an array of strings");
  for (const auto& x : *s) {
    if (!x.is_string()) return invalidArgument("stop must be a string or an array of strings");
  }
  if (!s->empty()) body["stop_sequences"] = *s;
  return Status::ok();
}

Status responseFormat(const json& req, json& body) {
  const json* rf = member(req, "response_format");
  if (!rf) return Status::ok();
  std::string type = stringAt(*rf, "type");
  if (type == "text") return Status::ok();
  if (type == "json_object") {
    body["response_format"] = {{"type", "json_object"}};
    return Status::ok();
  }
  if (type == "json_schema") {
    const json* js = member(*rf, "json_schema");
    const json* schema = js && js->is_object() ? member(*js, "schema") : nullptr;
    if (!schema || !schema->is_object()) {
      return invalidArgument("response_format.json_schema.schema must be a JSON Schema object");
    }
    body["response_format"] = {{"type", "json_object"}, {"json_schema", *schema}};
    return Status::ok();
  }
  return invalidArgument(
      "response_format.type must be \"text\", \"json_object\" or "
      "\"json_schema\"");
}

Status reasoning(const json& req, json& body) {
  const json* e = member(req, "reasoning_effort");
  if (!e) return Status::ok();
  int budget = e->is_string() ? thinkingBudget(e->get_ref<const std::string&>()) : -1;
  if (budget < 0) {
    return invalidArgument(
        "reasoning_effort must be \"none\", \"minimal\", \"low\", \"medium\" "
        "or \"high\"");
  }
  if (budget == 0) {
    body["thinking"] = {{"type", "disabled"}};
  } else {
    body["thinking"] = {{"type", "enabled"}, {"token_budget", budget}};
  }
  return Status::ok();
}

// Options with no Cohere equivalent that change the answer's shape: refuse rather than ignore.
Status unsupported(const json& req) {
  if (const json* n = member(req, "n"); n && !(n->is_number_integer() && *n == 1)) {
    return invalidArgument("n must be 1: Cohere returns a single choice");
  }
  if (const json* lp = member(req, "logprobs"); lp && *lp == true) {
    return invalidArgument("logprobs is not supported by the Cohere adapter; remove it");
  }
  if (member(req, "audio") || member(req, "modalities")) {
    if (const json* m = member(req, "modalities");
        m && !(m->is_array() && m->size() == 1 && (*m)[0] == "text")) {
      return invalidArgument("Cohere only produces text; remove modalities/audio");
    }
    if (member(req, "audio")) return invalidArgument("Cohere only produces text; remove audio");
  }
  return Status::ok();
}

Status sampling(const json& req, json& body) {
  for (auto [from, to] : {std::pair{"temperature", "temperature"},
                          {"top_p", "p"},
                          {"frequency_penalty", "frequency_penalty"},
                          {"presence_penalty", "presence_penalty"}}) {
    if (auto s = number(req, from, to, body); !s) return s;
  }
  if (auto s = integer(req, "top_k", "k", 0, body); !s) return s;
  if (auto s = integer(req, "seed", "seed", INT64_MIN, body); !s) return s;
  // max_completion_tokens supersedes the deprecated max_tokens.
  if (auto s = integer(req, "max_tokens", "max_tokens", 1, body); !s) return s;
  if (auto s = integer(req, "max_completion_tokens", "max_tokens", 1, body); !s) return s;
  return stop(req, body);
}

}  // namespace

int thinkingBudget(std::string_view effort) {
  if (effort == "none") return 0;
  if (effort == "minimal") return 1024;
  if (effort == "low") return 2048;
  if (effort == "medium") return 8192;
  if (effort == "high") return 16384;
  return -1;
}

Result<NativeRequest> buildRequest(const json& req, bool stream) {
  if (!req.is_object()) return invalidArgument("request body must be a JSON object");
  const json* model = member(req, "model");
  if (!model || !model->is_string() || model->get_ref<const std::string&>().empty()) {
    return invalidArgument("model must be a non-empty string");
  }
  json body = {{"model", *model}};
  if (auto s = unsupported(req); !s) return s;
  if (auto s = messages(req, body); !s) return s;
  if (auto s = toolsAndChoice(req, body); !s) return s;
  if (auto s = sampling(req, body); !s) return s;
  if (auto s = responseFormat(req, body); !s) return s;
  if (auto s = reasoning(req, body); !s) return s;
  if (stream) body["stream"] = true;
  NativeRequest out;
  out.path = "/v2/chat";
  out.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

}  // namespace igw::cohere
