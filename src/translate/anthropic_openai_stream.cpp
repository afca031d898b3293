// OpenAI chat.completion.chunk stream -> Anthropic Messages SSE events (MessagesStreamWriter).
//
// Anthropic streams a message as numbered content blocks (start, deltas, stop), one open at a
// time, indexes from 0. OpenAI streams flat deltas, so the writer keeps one block open and
// switches when the kind of delta changes: reasoning -> thinking block, content -> text block,
// each new tool call index -> tool_use block. A tool block opens once its name is known (some
// servers send the name after the id); arguments that arrive earlier are held until then.
//
// Limits (documented, not errors): only choice 0 is read (Anthropic has one); tool arguments
// for a tool call whose block was already closed (a server interleaving calls) are dropped,
// because Anthropic blocks cannot be reopened.
//
// Events are written by hand into `out` (no DOM on the way out). The plain text chunk, nearly
// every chunk of an answer, is recognised by the validating scanner (http/json_scan.h) without a
// DOM (~0.8 us instead of ~5.5 us per chunk); anything else is parsed once with nlohmann.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "core/json_parse.h"
#include "core/json_text.h"
#include "http/json_scan.h"
#include "translate/anthropic_openai.h"

namespace igw {

namespace {

using json = nlohmann::json;

Code codeFor(std::string_view type) {
  if (type == "invalid_request_error") return Code::kInvalidArgument;
  if (type == "authentication_error") return Code::kUnauthenticated;
  if (type == "permission_error") return Code::kPermissionDenied;
  if (type == "not_found_error") return Code::kNotFound;
  if (type == "request_too_large") return Code::kPayloadTooLarge;
  if (type == "rate_limit_error") return Code::kRateLimited;
  if (type == "overloaded_error") return Code::kServiceUnavailable;
  return Code::kUnavailable;
}

void endEvent(std::string& out) {
  out += "\n\n";
}

// content_block_delta with a delta of {"type":<type>,<field>:<value>}.
void appendDelta(std::string& out, int index, std::string_view type, std::string_view field,
                 std::string_view value) {
  out += "event: content_block_delta\ndata: ";
  out += R"({"type":"content_block_delta","index":)";
  out += std::to_string(index);
  out += R"(,"delta":{"type":")";
  out += type;
  out += R"(",")";
  out += field;
  out += R"(":)";
  appendJsonString(out, value);
  out += "}}";
  endEvent(out);
}

bool validUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (b1 < lo || b1 > hi) return false;
    for (size_t k = 2; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    i += n;
  }
  return true;
}

// The decoded, valid-UTF-8 contents of a string member's span; false otherwise.
bool decodedString(std::string_view text, const JsonMember& m, std::string& into) {
  if (m.type != JsonType::kString) return false;
  auto d = decodeJsonString(text.substr(m.value_begin + 1, m.value_end - m.value_begin - 2));
  // U+FFFD may stand for a lone surrogate escape, which the general path rejects: let it decide.
  if (!d || !validUtf8(*d) || d->find("\xEF\xBF\xBD") != std::string::npos) return false;
  into = std::move(d.value());
  return true;
}

std::string_view span(std::string_view text, const JsonMember& m) {
  return text.substr(m.value_begin, m.value_end - m.value_begin);
}

// The fast path for the chunk nearly every token arrives in: one choice (index 0), a delta of
// only role/content (refusal null), no finish_reason, no usage. Validates without building a
// DOM; any other shape returns false and takes the general path, so results never differ.
bool plainTextChunk(std::string_view data, std::string& id, std::string& text) {
  auto top = scanObjectMembers(data);
  if (!top) return false;
  std::string_view choices;
  for (const auto& m : *top) {
    if (m.key == "choices" && m.type == JsonType::kArray) {
      choices = span(data, m);
    } else if (m.key == "id") {
      if (!decodedString(data, m, id)) return false;
    } else if (m.key == "usage" || m.key == "error") {
      if (m.type != JsonType::kNull) return false;
    } else if (m.key != "object" && m.key != "created" && m.key != "model" &&
               m.key != "system_fingerprint" && m.key != "service_tier" && m.key != "obfuscation") {
      return false;
    }
  }
  // "[ {...} ]" holding exactly one object: scanObjectMembers rejects "{...},{...}".
  if (choices.size() < 2) return false;
  choices = trimJsonSpace(choices.substr(1, choices.size() - 2));
  auto choice = scanObjectMembers(choices);
  if (!choice) return false;
  std::string_view delta;
  for (const auto& m : *choice) {
    if (m.key == "delta" && m.type == JsonType::kObject) {
      delta = span(choices, m);
    } else if (m.key == "index") {
      if (span(choices, m) != "0") return false;
    } else if (m.key == "finish_reason") {
      if (m.type != JsonType::kNull) return false;
    } else if (m.key != "logprobs") {
      return false;
    }
  }
  auto fields = scanObjectMembers(delta);
  if (!fields) return false;
  text.clear();
  for (const auto& m : *fields) {
    if (m.key == "content") {
      if (m.type != JsonType::kNull && !decodedString(delta, m, text)) return false;
    } else if (m.key == "refusal") {
      if (m.type != JsonType::kNull) return false;
    } else if (m.key != "role") {
      return false;
    }
  }
  return true;
}

}  // namespace

