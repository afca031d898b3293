// OpenAI chat.completion.chunk stream -> Responses API events (ResponsesStreamWriter).
//
// The Responses API streams a response as numbered output items, each added, filled by deltas
// and done, every event carrying a sequence_number from 0. Chat streams flat deltas, so the
// writer keeps one item open and switches when the kind of delta changes: reasoning -> reasoning
// item (one summary part), content/refusal -> message item (an output_text or refusal part),
// each new tool call index -> function_call item. A function_call item is added once its name is
// known (some servers send the name after the id); arguments that arrive earlier are held until
// then.
//
// Limits (documented, not errors): only choice 0 is read; arguments for a tool call whose item
// is already done (a server interleaving calls) are dropped, since a done item cannot change.
//
// The per-token events (text, reasoning and argument deltas) are written by hand; the few
// structural events are built with nlohmann's ordered_json. The Response object the final event
// carries holds every item in full, so the writer keeps the texts it has passed on.
#include <ctime>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "core/json_parse.h"
#include "core/json_text.h"
#include "http/error_taxonomy.h"
#include "translate/responses_openai.h"

namespace igw {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) {
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

Code codeFor(std::string_view code) {
  if (code == "rate_limit_exceeded" || code == "insufficient_quota") return Code::kRateLimited;
  if (code == "invalid_api_key") return Code::kUnauthenticated;
  const int status = statusForOpenAiType(code);
  return status > 0 ? codeForStatus(status) : Code::kUnavailable;
}

}  // namespace

ResponsesStreamWriter::ResponsesStreamWriter(std::string client_model, std::string_view echo)
    : model_(std::move(client_model)), echo_(std::make_unique<json>(parseJsonOrDiscarded(echo))) {
  if (!echo_->is_object()) *echo_ = json::object();
}

ResponsesStreamWriter::~ResponsesStreamWriter() = default;

void ResponsesStreamWriter::beginEvent(std::string_view type, std::string& out) {
  out += "event: ";
  out += type;
  out += "\ndata: {\"type\":\"";
  out += type;
  out += "\"";
}

void ResponsesStreamWriter::endEvent(std::string& out) {
  out += ",\"sequence_number\":";
  out += std::to_string(sequence_++);
  out += "}\n\n";
}

namespace {

// ,"item_id":"...","output_index":N
void appendItemRef(std::string& out, const std::string& item_id, size_t output_index) {
  out += R"(,"item_id":)";
  appendJsonString(out, item_id);
  out += R"(,"output_index":)";
  out += std::to_string(output_index);
}

}  // namespace

ojson ResponsesStreamWriter::itemObject(const Item& item, bool done) const {
  ojson j;
  switch (item.kind) {
    case Kind::kReasoning: {
      j = {{"id", item.id}, {"type", "reasoning"}, {"summary", ojson::array()}};
      if (done && !item.text.empty()) {
        j["summary"].push_back({{"type", "summary_text"}, {"text", item.text}});
      }
      if (done && !item.signature.empty()) j["encrypted_content"] = item.signature;
      break;
    }
    case Kind::kMessage: {
      ojson content = ojson::array();
      if (done) {
        ojson text = {{"type", "output_text"},
                      {"annotations", ojson::array()},
                      {"logprobs", ojson::array()},
                      {"text", item.text}};
        ojson refusal = {{"type", "refusal"}, {"refusal", item.refusal}};
        if (item.text_part == 0) content.push_back(std::move(text));
        if (item.refusal_part >= 0) content.push_back(std::move(refusal));
        if (item.text_part == 1) content.push_back(std::move(text));
      }
      std::string_view status = "in_progress";
      if (done) status = responses::statusFor(finish_reason_);
      j = {{"id", item.id},
           {"type", "message"},
           {"status", status},
           {"content", std::move(content)},
           {"role", "assistant"}};
      break;
    }
    case Kind::kFunctionCall:
      j = {{"id", item.id},
           {"type", "function_call"},
           {"status", done ? "completed" : "in_progress"},
           {"arguments", done ? item.text : std::string()},
           {"call_id", item.call_id},
           {"name", item.name}};
      break;
  }
  return j;
}

std::string ResponsesStreamWriter::itemJson(const Item& item, bool done) const {
  return dump(itemObject(item, done));
}

std::string ResponsesStreamWriter::responseJson(std::string_view status, const json* error) const {
  ojson r = responses::responseObject(id_, created_, status, finish_reason_, model_, *echo_);
  if (error != nullptr) r["error"] = ojson(*error);
  if (status != "in_progress") {
    ojson output = ojson::array();
    for (const Item& item : items_) {
      // An item the stream did not finish (a failure) is there with what it got, incomplete.
      ojson j = itemObject(item, true);
      if (!item.done && j.contains("status")) j["status"] = "incomplete";
      output.push_back(std::move(j));
    }
    r["output"] = std::move(output);
    responses::UsageCounts u{prompt_tokens_, cached_tokens_, completion_tokens_, reasoning_tokens_,
                             total_tokens_};
    r["usage"] = responses::usageObject(u);
  }
  return dump(r);
}

