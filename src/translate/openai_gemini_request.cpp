// OpenAI chat request -> Gemini GenerateContentRequest. Everything Gemini cannot express is a
// 400 naming the offending field, so clients learn what to change instead of getting an opaque
// upstream error. Unknown OpenAI fields (user, metadata, store, parallel_tool_calls, ...) are
// ignored, as OpenAI-compatible servers commonly do.
#include <algorithm>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"
#include "translate/openai_gemini.h"

namespace igw::gemini {

namespace {

using json = nlohmann::json;

std::string msgWhere(size_t i) {
  return "messages[" + std::to_string(i) + "]";
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const std::string* stringMember(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? &v->get_ref<const std::string&>() : nullptr;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// MIME type for a remote file from its extension; image/jpeg when unknown because the OpenAI
// field it comes from (image_url) is for images.
std::string mimeFromUrl(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  size_t slash = url.rfind('/');
  size_t dot = url.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "image/jpeg";
  }
  static const std::unordered_map<std::string, std::string> kTypes = {
      {"png", "image/png"},   {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},   {"webp", "image/webp"},     {"heic", "image/heic"},
      {"heif", "image/heif"}, {"pdf", "application/pdf"}, {"mp3", "audio/mp3"},
      {"wav", "audio/wav"},   {"mp4", "video/mp4"},       {"txt", "text/plain"}};
  auto it = kTypes.find(lower(std::string(url.substr(dot + 1))));
  return it == kTypes.end() ? "image/jpeg" : it->second;
}

// "data:<mime>;base64,<data>" -> inlineData part.
Result<json> inlineDataPart(std::string_view url, const std::string& where) {
  size_t comma = url.find(',');
  std::string_view meta = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
  if (comma == std::string_view::npos || meta.size() < 7 ||
      meta.substr(meta.size() - 7) != ";base64") {
    return invalidArgument(where + ": data URLs must be base64 encoded (data:<mime>;base64,...)");
  }
  std::string mime(meta.substr(0, meta.size() - 7));
  if (mime.empty()) mime = "application/octet-stream";
  return json{{"inlineData", {{"mimeType", mime}, {"data", url.substr(comma + 1)}}}};
}

Result<json> imagePart(const json& item, const std::string& where) {
  const json* image = member(item, "image_url");
  const std::string* url = image && image->is_string()
                               ? &image->get_ref<const std::string&>()
                               : (image ? stringMember(*image, "url") : nullptr);
  if (!url) return invalidArgument(where + ".image_url.url must be a string");
  if (url->rfind("data:", 0) == 0) return inlineDataPart(*url, where + ".image_url.url");
  if (url->rfind("http://", 0) == 0 || url->rfind("https://", 0) == 0 ||
      url->rfind("gs://", 0) == 0) {
    return json{{"fileData", {{"mimeType", mimeFromUrl(*url)}, {"fileUri", *url}}}};
  }
  return invalidArgument(where + ".image_url.url must be a data: URL or an http(s) URL");
}

Result<json> audioPart(const json& item, const std::string& where) {
  const json* audio = member(item, "input_audio");
  const std::string* data = audio ? stringMember(*audio, "data") : nullptr;
  const std::string* format = audio ? stringMember(*audio, "format") : nullptr;
  if (!data || !format) {
    return invalidArgument(where + ".input_audio needs string fields data and format");
  }
  return json{{"inlineData", {{"mimeType", "audio/" + *format}, {"data", *data}}}};
}

Result<json> filePart(const json& item, const std::string& where) {
  const json* file = member(item, "file");
  const std::string* data = file ? stringMember(*file, "file_data") : nullptr;
  if (!data || data->rfind("data:", 0) != 0) {
    return invalidArgument(where +
                           ".file.file_data must be a data: URL (file_id is not supported by "
                           "Gemini; upload through the Gemini Files API and use its URI)");
  }
  return inlineDataPart(*data, where + ".file.file_data");
}

// OpenAI message content (string or array of parts) -> Gemini parts appended to `parts`.
// Empty text is skipped: Gemini rejects empty text parts.
Status appendContent(const json& content, const std::string& where, bool allow_media, json& parts) {
  if (content.is_null()) return Status::ok();
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) parts.push_back({{"text", content}});
    return Status::ok();
  }
  if (!content.is_array()) {
    return invalidArgument(where + ".content must be a string or an array of content parts");
  }
  for (size_t i = 0; i < content.size(); ++i) {
    const json& item = content[i];
    std::string at = where + ".content[" + std::to_string(i) + "]";
    const std::string* type = stringMember(item, "type");
    if (!type) return invalidArgument(at + ".type must be a string");
    Result<json> part = Status::ok();
    if (*type == "text" || *type == "refusal") {
      const std::string* text = stringMember(item, type->c_str());
      if (!text) return invalidArgument(at + "." + *type + " must be a string");
      if (!text->empty()) parts.push_back({{"text", *text}});
      continue;
    }
    if (!allow_media) {
      return invalidArgument(at + ": only text parts are allowed in this message, not " + *type);
    }
    if (*type == "image_url") {
      part = imagePart(item, at);
    } else if (*type == "input_audio") {
      part = audioPart(item, at);
    } else if (*type == "file") {
      part = filePart(item, at);
    } else {
      return invalidArgument(at + ": content part type '" + *type +
                             "' is not supported (use text, image_url, input_audio or file)");
    }
    if (!part) return part.status();
    parts.push_back(std::move(part.value()));
  }
  return Status::ok();
}

// Concatenated text of a tool message's content.
Result<std::string> toolText(const json& content, const std::string& where) {
  if (content.is_null()) return std::string();
  if (content.is_string()) return content.get<std::string>();
  json parts = json::array();
  if (Status s = appendContent(content, where, false, parts); !s) return s;
  std::string text;
  for (const json& p : parts) text += p["text"].get_ref<const std::string&>();
  return text;
}

class ContentsBuilder {
 public:
  Status add(const json& msg, size_t i);
  json takeContents() { return std::move(contents_); }
  json takeSystemParts() { return std::move(system_parts_); }