MessagesStreamWriter::MessagesStreamWriter(std::string client_model) {
  // Kept JSON-encoded: written into every message_start, and invalid UTF-8 is replaced once.
  model_ = json(std::move(client_model)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void MessagesStreamWriter::beginEvent(std::string_view name, std::string& out) {
  out += "event: ";
  out += name;
  out += "\ndata: ";
}

Status MessagesStreamWriter::fail(std::string_view type, std::string_view message,
                                  std::string& out) {
  Status status(codeFor(type), std::string(message));
  if (done_) return status;
  done_ = true;
  beginEvent("error", out);
  if (validUtf8(message)) {
    out += messages::errorEnvelope(type, message);
  } else {  // a caller's message: replace invalid bytes so the event stays valid JSON
    std::string quoted = json(message).dump(-1, ' ', false, json::error_handler_t::replace);
    json decoded = parseJsonOrDiscarded(quoted);  // the string literal just made
    out += messages::errorEnvelope(type, decoded.is_string() ? decoded.get<std::string>() : "");
  }
  endEvent(out);
  return status;
}

void MessagesStreamWriter::start(std::string_view openai_id, std::string& out) {
  started_ = true;
  id_ = messages::messageId(openai_id);
  beginEvent("message_start", out);
  out += R"({"type":"message_start","message":{"id":)";
  appendJsonString(out, id_);
  out += R"(,"type":"message","role":"assistant","model":)";
  out += model_;
  out += R"(,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":)";
  out += std::to_string(prompt_tokens_ > 0 ? prompt_tokens_ - cached_tokens_ : 0);
  out += R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":)";
  out += std::to_string(cached_tokens_);
  out += R"(,"output_tokens":0}}})";
  endEvent(out);
}

void MessagesStreamWriter::onUsage(const json& usage) {
  if (!usage.is_object()) return;
  const json& prompt = jsonf::at(usage, "prompt_tokens");
  const json& completion = jsonf::at(usage, "completion_tokens");
  const json& cached = jsonf::at(jsonf::at(usage, "prompt_tokens_details"), "cached_tokens");
  if (prompt.is_number_integer()) prompt_tokens_ = std::max<int64_t>(0, prompt.get<int64_t>());
  if (completion.is_number_integer()) {
    completion_tokens_ = std::max<int64_t>(0, completion.get<int64_t>());
  }
  if (cached.is_number_integer()) cached_tokens_ = std::max<int64_t>(0, cached.get<int64_t>());
  if (prompt_tokens_ >= 0 && cached_tokens_ > prompt_tokens_) cached_tokens_ = prompt_tokens_;
}

void MessagesStreamWriter::closeBlock(std::string& out) {
  if (open_ == Block::kNone) return;
  if (open_ == Block::kTool) {
    ToolCall& call = tools_[open_tool_];
    if (!call.opened) openTool(call, out);  // name never came: open it with what we have
    call.closed = true;
    open_tool_ = -1;
  }
  open_ = Block::kNone;
  beginEvent("content_block_stop", out);
  out += R"({"type":"content_block_stop","index":)";
  out += std::to_string(block_index_);
  out += "}";
  endEvent(out);
}

void MessagesStreamWriter::openBlock(Block kind, std::string& out) {
  closeBlock(out);
  open_ = kind;
  ++block_index_;
  beginEvent("content_block_start", out);
  out += R"({"type":"content_block_start","index":)";
  out += std::to_string(block_index_);
  out += kind == Block::kText
             ? R"(,"content_block":{"type":"text","text":""}})"
             : R"(,"content_block":{"type":"thinking","thinking":"","signature":""}})";
  endEvent(out);
}

void MessagesStreamWriter::text(std::string_view piece, std::string& out) {
  if (open_ != Block::kText) openBlock(Block::kText, out);
  appendDelta(out, block_index_, "text_delta", "text", piece);
}

void MessagesStreamWriter::thinking(std::string_view piece, std::string& out) {
  if (open_ != Block::kThinking) openBlock(Block::kThinking, out);
  appendDelta(out, block_index_, "thinking_delta", "thinking", piece);
}

void MessagesStreamWriter::signature(std::string_view sig, std::string& out) {
  if (open_ != Block::kThinking) openBlock(Block::kThinking, out);
  appendDelta(out, block_index_, "signature_delta", "signature", sig);
}

void MessagesStreamWriter::redacted(std::string_view data, std::string& out) {
  closeBlock(out);
  ++block_index_;
  beginEvent("content_block_start", out);
  out += R"({"type":"content_block_start","index":)";
  out += std::to_string(block_index_);
  out += R"(,"content_block":{"type":"redacted_thinking","data":)";
  appendJsonString(out, data);
  out += "}}";
  endEvent(out);
  beginEvent("content_block_stop", out);
  out += R"({"type":"content_block_stop","index":)";
  out += std::to_string(block_index_);
  out += "}";
  endEvent(out);
}

void MessagesStreamWriter::openTool(ToolCall& call, std::string& out) {
  call.opened = true;
  ++block_index_;
  if (call.id.empty()) {
    call.id = "toolu_" + id_.substr(id_.starts_with("msg_") ? 4 : 0) + "_" +
              std::to_string(call.openai_index);
  }
  beginEvent("content_block_start", out);
  out += R"({"type":"content_block_start","index":)";
  out += std::to_string(block_index_);
  out += R"(,"content_block":{"type":"tool_use","id":)";
  appendJsonString(out, call.id);
  out += R"(,"name":)";
  appendJsonString(out, call.name);
  out += R"(,"input":{}}})";
  endEvent(out);
  if (!call.pending_args.empty()) {
    appendDelta(out, block_index_, "input_json_delta", "partial_json", call.pending_args);
    call.pending_args.clear();
    call.pending_args.shrink_to_fit();
  }
}

void MessagesStreamWriter::toolArgs(ToolCall& call, std::string_view piece, std::string& out) {
  if (piece.empty() || call.closed) return;  // a closed block cannot take more input
  if (call.opened) {
    appendDelta(out, block_index_, "input_json_delta", "partial_json", piece);
  } else {
    call.pending_args += piece;
  }
}

void MessagesStreamWriter::onToolDelta(const json& delta, std::string& out) {
  if (!delta.is_object()) return;
  std::string_view id = jsonf::view(delta, "id");
  const json& fn = jsonf::at(delta, "function");
  std::string_view name = jsonf::view(fn, "name");
  const json& index = jsonf::at(delta, "index");
  int64_t idx;
  if (index.is_number_integer()) {
    idx = index.get<int64_t>();
  } else if (open_tool_ >= 0 && (id.empty() || id == tools_[open_tool_].id)) {
    idx = tools_[open_tool_].openai_index;  // no index: continues the open call
  } else {
    idx = tools_.empty() ? 0 : tools_.back().openai_index + 1;
  }
  ToolCall* call = nullptr;
  for (auto it = tools_.rbegin(); it != tools_.rend(); ++it) {
    if (it->openai_index == idx) {
      call = &*it;
      break;
    }
  }
  // Same index, another id: a server that numbers every call 0; treat it as a new call.
  if (call != nullptr && !id.empty() && !call->id.empty() && id != call->id) call = nullptr;
  if (call == nullptr) {
    closeBlock(out);
    call = &tools_.emplace_back();
    call->openai_index = idx;
    call->id = id;
    call->name = name;
    open_tool_ = static_cast<int>(tools_.size()) - 1;
    open_ = Block::kTool;
    if (!call->name.empty()) openTool(*call, out);
  } else if (!call->opened && !call->closed) {
    if (call->id.empty()) call->id = id;
    if (!name.empty()) {
      call->name = name;
      openTool(*call, out);
    }
  }
  toolArgs(*call, jsonf::view(fn, "arguments"), out);
}

void MessagesStreamWriter::onDelta(const json& delta, std::string& out) {
  if (!delta.is_object()) return;
  std::string_view reasoning = jsonf::view(delta, "reasoning_content");
  if (reasoning.empty()) reasoning = jsonf::view(delta, "reasoning");
  if (!reasoning.empty()) thinking(reasoning, out);
  if (std::string_view sig = jsonf::view(delta, "reasoning_signature"); !sig.empty())
    signature(sig, out);
  if (const json& r = jsonf::at(delta, "reasoning_redacted"); r.is_array()) {
    for (const auto& data : r) {
      if (data.is_string()) redacted(data.get_ref<const std::string&>(), out);
    }
  }
  if (std::string_view content = jsonf::view(delta, "content"); !content.empty())
    text(content, out);
  if (std::string_view refusal = jsonf::view(delta, "refusal"); !refusal.empty())
    text(refusal, out);
  if (const json& calls = jsonf::at(delta, "tool_calls"); calls.is_array()) {
    for (const auto& call : calls) onToolDelta(call, out);
  }
}

void MessagesStreamWriter::finalize(std::string& out) {
  closeBlock(out);
  done_ = true;
  std::string_view stop =
      finish_seen_ ? std::string_view(stop_reason_) : messages::stopReason("", !tools_.empty());
  beginEvent("message_delta", out);
  out += R"({"type":"message_delta","delta":{"stop_reason":")";
  out += stop;
  out += R"(","stop_sequence":null},"usage":{)";
  if (prompt_tokens_ >= 0) {
    out += R"("input_tokens":)";
    out += std::to_string(prompt_tokens_ - cached_tokens_);
    out += R"(,"cache_read_input_tokens":)";
    out += std::to_string(cached_tokens_);
    out += ",";
  }
  out += R"("output_tokens":)";
  out += std::to_string(completion_tokens_ < 0 ? 0 : completion_tokens_);
  out += "}}";
  endEvent(out);
  beginEvent("message_stop", out);
  out += R"({"type":"message_stop"})";
  endEvent(out);
}