void ResponsesStreamWriter::start(std::string_view openai_id, int64_t created, std::string& out) {
  started_ = true;
  id_ = responses::responseId(openai_id);
  created_ = created > 0 ? created : static_cast<int64_t>(std::time(nullptr));
  item_base_ = id_.substr(5);
  const std::string response = responseJson("in_progress", nullptr);
  for (std::string_view type : {"response.created", "response.in_progress"}) {
    beginEvent(type, out);
    out += R"(,"response":)";
    out += response;
    endEvent(out);
  }
}

void ResponsesStreamWriter::onUsage(const json& usage) {
  responses::UsageCounts u{prompt_tokens_, cached_tokens_, completion_tokens_, reasoning_tokens_,
                           total_tokens_};
  responses::readChatUsage(usage, u);
  prompt_tokens_ = u.prompt;
  cached_tokens_ = u.cached;
  completion_tokens_ = u.completion;
  reasoning_tokens_ = u.reasoning;
  total_tokens_ = u.total;
}

void ResponsesStreamWriter::openItem(Kind kind, std::string& out) {
  closeItem(out);
  Item& item = items_.emplace_back();
  item.kind = kind;
  const size_t index = items_.size() - 1;
  item.id = responses::itemId(kind == Kind::kReasoning ? "rs_"
                              : kind == Kind::kMessage ? "msg_"
                                                       : "fc_",
                              id_, index);
  open_ = static_cast<int>(index);
  if (kind == Kind::kFunctionCall) return;  // added once its name is known
  beginEvent("response.output_item.added", out);
  out += R"(,"output_index":)";
  out += std::to_string(index);
  out += R"(,"item":)";
  out += itemJson(item, false);
  endEvent(out);
}

void ResponsesStreamWriter::addFunctionCall(Item& item, std::string& out) {
  item.named = true;
  const size_t index = static_cast<size_t>(&item - items_.data());
  if (item.call_id.empty()) item.call_id = "call_" + item_base_ + "_" + std::to_string(index);
  beginEvent("response.output_item.added", out);
  out += R"(,"output_index":)";
  out += std::to_string(index);
  out += R"(,"item":)";
  out += itemJson(item, false);
  endEvent(out);
  if (!item.pending_args.empty()) {
    std::string args = std::move(item.pending_args);
    item.pending_args.clear();
    beginEvent("response.function_call_arguments.delta", out);
    appendItemRef(out, item.id, index);
    out += R"(,"delta":)";
    appendJsonString(out, args);
    endEvent(out);
    item.text += args;
  }
}

// Ends the open part of a message (output_text or refusal) or the summary part of a reasoning
// item.
void ResponsesStreamWriter::closePart(Item& item, std::string& out) {
  if (item.open_part < 0) return;
  const size_t index = static_cast<size_t>(&item - items_.data());
  const int part = item.open_part;
  item.open_part = -1;
  if (item.kind == Kind::kReasoning) {
    beginEvent("response.reasoning_summary_text.done", out);
    appendItemRef(out, item.id, index);
    out += R"(,"summary_index":0,"text":)";
    appendJsonString(out, item.text);
    endEvent(out);
    beginEvent("response.reasoning_summary_part.done", out);
    appendItemRef(out, item.id, index);
    out += R"(,"summary_index":0,"part":{"type":"summary_text","text":)";
    appendJsonString(out, item.text);
    out += "}";
    endEvent(out);
    return;
  }
  const bool refusal = part == item.refusal_part;
  const std::string& text = refusal ? item.refusal : item.text;
  beginEvent(refusal ? "response.refusal.done" : "response.output_text.done", out);
  appendItemRef(out, item.id, index);
  out += R"(,"content_index":)";
  out += std::to_string(part);
  out += refusal ? R"(,"refusal":)" : R"(,"text":)";
  appendJsonString(out, text);
  if (!refusal) out += R"(,"logprobs":[])";
  endEvent(out);
  beginEvent("response.content_part.done", out);
  appendItemRef(out, item.id, index);
  out += R"(,"content_index":)";
  out += std::to_string(part);
  out += refusal ? R"(,"part":{"type":"refusal","refusal":)"
                 : R"(,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":)";
  appendJsonString(out, text);
  out += "}";
  endEvent(out);
}