 private:
  Status addAssistant(const json& msg, const std::string& where);
  Status addTool(const json& msg, const std::string& where);
  // Appends to the last content when it has the same role: Gemini wants turns to alternate.
  void push(const char* role, json parts);

  json contents_ = json::array();
  json system_parts_ = json::array();
  std::unordered_map<std::string, std::string> call_names_;  // latest assistant tool calls
};

void ContentsBuilder::push(const char* role, json parts) {
  if (parts.empty()) return;
  if (!contents_.empty() && contents_.back()["role"] == role) {
    json& dest = contents_.back()["parts"];
    for (json& p : parts) dest.push_back(std::move(p));
    return;
  }
  contents_.push_back({{"role", role}, {"parts", std::move(parts)}});
}

Status ContentsBuilder::add(const json& msg, size_t i) {
  std::string where = msgWhere(i);
  if (!msg.is_object()) return invalidArgument(where + " must be an object");
  const std::string* role = stringMember(msg, "role");
  if (!role) return invalidArgument(where + ".role must be a string");
  const json* content = member(msg, "content");
  static const json kNull;
  if (*role == "system" || *role == "developer") {
    // Gemini has one system instruction; every system message (wherever it is) goes there.
    return appendContent(content ? *content : kNull, where, false, system_parts_);
  }
  if (*role == "user") {
    json parts = json::array();
    if (Status s = appendContent(content ? *content : kNull, where, true, parts); !s) return s;
    if (parts.empty()) return invalidArgument(where + " (user) has no content");
    push("user", std::move(parts));
    return Status::ok();
  }
  if (*role == "assistant") return addAssistant(msg, where);
  if (*role == "tool") return addTool(msg, where);
  return invalidArgument(where + ".role '" + *role +
                         "' is not supported (use system, developer, user, assistant or tool)");
}

Status ContentsBuilder::addAssistant(const json& msg, const std::string& where) {
  json parts = json::array();
  const json* content = member(msg, "content");
  if (content) {
    if (Status s = appendContent(*content, where, false, parts); !s) return s;
  }
  const std::string* signature = stringMember(msg, "reasoning_signature");
  const json* calls = member(msg, "tool_calls");
  if (calls && !calls->is_array()) return invalidArgument(where + ".tool_calls must be an array");
  if (calls && !calls->empty()) call_names_.clear();
  bool first_call = true;
  for (size_t j = 0; calls && j < calls->size(); ++j) {
    const json& call = (*calls)[j];
    std::string at = where + ".tool_calls[" + std::to_string(j) + "]";
    const json* fn = member(call, "function");
    const std::string* name = fn ? stringMember(*fn, "name") : nullptr;
    if (!name) return invalidArgument(at + ".function.name must be a string");
    const std::string* arguments = stringMember(*fn, "arguments");
    json args = json::object();
    if (arguments && !arguments->empty()) {
      auto parsed = parseJson(*arguments);
      if (parsed.overLimit()) {
        return invalidArgument(at + ".function.arguments " + parsed.describe());
      }
      args = std::move(parsed.value);
      if (args.is_discarded() || !args.is_object()) {
        return invalidArgument(at +
                               ".function.arguments must be a JSON object encoded as a string");
      }
    }
    json part = {{"functionCall", {{"name", *name}, {"args", std::move(args)}}}};
    const json* extra = member(call, "extra_content");
    const json* google = extra ? member(*extra, "google") : nullptr;
    const std::string* call_sig = google ? stringMember(*google, "thought_signature") : nullptr;
    if (!call_sig && first_call) call_sig = signature;  // Gemini wants it on the first call
    if (call_sig) part["thoughtSignature"] = *call_sig;
    parts.push_back(std::move(part));
    if (const std::string* id = stringMember(call, "id")) call_names_[*id] = *name;
    first_call = false;
  }
  if (signature && first_call) {
    // No function calls: the signature belongs with the text (an empty part if there is none).
    if (parts.empty()) parts.push_back({{"text", ""}});
    parts.back()["thoughtSignature"] = *signature;
  }
  push("model", std::move(parts));
  return Status::ok();
}

Status ContentsBuilder::addTool(const json& msg, const std::string& where) {
  const std::string* id = stringMember(msg, "tool_call_id");
  if (!id) return invalidArgument(where + ".tool_call_id must be a string");
  auto it = call_names_.find(*id);
  const std::string* name = it != call_names_.end() ? &it->second : stringMember(msg, "name");
  if (!name) {
    return invalidArgument(where + ".tool_call_id '" + *id +
                           "' matches no tool call of the preceding assistant message");
  }
  const json* content = member(msg, "content");
  auto text = toolText(content ? *content : json(), where);
  if (!text) return text.status();
  auto parsed = parseJson(*text);
  if (parsed.overLimit()) return invalidArgument(where + ".content " + parsed.describe());
  json response = std::move(parsed.value);
  if (response.is_discarded() || !response.is_object()) response = {{"content", *text}};
  push("user",
       json::array({{{"functionResponse", {{"name", *name}, {"response", std::move(response)}}}}}));
  return Status::ok();
}

Result<json> buildTools(const json& tools) {
  if (!tools.is_array()) return invalidArgument("tools must be an array");
  json decls = json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    std::string at = "tools[" + std::to_string(i) + "]";
    const std::string* type = stringMember(tools[i], "type");
    if (type && *type != "function") {
      return invalidArgument(at + ".type '" + *type + "' is not supported; only function tools");
    }
    const json* fn = member(tools[i], "function");
    const std::string* name = fn ? stringMember(*fn, "name") : nullptr;
    if (!name) return invalidArgument(at + ".function.name must be a string");
    json decl = {{"name", *name}};
    if (const std::string* d = stringMember(*fn, "description")) decl["description"] = *d;
    if (const json* params = member(*fn, "parameters")) {
      if (!params->is_object())
        return invalidArgument(at + ".function.parameters must be an object");
      json schema = sanitizeSchema(*params);
      // Gemini rejects an OBJECT schema without properties; a function without parameters is
      // declared by leaving them out.
      auto props = schema.find("properties");
      if (props != schema.end() && props->is_object() && !props->empty()) {
        decl["parameters"] = std::move(schema);
      }
    }
    decls.push_back(std::move(decl));
  }
  return json::array({{{"functionDeclarations", std::move(decls)}}});
}