Status MessagesStreamWriter::onChunk(std::string_view data, std::string& out) {
  if (done_) return Status::ok();  // nothing after the end counts
  data = trimJsonSpace(data);
  if (data.empty()) return Status::ok();
  if (data == "[DONE]") {
    if (!started_) start("", out);
    finalize(out);
    return Status::ok();
  }
  if (plainTextChunk(data, scratch_id_, scratch_text_)) {
    if (!started_) start(scratch_id_, out);
    if (!scratch_text_.empty()) text(scratch_text_, out);
    return Status::ok();
  }
  auto parsed = parseJson(data);
  if (parsed.overLimit()) {
    return fail("api_error", "the upstream sent a stream chunk that " + parsed.describe(), out);
  }
  json chunk = std::move(parsed.value);
  if (chunk.is_discarded() || !chunk.is_object()) {
    return fail("api_error", "the upstream sent a stream chunk that is not a JSON object", out);
  }
  if (const json& err = jsonf::at(chunk, "error"); !err.is_null()) {
    std::string message(err.is_string() ? err.get_ref<const std::string&>() : "");
    if (message.empty()) message = jsonf::view(err, "message");
    if (message.empty()) message = "the upstream reported an error";
    const json& code = jsonf::at(err, "code");
    std::string_view type =
        code.is_number_integer()
            ? messagesErrorType(static_cast<int>(code.get<int64_t>()))
            : messages::errorTypeFor(jsonf::view(err, "type"), jsonf::view(err, "code"));
    return fail(type, message, out);
  }
  onUsage(jsonf::at(chunk, "usage"));
  if (!started_) start(jsonf::view(chunk, "id"), out);
  const json& choices = jsonf::at(chunk, "choices");
  if (!choices.is_array()) return Status::ok();
  for (const auto& choice : choices) {
    const json& index = jsonf::at(choice, "index");
    if (index.is_number_integer() && index.get<int64_t>() != 0) continue;  // n > 1: not ours
    onDelta(jsonf::at(choice, "delta"), out);
    if (std::string_view reason = jsonf::view(choice, "finish_reason"); !reason.empty()) {
      closeBlock(out);
      finish_seen_ = true;
      stop_reason_ = messages::stopReason(reason, !tools_.empty());
    }
  }
  return Status::ok();
}

Status MessagesStreamWriter::finish(std::string& out) {
  if (done_) return Status::ok();
  if (finish_seen_) {  // a finish_reason but no [DONE]: complete enough
    finalize(out);
    return Status::ok();
  }
  return fail("api_error",
              started_ ? "the upstream stream ended before the response was complete"
                       : "the upstream stream ended without sending any data",
              out);
}

}  // namespace igw