void ResponsesStreamWriter::closeItem(std::string& out) {
  if (open_ < 0) return;
  Item& item = items_[open_];
  const size_t index = static_cast<size_t>(open_);
  open_ = -1;
  closePart(item, out);
  if (item.kind == Kind::kFunctionCall) {
    if (!item.named) addFunctionCall(item, out);  // the name never came: add it as it is
    beginEvent("response.function_call_arguments.done", out);
    appendItemRef(out, item.id, index);
    out += R"(,"name":)";
    appendJsonString(out, item.name);
    out += R"(,"arguments":)";
    appendJsonString(out, item.text);
    endEvent(out);
  }
  item.done = true;
  beginEvent("response.output_item.done", out);
  out += R"(,"output_index":)";
  out += std::to_string(index);
  out += R"(,"item":)";
  out += itemJson(item, true);
  endEvent(out);
}

void ResponsesStreamWriter::reasoning(std::string_view piece, std::string& out) {
  if (open_ < 0 || items_[open_].kind != Kind::kReasoning) openItem(Kind::kReasoning, out);
  Item& item = items_[open_];
  const size_t index = static_cast<size_t>(open_);
  if (item.open_part < 0) {
    if (!item.text.empty()) return;  // one summary part per item: a closed part stays closed
    item.open_part = 0;
    beginEvent("response.reasoning_summary_part.added", out);
    appendItemRef(out, item.id, index);
    out += R"(,"summary_index":0,"part":{"type":"summary_text","text":""})";
    endEvent(out);
  }
  item.text += piece;
  beginEvent("response.reasoning_summary_text.delta", out);
  appendItemRef(out, item.id, index);
  out += R"(,"summary_index":0,"delta":)";
  appendJsonString(out, piece);
  endEvent(out);
}

void ResponsesStreamWriter::messageText(std::string_view piece, bool refusal, std::string& out) {
  if (open_ < 0 || items_[open_].kind != Kind::kMessage) openItem(Kind::kMessage, out);
  Item& item = items_[open_];
  const size_t index = static_cast<size_t>(open_);
  // A message has at most one output_text part and one refusal part, in the order they came.
  int& part = refusal ? item.refusal_part : item.text_part;
  if (part < 0) {
    closePart(item, out);
    part = item.text_part >= 0 || item.refusal_part >= 0 ? 1 : 0;
    item.open_part = part;
    beginEvent("response.content_part.added", out);
    appendItemRef(out, item.id, index);
    out += R"(,"content_index":)";
    out += std::to_string(part);
    out += refusal ? R"(,"part":{"type":"refusal","refusal":""})"
                   : R"(,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""})";
    endEvent(out);
  } else if (item.open_part != part) {
    return;  // its part is already done (text, refusal, then text again): nothing can take it
  }
  (refusal ? item.refusal : item.text) += piece;
  beginEvent(refusal ? "response.refusal.delta" : "response.output_text.delta", out);
  appendItemRef(out, item.id, index);
  out += R"(,"content_index":)";
  out += std::to_string(part);
  out += R"(,"delta":)";
  appendJsonString(out, piece);
  if (!refusal) out += R"(,"logprobs":[])";
  endEvent(out);
}

void ResponsesStreamWriter::onToolDelta(const json& delta, std::string& out) {
  if (!delta.is_object()) return;
  std::string_view id = jsonf::view(delta, "id");
  const json& fn = jsonf::at(delta, "function");
  std::string_view name = jsonf::view(fn, "name");
  const json& index = jsonf::at(delta, "index");
  Item* open = open_ >= 0 && items_[open_].kind == Kind::kFunctionCall ? &items_[open_] : nullptr;
  int64_t idx;
  if (index.is_number_integer()) {
    idx = index.get<int64_t>();
  } else if (open != nullptr && (id.empty() || id == open->call_id)) {
    idx = open->openai_index;  // no index: continues the open call
  } else {
    idx = open != nullptr ? open->openai_index + 1 : 0;
  }
  Item* call = nullptr;
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
    if (it->kind == Kind::kFunctionCall && it->openai_index == idx) {
      call = &*it;
      break;
    }
  }
  // Same index, another id: a server that numbers every call 0; treat it as a new call.
  if (call != nullptr && !id.empty() && !call->call_id.empty() && id != call->call_id) {
    call = nullptr;
  }
  if (call == nullptr) {
    openItem(Kind::kFunctionCall, out);
    call = &items_[open_];
    call->openai_index = idx;
    call->call_id = id;
    call->name = name;
    if (!call->name.empty()) addFunctionCall(*call, out);
  } else if (!call->named && !call->done) {
    if (call->call_id.empty()) call->call_id = id;
    if (!name.empty()) {
      call->name = name;
      addFunctionCall(*call, out);
    }
  }
  std::string_view args = jsonf::view(fn, "arguments");
  if (args.empty() || call->done) return;  // a done item cannot take more arguments
  if (!call->named) {
    call->pending_args += args;
    return;
  }
  call->text += args;
  beginEvent("response.function_call_arguments.delta", out);
  appendItemRef(out, call->id, static_cast<size_t>(call - items_.data()));
  out += R"(,"delta":)";
  appendJsonString(out, args);
  endEvent(out);
}

