// Gemini `streamGenerateContent?alt=sse` chunks -> OpenAI chat.completion.chunk events. Each
// Gemini event is a whole GenerateContentResponse holding only the new parts, so the translation
// is per event: no buffering across events beyond per-choice flags and the latest usage.
// Hot path: one JsonView pass per event into reused storage, text copied still escaped, the
// chunk prefix (id/object/created/model) built once.
#include <vector>

#include "core/json_text.h"
#include "http/errors.h"
#include "http/sse.h"
#include "translate/openai_gemini.h"

namespace igw::gemini {

namespace {

using JT = JsonType;

// candidateCount is at most 8; anything beyond this is garbage and ignored.
constexpr int64_t kMaxChoices = 16;

class GeminiStream final : public StreamTranslator {
 public:
  explicit GeminiStream(const TranslateContext& ctx) : ctx_(ctx) {}

  Status onEvent(std::string_view event, std::string_view data, std::string& out) override;
  Status finish(std::string& out) override;
  Usage usage() const override { return usage_; }

 private:
  struct Choice {
    bool started = false;    // role already sent
    bool has_calls = false;  // for STOP -> tool_calls
    int calls = 0;           // next tool call index
  };

  void buildPrefix();
  void candidate(uint32_t cand, int64_t position, std::string& out);
  void blockedPrompt(std::string& out);
  void openChunk(std::string& out, int64_t index);
  void closeChunk(std::string& out, std::string_view finish);
  void appendError(const Status& s, const std::string& rpc, std::string& out);