Result<json> buildToolConfig(const json& choice) {
  json config;
  if (choice.is_string()) {
    const auto& s = choice.get_ref<const std::string&>();
    if (s == "auto") {
      config["mode"] = "AUTO";
    } else if (s == "none") {
      config["mode"] = "NONE";
    } else if (s == "required") {
      config["mode"] = "ANY";
    } else {
      return invalidArgument("tool_choice must be auto, none, required or a function object");
    }
  } else {
    const json* fn = member(choice, "function");
    const std::string* name = fn ? stringMember(*fn, "name") : nullptr;
    if (!name) return invalidArgument("tool_choice.function.name must be a string");
    config["mode"] = "ANY";
    config["allowedFunctionNames"] = json::array({*name});
  }
  return json{{"functionCallingConfig", std::move(config)}};
}

Status setNumber(const json& req, const char* from, json& config, const char* to, bool integer) {
  const json* v = member(req, from);
  if (!v) return Status::ok();
  if (integer ? !v->is_number_integer() : !v->is_number()) {
    return invalidArgument(std::string(from) +
                           (integer ? " must be an integer" : " must be a number"));
  }
  config[to] = *v;
  return Status::ok();
}

Status setResponseFormat(const json& format, json& config) {
  const std::string* type = stringMember(format, "type");
  if (!type) return invalidArgument("response_format.type must be a string");
  if (*type == "text") return Status::ok();
  if (*type == "json_object") {
    config["responseMimeType"] = "application/json";
    return Status::ok();
  }
  if (*type != "json_schema") {
    return invalidArgument("response_format.type must be text, json_object or json_schema");
  }
  const json* spec = member(format, "json_schema");
  const json* schema = spec ? member(*spec, "schema") : nullptr;
  if (!schema || !schema->is_object()) {
    return invalidArgument("response_format.json_schema.schema must be an object");
  }
  // responseJsonSchema takes JSON Schema as is; only the meta-schema URI is refused.
  json copy = *schema;
  copy.erase("$schema");
  config["responseMimeType"] = "application/json";
  config["responseJsonSchema"] = std::move(copy);
  return Status::ok();
}