void ResponsesStreamWriter::onDelta(const json& delta, std::string& out) {
  if (!delta.is_object()) return;
  std::string_view thought = jsonf::view(delta, "reasoning_content");
  if (thought.empty()) thought = jsonf::view(delta, "reasoning");
  if (!thought.empty()) reasoning(thought, out);
  if (std::string_view sig = jsonf::view(delta, "reasoning_signature"); !sig.empty()) {
    if (open_ < 0 || items_[open_].kind != Kind::kReasoning) openItem(Kind::kReasoning, out);
    items_[open_].signature += sig;
  }
  if (std::string_view content = jsonf::view(delta, "content"); !content.empty()) {
    messageText(content, false, out);
  }
  if (std::string_view refusal = jsonf::view(delta, "refusal"); !refusal.empty()) {
    messageText(refusal, true, out);
  }
  if (const json& calls = jsonf::at(delta, "tool_calls"); calls.is_array()) {
    for (const auto& call : calls) onToolDelta(call, out);
  }
}

void ResponsesStreamWriter::finalize(std::string& out) {
  closeItem(out);
  done_ = true;
  const std::string_view status = responses::statusFor(finish_reason_);
  const std::string type = "response." + std::string(status);
  beginEvent(type, out);
  out += R"(,"response":)";
  out += responseJson(status, nullptr);
  endEvent(out);
}

Status ResponsesStreamWriter::fail(std::string_view code, std::string_view message,
                                   std::string& out) {
  Status status(codeFor(code), std::string(message));
  if (done_) return status;
  if (!started_) start("", 0, out);
  done_ = true;
  out += "event: error\ndata: ";
  out += responses::errorEvent(code, message, sequence_++);
  out += "\n\n";
  // The error as the Response object carries it: {code, message}, the message valid UTF-8.
  // Invalid UTF-8 in the message is replaced when the Response is written.
  json error = {{"code", code.empty() ? "server_error" : std::string(code)},
                {"message", std::string(message)}};
  beginEvent("response.failed", out);
  out += R"(,"response":)";
  out += responseJson("failed", &error);
  endEvent(out);
  return status;
}

Status ResponsesStreamWriter::onChunk(std::string_view data, std::string& out) {
  if (done_) return Status::ok();  // nothing after the end counts
  data = trimJsonSpace(data);
  if (data.empty()) return Status::ok();
  if (data == "[DONE]") {
    if (!started_) start("", 0, out);
    finalize(out);
    return Status::ok();
  }
  auto parsed = parseJson(data);
  if (parsed.overLimit()) {
    return fail("server_error", "the upstream sent a stream chunk that " + parsed.describe(), out);
  }
  json chunk = std::move(parsed.value);
  if (chunk.is_discarded() || !chunk.is_object()) {
    return fail("server_error", "the upstream sent a stream chunk that is not a JSON object", out);
  }
  if (const json& err = jsonf::at(chunk, "error"); !err.is_null()) {
    std::string message(err.is_string() ? err.get_ref<const std::string&>() : "");
    if (message.empty()) message = jsonf::view(err, "message");
    if (message.empty()) message = "the upstream reported an error";
    std::string_view code = jsonf::view(err, "code");
    if (code.empty()) code = jsonf::view(err, "type");
    if (code.empty()) code = "server_error";
    return fail(code, message, out);
  }
  onUsage(jsonf::at(chunk, "usage"));
  if (!started_) {
    const json& created = jsonf::at(chunk, "created");
    start(jsonf::view(chunk, "id"), created.is_number_integer() ? created.get<int64_t>() : 0, out);
  }
  const json& choices = jsonf::at(chunk, "choices");
  if (!choices.is_array()) return Status::ok();
  for (const auto& choice : choices) {
    const json& index = jsonf::at(choice, "index");
    if (index.is_number_integer() && index.get<int64_t>() != 0) continue;  // n > 1: not ours
    onDelta(jsonf::at(choice, "delta"), out);
    if (std::string_view reason = jsonf::view(choice, "finish_reason"); !reason.empty()) {
      finish_reason_ = reason;
      finish_seen_ = true;
      closeItem(out);
    }
  }
  return Status::ok();
}

Status ResponsesStreamWriter::finish(std::string& out) {
  if (done_) return Status::ok();
  if (finish_seen_) {  // a finish_reason but no [DONE]: complete enough
    finalize(out);
    return Status::ok();
  }
  return fail("server_error",
              started_ ? "the upstream stream ended before the response was complete"
                       : "the upstream stream ended without sending any data",
              out);
}

}  // namespace igw
