#include "mcp/jsonrpc_codec.h"

#include "core/json_fields.h"
#include "core/json_parse.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace igw::mcp {

using nlohmann::json;

namespace {

// dump() throws on invalid UTF-8 by default; replacing keeps the data path exception-free.
std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool validId(const json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

std::string typeName(const json& j) {
  return j.type_name();
}

// "[image image/png, 1234 bytes base64]": what the model learns about a binary part.
std::string describeBinary(std::string_view kind, const json& part, const char* data_key) {
  std::string out = "[";
  out += kind;
  std::string mime = jsonf::str(part, "mimeType");
  if (!mime.empty()) out += " " + mime;
  const json* data = jsonf::field(part, data_key);
  size_t n = data && data->is_string() ? data->get_ref<const std::string&>().size() : 0;
  out += ", " + std::to_string(n) + " bytes base64]";
  return out;
}

std::string renderPart(const json& part, bool& is_text) {
  is_text = false;
  if (!part.is_object()) return "[unreadable content part: " + typeName(part) + "]";
  std::string type = jsonf::str(part, "type");
  if (type == "text") {
    is_text = true;
    return jsonf::str(part, "text");
  }
  if (type == "image" || type == "audio") return describeBinary(type, part, "data");
  if (type == "resource") {
    const json* res = jsonf::field(part, "resource");
    if (!res || !res->is_object()) return "[resource]";
    std::string head = "[resource " + jsonf::str(*res, "uri");
    std::string mime = jsonf::str(*res, "mimeType");
    if (const json* text = jsonf::field(*res, "text"); text && text->is_string()) {
      // Embedded text is content the model can use: keep it, under a header naming the source.
      if (!mime.empty()) head += " (" + mime + ")";
      return head + "]\n" + text->get<std::string>();
    }
    return describeBinary("resource " + jsonf::str(*res, "uri"), *res, "blob");
  }
  if (type == "resource_link") {
    json link = {{"type", "resource_link"}};
    for (const char* key : {"uri", "name", "title", "description", "mimeType", "size"}) {
      if (const json* v = jsonf::field(part, key)) link[key] = *v;
    }
    return dumpJson(link);
  }
  return "[" + (type.empty() ? std::string("untyped") : type) + " content]";
}

}  // namespace

std::string errorSnippet(std::string_view body, size_t max_bytes) {
  // Valid UTF-8 only (the text ends up in JSON): whole characters, never past max_bytes;
  // control characters become spaces, invalid bytes or sequences '?'.
  std::string out;
  out.reserve(std::min(body.size(), max_bytes));
  size_t i = 0;
  while (i < body.size()) {
    const auto b = static_cast<unsigned char>(body[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      cp = b & 0x07;
    }
    bool valid = len > 0 && i + len <= body.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto c = static_cast<unsigned char>(body[i + k]);
      if ((c & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid too.
    if (valid && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                  (cp >= 0xD800 && cp <= 0xDFFF))) {
      valid = false;
    }
    if (!valid) len = 1;
    if (out.size() + len > max_bytes) break;
    if (!valid) {
      out += '?';
    } else if (len == 1) {
      out += b < 0x20 || b == 0x7F ? ' ' : static_cast<char>(b);
    } else {
      out.append(body.substr(i, len));
    }
    i += len;
  }
  return out;
}

bool supportedProtocolVersion(std::string_view version) {
  static constexpr std::array<std::string_view, 4> kVersions = {"2025-11-25", "2025-06-18",
                                                                "2025-03-26", "2024-11-05"};
  for (auto v : kVersions) {
    if (v == version) return true;
  }
  return false;
}

std::string buildRequest(int64_t id, std::string_view method, const json& params) {
  json msg = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) msg["params"] = params;
  return dumpJson(msg);
}

std::string buildNotification(std::string_view method, const json& params) {
  json msg = {{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.is_null()) msg["params"] = params;
  return dumpJson(msg);
}

std::string buildResult(const json& id, const json& result) {
  return dumpJson(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
}

std::string buildError(const json& id, int code, std::string_view message) {
  return dumpJson(
      json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

json initializeParams(std::string_view client_version) {
  return {{"protocolVersion", kProtocolVersion},
          {"capabilities", json::object()},
          {"clientInfo", {{"name", "inference-gateway"}, {"version", client_version}}}};
}

std::optional<int64_t> Message::intId() const {
  if (id.is_number_integer()) return id.get<int64_t>();
  if (id.is_number_unsigned()) {
    auto u = id.get<uint64_t>();
    if (u <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(u);
    return std::nullopt;
  }
  if (id.is_string()) {
    const auto& s = id.get_ref<const std::string&>();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return v;
  }
  return std::nullopt;
}

Result<Message> parseMessage(const json& value) {
  if (!value.is_object()) {
    return invalidArgument("JSON-RPC message is not an object but " + typeName(value));
  }
  const json* version = jsonf::field(value, "jsonrpc");
  if (!version || !version->is_string() || version->get_ref<const std::string&>() != "2.0") {
    return invalidArgument("JSON-RPC message without \"jsonrpc\": \"2.0\"");
  }
  Message msg;
  const json* id = jsonf::field(value, "id");
  if (const json* method = jsonf::field(value, "method")) {
    if (!method->is_string()) return invalidArgument("JSON-RPC method is not a string");
    msg.method = method->get<std::string>();
    if (const json* params = jsonf::field(value, "params")) {
      if (!params->is_object() && !params->is_array() && !params->is_null()) {
        return invalidArgument("JSON-RPC params of '" + msg.method + "' is " + typeName(*params));
      }
      msg.params = *params;
    }
    if (id) {
      if (!validId(*id)) return invalidArgument("JSON-RPC request id is " + typeName(*id));
      msg.kind = MessageKind::kRequest;
      msg.id = *id;
    } else {
      msg.kind = MessageKind::kNotification;
    }
    return msg;
  }
  if (!id) return invalidArgument("JSON-RPC message has neither method nor id");
  const json* result = jsonf::field(value, "result");
  const json* error = jsonf::field(value, "error");
  if (result && error) return invalidArgument("JSON-RPC response has both result and error");
  if (!result && !error) return invalidArgument("JSON-RPC response has neither result nor error");
  if (result) {
    if (!validId(*id)) return invalidArgument("JSON-RPC response id is " + typeName(*id));
    msg.kind = MessageKind::kResult;
    msg.id = *id;
    msg.result = *result;
    return msg;
  }
  // An error may carry a null id (the server could not read the request's).
  if (!validId(*id) && !id->is_null()) {
    return invalidArgument("JSON-RPC error id is " + typeName(*id));
  }
  if (!error->is_object()) return invalidArgument("JSON-RPC error is not an object");
  const json* code = jsonf::field(*error, "code");
  if (!code || !code->is_number_integer()) {
    return invalidArgument("JSON-RPC error without an integer code");
  }
  msg.kind = MessageKind::kError;
  msg.id = *id;
  msg.error_code = code->get<int64_t>();
  msg.error_message = jsonf::str(*error, "message");
  if (msg.error_message.empty()) msg.error_message = "(no message)";
  return msg;
}

namespace {

size_t skipWs(std::string_view t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
  return i;
}

// Past the string literal starting at t[i] (the quote); npos when unterminated.
size_t skipString(std::string_view t, size_t i) {
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Past the value starting at t[i], nesting skipped by counting brackets (no recursion, no DOM).
size_t skipValue(std::string_view t, size_t i) {
  size_t depth = 0;
  while (i < t.size()) {
    char c = t[i];
    if (c == '"') {
      i = skipString(t, i);
      if (i == std::string_view::npos) return i;
      if (depth == 0) return i;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
      return i;
    }
    ++i;
  }
  return depth == 0 ? i : std::string_view::npos;
}

// The "id" of a message too deep or too large to parse, read from the top level only, so the
// request waiting for it ends with an error now instead of at its timeout.
json shallowId(std::string_view t) {
  size_t i = skipWs(t, 0);
  if (i >= t.size() || t[i] != '{') return nullptr;
  i = skipWs(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    size_t key_end = skipString(t, i);
    if (key_end == std::string_view::npos) return nullptr;
    std::string_view key = t.substr(i + 1, key_end - i - 2);
    i = skipWs(t, key_end);
    if (i >= t.size() || t[i] != ':') return nullptr;
    i = skipWs(t, i + 1);
    size_t end = skipValue(t, i);
    if (end == std::string_view::npos) return nullptr;
    if (key == "id") {
      json id = parseJsonOrDiscarded(t.substr(i, end - i));  // a scalar: nothing deep
      return id.is_string() || id.is_number_integer() ? id : json(nullptr);
    }
    i = skipWs(t, end);
    if (i >= t.size() || t[i] != ',') return nullptr;
    i = skipWs(t, i + 1);
  }
  return nullptr;
}

}  // namespace

Result<std::vector<Message>> parseMessages(std::string_view text) {
  auto parsed = parseJson(text);
  if (parsed.overLimit()) {
    // The answer is unusable, but whoever waits for it should hear so at once.
    json id = shallowId(text);
    if (id.is_null()) return invalidArgument("JSON-RPC message " + parsed.describe());
    Message m;
    m.kind = MessageKind::kError;
    m.id = std::move(id);
    m.error_code = -32603;  // internal error
    m.error_message = "the server's answer " + parsed.describe();
    return std::vector<Message>{std::move(m)};
  }
  json& doc = parsed.value;
  if (doc.is_discarded()) return invalidArgument("JSON-RPC message is not valid JSON");
  std::vector<Message> out;
  if (doc.is_array()) {
    if (doc.empty()) return invalidArgument("empty JSON-RPC batch");
    out.reserve(doc.size());
    for (const auto& item : doc) {
      auto msg = parseMessage(item);
      if (!msg) return msg.status();
      out.push_back(std::move(msg.value()));
    }
    return out;
  }
  auto msg = parseMessage(doc);
  if (!msg) return msg.status();
  out.push_back(std::move(msg.value()));
  return out;
}

Result<InitializeResult> parseInitializeResult(const json& result) {
  if (!result.is_object()) return invalidArgument("initialize result is not an object");
  InitializeResult out;
  out.protocol_version = jsonf::str(result, "protocolVersion");
  if (out.protocol_version.empty()) {
    return invalidArgument("initialize result has no protocolVersion");
  }
  if (!supportedProtocolVersion(out.protocol_version)) {
    return invalidArgument("server speaks MCP " + out.protocol_version +
                           "; supported: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05");
  }
  if (const json* info = jsonf::field(result, "serverInfo"); info && info->is_object()) {
    out.server_name = jsonf::str(*info, "name");
    out.server_version = jsonf::str(*info, "version");
  }
  if (const json* caps = jsonf::field(result, "capabilities"); caps && caps->is_object()) {
    out.has_tools = caps->contains("tools");
  }
  return out;
}

Result<ToolsPage> parseToolsListResult(const json& result) {
  if (!result.is_object()) return invalidArgument("tools/list result is not an object");
  const json* tools = jsonf::field(result, "tools");
  if (!tools || !tools->is_array()) return invalidArgument("tools/list result has no tools array");
  ToolsPage page;
  page.tools.reserve(tools->size());
  for (const auto& t : *tools) {
    if (!t.is_object()) continue;
    RemoteTool tool;
    tool.name = jsonf::str(t, "name");
    if (tool.name.empty()) continue;
    tool.description = jsonf::str(t, "description");
    const json* schema = jsonf::field(t, "inputSchema");
    if (schema && schema->is_object()) {
      tool.input_schema = dumpJson(*schema);
    } else {
      tool.input_schema = R"({"type":"object","properties":{}})";
    }
    page.tools.push_back(std::move(tool));
  }
  page.next_cursor = jsonf::str(result, "nextCursor");
  return page;
}

CallText renderCallResult(const json& result) {
  CallText out;
  if (!result.is_object()) {
    out.is_error = true;
    out.error_type = "protocol_error";
    out.content = "MCP server sent a tools/call result that is not an object";
    return out;
  }
  bool any_text = false;
  if (const json* content = jsonf::field(result, "content"); content && content->is_array()) {
    for (const auto& part : *content) {
      bool is_text = false;
      std::string piece = renderPart(part, is_text);
      any_text = any_text || is_text;
      if (!out.content.empty()) out.content += '\n';
      out.content += piece;
    }
  }
  if (!any_text) {
    if (const json* structured = jsonf::field(result, "structuredContent");
        structured && !structured->is_null()) {
      if (!out.content.empty()) out.content += '\n';
      out.content += dumpJson(*structured);
    }
  }
  if (const json* err = jsonf::field(result, "isError");
      err && err->is_boolean() && err->get<bool>()) {
    out.is_error = true;
    out.error_type = "tool_error";
    if (out.content.empty()) out.content = "the tool reported an error";
  }
  return out;
}

CallText renderRpcError(int64_t code, std::string_view message) {
  CallText out;
  out.is_error = true;
  out.error_type = code == kInvalidParams ? "invalid_arguments" : "tool_error";
  out.content = "MCP error " + std::to_string(code) + ": " + std::string(message);
  return out;
}

}  // namespace igw::mcp