Status setThinking(const std::string& effort, json& config) {
  int64_t budget;
  if (effort == "none") {
    budget = 0;
  } else if (effort == "minimal") {
    budget = kBudgetMinimal;
  } else if (effort == "low") {
    budget = kBudgetLow;
  } else if (effort == "medium") {
    budget = kBudgetMedium;
  } else if (effort == "high") {
    budget = kBudgetHigh;
  } else {
    return invalidArgument("reasoning_effort must be none, minimal, low, medium or high");
  }
  config["thinkingConfig"] = {{"thinkingBudget", budget}, {"includeThoughts", budget > 0}};
  return Status::ok();
}

Result<json> buildGenerationConfig(const json& req) {
  json config = json::object();
  for (Status s : {setNumber(req, "temperature", config, "temperature", false),
                   setNumber(req, "top_p", config, "topP", false),
                   setNumber(req, "max_tokens", config, "maxOutputTokens", true),
                   setNumber(req, "max_completion_tokens", config, "maxOutputTokens", true),
                   setNumber(req, "seed", config, "seed", true),
                   setNumber(req, "n", config, "candidateCount", true),
                   setNumber(req, "presence_penalty", config, "presencePenalty", false),
                   setNumber(req, "frequency_penalty", config, "frequencyPenalty", false)}) {
    if (!s) return s;
  }
  if (const json* stop = member(req, "stop")) {
    json seqs = stop->is_string() ? json::array({*stop}) : *stop;
    if (!seqs.is_array() ||
        !std::all_of(seqs.begin(), seqs.end(), [](const json& s) { return s.is_string(); })) {
      return invalidArgument("stop must be a string or an array of strings");
    }
    if (!seqs.empty()) config["stopSequences"] = std::move(seqs);
  }
  if (const json* format = member(req, "response_format")) {
    if (Status s = setResponseFormat(*format, config); !s) return s;
  }
  if (const json* effort = member(req, "reasoning_effort")) {
    if (!effort->is_string()) return invalidArgument("reasoning_effort must be a string");
    if (Status s = setThinking(effort->get<std::string>(), config); !s) return s;
  }
  if (const json* lp = member(req, "logprobs"); lp && lp->is_boolean() && lp->get<bool>()) {
    return invalidArgument("logprobs is not supported by the Gemini adapter; remove it");
  }
  return config;
}

