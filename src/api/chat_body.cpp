#include "api/chat_body.h"

#include <unordered_set>

#include "core/json_text.h"
#include "core/utf8.h"
#include "http/json_scan.h"

namespace igw {

namespace {

// JSON parsers disagree on which of two equal keys wins (the scanner and nlohmann take the last,
// others the first): a body routed and allow-listed by one "model" must not be forwarded with the
// other. Every repeated key is refused, not only the ones read today.
Status refuseDuplicates(const std::vector<JsonMember>& members, std::string_view where) {
  auto duplicate = [&](const std::string& key) {
    return invalidArgument("duplicate key '" + key + "' in " + std::string(where) +
                           ": send each field once");
  };
  if (members.size() < 2) return Status::ok();
  // A chat body has a dozen members or so: comparing pairs costs less than building a set.
  if (members.size() <= 24) {
    for (size_t i = 1; i < members.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (members[i].key == members[j].key) return duplicate(members[i].key);
      }
    }
    return Status::ok();
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(members.size());
  for (const auto& m : members) {
    if (!seen.insert(m.key).second) return duplicate(m.key);
  }
  return Status::ok();
}

}  // namespace

Result<ChatBodyInfo> inspectChatBody(std::string_view body) {
  size_t values = 0;
  auto members = scanObjectMembers(body, &values);
  if (!members) return members.status();
  if (Status s = refuseDuplicates(*members, "the request body"); !s) return s;
  ChatBodyInfo info;
  info.json_values = values;
  bool have_model = false;
  for (const auto& m : *members) {
    if (m.key == "model") {
      if (m.type != JsonType::kString) return invalidArgument("'model' must be a string");
      std::string_view raw = body.substr(m.value_begin + 1, m.value_end - m.value_begin - 2);
      auto decoded = decodeJsonString(raw);
      if (!decoded) return invalidArgument("'model' is not a valid JSON string");
      // The model is written into the upstream body again (and into logs and metrics): refuse
      // what could not be written back as the client sent it.
      if (!isValidUtf8(*decoded)) return invalidArgument("'model' is not valid UTF-8");
      info.model = std::move(decoded.value());
      info.model_begin = m.value_begin;
      info.model_end = m.value_end;
      have_model = true;
    } else if (m.key == "stream") {
      if (m.type == JsonType::kTrue) {
        info.stream = true;
      } else if (m.type == JsonType::kFalse || m.type == JsonType::kNull) {
        info.stream = false;
      } else {
        return invalidArgument("'stream' must be a boolean");
      }
    } else if (m.key == "messages") {
      info.messages = m.elements;
    } else if (m.key == "input") {
      info.input_items = m.elements;
    } else if (m.key == "stream_options") {
      info.has_stream_options = true;
      info.stream_options_begin = m.value_begin;
      info.stream_options_is_object = m.type == JsonType::kObject;
      if (info.stream_options_is_object) {
        auto inner = scanObjectMembers(body.substr(m.value_begin, m.value_end - m.value_begin));
        if (!inner) return inner.status();
        if (Status s = refuseDuplicates(*inner, "stream_options"); !s) return s;
        for (const auto& im : *inner) {
          if (im.key == "include_usage") info.include_usage_set = true;
        }
      }
    }
  }
  if (!have_model || info.model.empty()) {
    return invalidArgument("missing required field 'model' (e.g. \"model\": \"openai/gpt-4o\")");
  }
  return info;
}

Status checkTranslationLimits(const ChatBodyInfo& info, size_t max_messages, size_t max_values) {
  if (info.messages > max_messages) {
    return invalidArgument("the request has " + std::to_string(info.messages) +
                           " messages; this gateway translates at most " +
                           std::to_string(max_messages) + " (CHAT_MAX_MESSAGES)");
  }
  if (info.json_values > max_values) {
    return invalidArgument("the request body holds " + std::to_string(info.json_values) +
                           " JSON values; this gateway translates at most " +
                           std::to_string(max_values) + " (CHAT_MAX_JSON_VALUES)");
  }
  return Status::ok();
}

std::string rewriteChatBody(std::string_view body, const ChatBodyInfo& info,
                            std::string_view upstream_model, bool request_usage) {
  std::string out;
  out.reserve(body.size() + upstream_model.size() + 48);
  bool inject_top = request_usage && !info.has_stream_options;
  bool inject_inner = request_usage && info.has_stream_options && info.stream_options_is_object &&
                      !info.include_usage_set;

  size_t pos = 0;
  auto copy_to = [&](size_t end) {
    out.append(body.data() + pos, end - pos);
    pos = end;
  };
  if (inject_top) {
    // Right after the opening brace: the object is non-empty because it has "model".
    size_t brace = body.find('{');
    copy_to(brace + 1);
    out += "\"stream_options\":{\"include_usage\":true},";
  }
  // Edits are applied in offset order.
  size_t model_at = info.model_begin;
  size_t so_at = inject_inner ? info.stream_options_begin : std::string_view::npos;
  auto splice_model = [&] {
    copy_to(model_at);
    appendJsonString(out, upstream_model);
    pos = info.model_end;
  };
  auto splice_so = [&] {
    copy_to(so_at + 1);  // after '{'
    // An empty object needs no trailing comma.
    size_t next = body.find_first_not_of(" \t\r\n", so_at + 1);
    out += next != std::string_view::npos && body[next] == '}' ? "\"include_usage\":true"
                                                               : "\"include_usage\":true,";
  };
  if (so_at != std::string_view::npos && so_at < model_at) {
    splice_so();
    splice_model();
  } else {
    splice_model();
    if (so_at != std::string_view::npos) splice_so();
  }
  copy_to(body.size());
  return out;
}

}  // namespace igw