  TranslateContext ctx_;
  JsonView view_;
  std::string prefix_;  // data: {"id":..,"object":..,"created":..,"model":..,"choices":[
  std::vector<Choice> choices_;
  PartsOut parts_;
  std::string scratch_;
  Usage usage_;
  bool finished_ = false;  // a finishReason (or a prompt block) was seen
  bool errored_ = false;
};

void GeminiStream::buildPrefix() {
  prefix_ = "data: {\"id\":";
  uint32_t rid = view_.find(view_.root(), "responseId");
  if (view_.is(rid, JT::kString)) {
    prefix_ += view_.raw(rid);  // Gemini's id is the same in every chunk of a response
  } else {
    appendJsonString(prefix_, ctx_.response_id);
  }
  prefix_ += ",\"object\":\"chat.completion.chunk\",\"created\":";
  appendInt(prefix_, ctx_.created);
  prefix_ += ",\"model\":";
  appendJsonString(prefix_, ctx_.model);
  prefix_ += ",\"choices\":[";
}

void GeminiStream::openChunk(std::string& out, int64_t index) {
  out += prefix_;
  out += "{\"index\":";
  appendInt(out, index);
  out += ",\"delta\":{";
}

void GeminiStream::closeChunk(std::string& out, std::string_view finish) {
  out += "},\"finish_reason\":";
  if (finish.empty()) {
    out += "null";
  } else {
    out.push_back('"');
    out += finish;
    out.push_back('"');
  }
  out += ",\"logprobs\":null}]}\n\n";
}

Status GeminiStream::onEvent(std::string_view, std::string_view data, std::string& out) {
  if (errored_) return Status::ok();  // nothing may follow an error event
  size_t b = data.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return Status::ok();
  if (!view_.parse(data) ||
      (!view_.is(view_.root(), JT::kObject) && !view_.is(view_.root(), JT::kArray))) {
    return unavailable("Gemini sent a stream event that is not a JSON object");
  }
  std::string rpc;
  if (Status err = embeddedError(view_, 0, &rpc); !err) {
    appendError(err, rpc, out);
    return Status::ok();
  }
  if (!view_.is(view_.root(), JT::kObject)) {
    return unavailable("Gemini sent a stream event that is not a JSON object");
  }
  if (prefix_.empty()) buildPrefix();
  uint32_t um = view_.find(view_.root(), "usageMetadata");
  if (view_.is(um, JT::kObject)) usage_ = readUsage(view_, um);  // counts are cumulative
  uint32_t cands = view_.find(view_.root(), "candidates");
  int64_t pos = 0;
  if (view_.is(cands, JT::kArray)) {
    for (uint32_t c = view_.first(cands); c != JsonView::npos; c = view_.next(c), ++pos) {
      candidate(c, pos, out);
    }
  }
  if (pos == 0 && view_.is(view_.find(view_.find(view_.root(), "promptFeedback"), "blockReason"),
                           JT::kString)) {
    blockedPrompt(out);
  }
  return Status::ok();
}

void GeminiStream::candidate(uint32_t cand, int64_t position, std::string& out) {
  if (!view_.is(cand, JT::kObject)) return;
  int64_t index = view_.integer(view_.find(cand, "index"), position);
  if (index < 0 || index >= kMaxChoices) return;
  if (static_cast<size_t>(index) >= choices_.size()) choices_.resize(index + 1);
  Choice& ch = choices_[index];
  parts_.clear();
  collectParts(view_, cand, ch.calls, true, parts_, scratch_);
  ch.calls += parts_.calls;
  ch.has_calls = ch.has_calls || parts_.calls > 0;
  bool any = !parts_.content.empty() || !parts_.reasoning.empty() || parts_.has_signature ||
             parts_.calls > 0;
  if (any || !ch.started) {
    openChunk(out, index);
    const char* sep = "";
    if (!ch.started) {
      out += "\"role\":\"assistant\"";
      sep = ",";
      if (!any) out += ",\"content\":\"\"";
      ch.started = true;
    }
    if (!parts_.reasoning.empty()) {
      out += sep;
      out += "\"reasoning_content\":\"";
      out += parts_.reasoning;
      out.push_back('"');
      sep = ",";
    }
    if (!parts_.content.empty()) {
      out += sep;
      out += "\"content\":\"";
      out += parts_.content;
      out.push_back('"');
      sep = ",";
    }
    if (parts_.has_signature) {
      out += sep;
      out += "\"reasoning_signature\":\"";
      out += parts_.signature;
      out.push_back('"');
      sep = ",";
    }
    if (parts_.calls > 0) {
      out += sep;
      out += "\"tool_calls\":[";
      out += parts_.tool_calls;
      out.push_back(']');
    }
    closeChunk(out, {});
  }
  uint32_t fr = view_.find(cand, "finishReason");
  if (view_.is(fr, JT::kString)) {
    openChunk(out, index);
    closeChunk(out, finishReason(view_.inner(fr), ch.has_calls));
    finished_ = true;
  }
}

void GeminiStream::blockedPrompt(std::string& out) {
  // No candidates at all: the prompt was refused. Say so the OpenAI way on choice 0.
  if (choices_.empty()) choices_.resize(1);
  if (!choices_[0].started) {
    openChunk(out, 0);
    out += "\"role\":\"assistant\",\"content\":\"\"";
    closeChunk(out, {});
    choices_[0].started = true;
  }
  openChunk(out, 0);
  closeChunk(out, "content_filter");
  finished_ = true;
}

void GeminiStream::appendError(const Status& s, const std::string& rpc, std::string& out) {
  appendSseData(out, errorJson(s.message(), errorType(httpStatus(s.code())), rpc));
  errored_ = true;
}

Status GeminiStream::finish(std::string& out) {
  if (errored_) {
    out += "data: [DONE]\n\n";  // the error event already told the client why
    return Status::ok();
  }
  if (!finished_) return unavailable("Gemini stream ended before a finishReason");
  if (ctx_.include_usage && usage_.prompt >= 0) {
    out += prefix_;
    out += "],\"usage\":";
    appendUsage(out, usage_);
    out += "}\n\n";
  }
  out += "data: [DONE]\n\n";
  return Status::ok();
}

}  // namespace

std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx) {
  return std::make_unique<GeminiStream>(ctx);
}

}  // namespace igw::gemini