Result<std::string> modelPath(const json& req, bool stream) {
  const std::string* model = stringMember(req, "model");
  if (!model || model->empty()) return invalidArgument("model must be a non-empty string");
  std::string_view name = *model;
  if (name.rfind("models/", 0) == 0) name.remove_prefix(7);
  bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
  if (!ok) return invalidArgument("model '" + *model + "' is not a valid Gemini model name");
  return "/models/" + std::string(name) +
         (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
}

}  // namespace

json sanitizeSchema(const json& schema) {
  static const char* const kKept[] = {
      "type",      "format",    "title",    "description",     "nullable",
      "enum",      "minItems",  "maxItems", "minProperties",   "maxProperties",
      "minLength", "maxLength", "pattern",  "minimum",         "maximum",
      "required",  "default",   "example",  "propertyOrdering"};
  if (!schema.is_object()) return schema;
  json out = json::object();
  for (const char* key : kKept) {
    if (auto it = schema.find(key); it != schema.end()) out[key] = *it;
  }
  if (auto t = out.find("type"); t != out.end() && t->is_array()) {
    // JSON Schema's ["string", "null"] is Gemini's type + nullable.
    json types = *t;
    out.erase("type");
    for (const json& ty : types) {
      if (ty == "null") {
        out["nullable"] = true;
      } else if (ty.is_string() && !out.contains("type")) {
        out["type"] = ty;
      }
    }
  }
  if (auto c = schema.find("const"); c != schema.end() && c->is_string() && !out.contains("enum")) {
    out["enum"] = json::array({*c});
  }
  if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) {
    json props = json::object();
    for (auto it = p->begin(); it != p->end(); ++it) props[it.key()] = sanitizeSchema(it.value());
    out["properties"] = std::move(props);
  }
  if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
    out["items"] = sanitizeSchema(*items);
  }
  for (const char* key : {"anyOf", "oneOf"}) {  // oneOf is approximated by anyOf
    auto any = schema.find(key);
    if (any == schema.end() || !any->is_array() || out.contains("anyOf")) continue;
    json alts = json::array();
    for (const json& alt : *any) alts.push_back(sanitizeSchema(alt));
    out["anyOf"] = std::move(alts);
  }
  return out;
}

Result<NativeRequest> buildRequest(const json& req, bool stream) {
  auto path = modelPath(req, stream);
  if (!path) return path.status();
  const json* messages = member(req, "messages");
  if (!messages || !messages->is_array() || messages->empty()) {
    return invalidArgument("messages must be a non-empty array");
  }
  ContentsBuilder builder;
  for (size_t i = 0; i < messages->size(); ++i) {
    if (Status s = builder.add((*messages)[i], i); !s) return s;
  }
  json body = json::object();
  body["contents"] = builder.takeContents();
  if (body["contents"].empty()) {
    return invalidArgument("messages must contain at least one user or assistant message");
  }
  if (json sys = builder.takeSystemParts(); !sys.empty()) {
    body["systemInstruction"] = {{"parts", std::move(sys)}};
  }
  auto config = buildGenerationConfig(req);
  if (!config) return config.status();
  if (!config->empty()) body["generationConfig"] = std::move(config.value());
  if (const json* tools = member(req, "tools")) {
    auto built = buildTools(*tools);
    if (!built) return built.status();
    if (!(*built)[0]["functionDeclarations"].empty()) body["tools"] = std::move(built.value());
  }
  // Without tools there is nothing to configure (and Gemini refuses a config without tools).
  if (const json* choice = member(req, "tool_choice"); choice && body.contains("tools")) {
    auto built = buildToolConfig(*choice);
    if (!built) return built.status();
    body["toolConfig"] = std::move(built.value());
  }
  NativeRequest out;
  out.path = std::move(path.value());
  out.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

}  // namespace igw::gemini
