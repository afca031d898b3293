#include "pipeline/chat_sinks.h"

#include "http/errors.h"
#include "http/sse.h"
#include "pipeline/exchange.h"
#include "translate/anthropic_openai.h"
#include "translate/responses_openai.h"

namespace igw {

namespace {

Headers withContentType(const Headers& from, std::string_view type) {
  Headers h;
  h.reserve(from.size() + 3);
  h.push_back({"Content-Type", std::string(type)});
  for (const auto& x : from) {
    if (!iequals(x.name, "content-type")) h.push_back(x);
  }
  return h;
}

Headers streamHeaders(const Headers& from) {
  Headers h = withContentType(from, "text/event-stream");
  h.push_back({"Cache-Control", "no-cache"});
  h.push_back({"X-Accel-Buffering", "no"});
  return h;
}

// OpenAI Chat Completions clients: bodies and events as they are.
class OpenAISink final : public ChatSink {
 public:
  explicit OpenAISink(Responder& res) : res_(res) {}

  net::awaitable<void> answer(int status, const Headers& headers, std::string_view body) override {
    Headers h = withContentType(headers, "application/json");
    co_await res_.send(status, h, body);
  }

  net::awaitable<bool> beginStream(int status, const Headers& headers) override {
    Headers h = streamHeaders(headers);
    Status s = co_await res_.beginStream(status, h);
    co_return s.isOk();
  }

  void event(std::string_view data, std::string_view raw) override {
    if (data == "[DONE]") saw_done_ = true;
    if (raw.empty()) {
      appendSseData(out_, data);
      return;
    }
    out_.append(raw);
    if (raw.back() != '\n') out_ += "\n\n";  // the upstream's last event had no blank line
  }

  net::awaitable<bool> flush(bool last) override {
    if (ended_) co_return false;
    if (out_.empty() && !last) co_return true;
    Status s = co_await res_.writeChunk(out_, last);
    out_.clear();
    if (last) ended_ = true;
    const bool ok = s.isOk();
    co_return ok;
  }

  net::awaitable<void> endStream(const Status& failure) override {
    if (ended_) co_return;
    if (!failure.isOk()) {
      appendSseData(out_, errorJson(failure));
      if (!saw_done_) appendSseData(out_, "[DONE]");
    }
    if (!out_.empty()) {
      (void)co_await res_.writeChunk(out_);
      out_.clear();
    }
    ended_ = true;
    co_await res_.endStream();
  }

 private:
  Responder& res_;
  std::string out_;
  bool saw_done_ = false;
  bool ended_ = false;
};

bool isOpenAIError(std::string_view body) {
  return body.rfind("{\"error\":", 0) == 0;
}

// Clients of a translated API (Anthropic Messages, the Responses bridge): the stream writer turns
// each OpenAI chunk into the client's events and owes the closing ones; the sink on top says how
// a whole answer and a failure mid-stream are written.
template <class Writer>
class TranslatedSink : public ChatSink {
 public:
  net::awaitable<bool> beginStream(int status, const Headers& headers) override {
    Headers h = streamHeaders(headers);
    Status s = co_await res_.beginStream(status, h);
    co_return s.isOk();
  }

  void event(std::string_view data, std::string_view raw) override {
    if (!failed_.isOk()) return;
    if (data.empty()) {
      // A comment (the tool loop's progress notes): SSE for every client, ignored by SDKs; it
      // goes between whole events, so the client's stream stays well formed.
      out_ += raw;
      return;
    }
    failed_ = writer_.onChunk(data, out_);
  }

  net::awaitable<bool> flush(bool last) override {
    if (ended_) co_return false;
    if (last) {
      (void)writer_.finish(out_);  // the closing events, or nothing after an error
      ended_ = true;
    }
    if (out_.empty() && !last) co_return true;
    Status s = co_await res_.writeChunk(out_, last);
    out_.clear();
    co_return s.isOk();
  }

  net::awaitable<void> endStream(const Status& failure) override {
    if (ended_) co_return;
    if (!failure.isOk()) {
      writeFailure(failure);
    } else {
      (void)writer_.finish(out_);
    }
    if (!out_.empty()) {
      (void)co_await res_.writeChunk(out_);
      out_.clear();
    }
    ended_ = true;
    co_await res_.endStream();
  }

 protected:
  template <class... WriterArgs>
  explicit TranslatedSink(Responder& res, const WriterArgs&... args)
      : res_(res), writer_(args...) {}

  // The client's error event for a stream that fails after it began, appended to out_.
  virtual void writeFailure(const Status& failure) = 0;

  Responder& res_;
  Writer writer_;
  std::string out_;

 private:
  Status failed_;
  bool ended_ = false;
};

// Anthropic Messages clients: each OpenAI answer, error and chunk becomes its Anthropic form.
class MessagesSink final : public TranslatedSink<MessagesStreamWriter> {
 public:
  MessagesSink(Responder& res, std::string client_model)
      : TranslatedSink(res, client_model), model_(std::move(client_model)) {}

  net::awaitable<void> answer(int status, const Headers& headers, std::string_view body) override {
    Headers h = withContentType(headers, "application/json");
    if (status >= 400 || isOpenAIError(body)) {
      std::string converted = chatErrorToMessagesError(status, body);
      co_await res_.send(status, h, converted);
      co_return;
    }
    auto message = chatResponseToMessage(body, model_);
    if (!message) {
      std::string err = messages::errorEnvelope("api_error", message.status().message());
      co_await res_.send(502, h, err);
      co_return;
    }
    co_await res_.send(status, h, *message);
  }

 private:
  void writeFailure(const Status& failure) override {
    // As an OpenAI error chunk: the writer turns it into the matching Anthropic error event.
    (void)writer_.onChunk(errorJson(failure), out_);
  }

  std::string model_;
};

// Responses API clients (the bridge): chat answers become Response objects, chunks become
// Responses events; errors stay OpenAI error objects, which is what /v1/responses answers with.
class ResponsesSink final : public TranslatedSink<ResponsesStreamWriter> {
 public:
  ResponsesSink(Responder& res, std::string client_model, std::string echo)
      : TranslatedSink(res, client_model, echo),
        model_(std::move(client_model)),
        echo_(std::move(echo)) {}

  net::awaitable<void> answer(int status, const Headers& headers, std::string_view body) override {
    Headers h = withContentType(headers, "application/json");
    if (status >= 400 || isOpenAIError(body)) {
      co_await res_.send(status, h, body);
      co_return;
    }
    auto response = chatResponseToResponse(body, model_, echo_);
    if (!response) {
      std::string err = errorJson(response.status());
      co_await res_.send(502, h, err);
      co_return;
    }
    co_await res_.send(status, h, *response);
  }

 private:
  void writeFailure(const Status& failure) override {
    (void)writer_.fail(errorType(httpStatus(failure.code())), failure.message(), out_);
  }

  std::string model_;
  std::string echo_;
};

}  // namespace

std::unique_ptr<ChatSink> makeResponsesSink(Exchange& ex, std::string client_model,
                                            std::string echo) {
  return std::make_unique<ResponsesSink>(ex.res, std::move(client_model), std::move(echo));
}

std::unique_ptr<ChatSink> makeClientSink(Exchange& ex, std::string client_model) {
  if (ex.api == ClientApi::kAnthropic) {
    return std::make_unique<MessagesSink>(ex.res, std::move(client_model));
  }
  return std::make_unique<OpenAISink>(ex.res);
}

}  // namespace igw
