// POST /v1/messages: Anthropic's Messages API in front of every provider. For Anthropic the body
// goes through byte for byte (only the model renamed), so prompt caching, cache_control and
// thinking signatures are untouched. For everyone else the request is translated to an OpenAI
// chat request and handed to the chat pipeline (native adapters included); a translating
// Responder turns what that pipeline writes back into Anthropic responses and events.
#include "api/app.h"
#include "api/chat_body.h"
#include "translate/anthropic_openai.h"
#include "api/relay.h"
#include "core/heap_trim.h"
#include "http/sse.h"
#include "providers/routing.h"

namespace igw {

namespace {

const Headers kJson{Header{"Content-Type", "application/json"}};

bool isOpenAIError(std::string_view body) {
  return body.rfind("{\"error\":{", 0) == 0;
}

// Wraps the connection's Responder: OpenAI-shaped output in, Anthropic-shaped output out.
class MessagesResponder final : public Responder {
 public:
  // translate=false: only the gateway's own (OpenAI-shaped) errors are rewritten; everything
  // else is Anthropic's own bytes already.
  MessagesResponder(Responder& inner, std::string client_model, bool translate)
      : inner_(inner),
        writer_(client_model),
        model_(std::move(client_model)),
        translate_(translate) {}

  net::awaitable<Status> send(int status, const Headers& headers, std::string_view body) override {
    if (status >= 400 && isOpenAIError(body)) {
      std::string converted = chatErrorToMessagesError(status, body);
      co_return co_await inner_.send(status, errorHeaders(headers), converted);
    }
    if (!translate_ || status >= 400) co_return co_await inner_.send(status, headers, body);
    auto message = chatResponseToMessage(body, model_);
    if (!message) {
      std::string err = messages::errorEnvelope("api_error", message.status().message());
      co_return co_await inner_.send(502, kJson, err);
    }
    co_return co_await inner_.send(status, kJson, *message);
  }

  net::awaitable<Status> beginStream(int status, const Headers& headers) override {
    co_return co_await inner_.beginStream(status, headers);
  }

  net::awaitable<Status> writeChunk(std::string_view data, bool last) override {
    if (!translate_) co_return co_await inner_.writeChunk(data, last);
    out_.clear();
    Status failed;
    Status fed = parser_.feed(data, [&](const SseEvent& ev) {
      if (!ev.has_data || !failed.isOk()) return;
      failed = writer_.onChunk(ev.data, out_);
    });
    if (!fed.isOk() && failed.isOk()) {
      failed = fed;
      (void)writer_.fail("api_error", fed.message(), out_);  // the client learns why it ended
    }
    if (last) {
      (void)writer_.finish(out_);  // owes message_delta/message_stop, or nothing after an error
      finished_ = true;
    }
    if (!out_.empty() || last) {
      if (Status s = co_await inner_.writeChunk(out_, last); !s) co_return s;
    }
    co_return failed;
  }

  net::awaitable<Status> endStream() override {
    if (translate_ && !finished_) {
      out_.clear();
      (void)writer_.finish(out_);  // owes message_delta/message_stop, or nothing after an error
      finished_ = true;
      if (!out_.empty()) {
        if (Status s = co_await inner_.writeChunk(out_); !s) co_return s;
      }
    }
    co_return co_await inner_.endStream();
  }

  void watchDisconnect(std::function<void()> on_gone) override {
    inner_.watchDisconnect(std::move(on_gone));
  }
  void stopWatching() override { inner_.stopWatching(); }
  bool started() const override { return inner_.started(); }
  int status() const override { return inner_.status(); }
  void addHeader(std::string name, std::string value) override {
    inner_.addHeader(std::move(name), std::move(value));
  }

 private:
  static Headers errorHeaders(const Headers& from) {
    Headers h = kJson;
    for (const auto& x : from) {
      if (iequals(x.name, "retry-after")) h.push_back(x);
    }
    return h;
  }

  Responder& inner_;
  MessagesStreamWriter writer_;
  SseParser parser_;
  std::string out_;
  std::string model_;
  bool translate_;
  bool finished_ = false;
};

net::awaitable<void> passThroughToAnthropic(const App& app, Request& req, Responder& res,
                                            WorkerContext& ctx, RequestInfo& info,
                                            const ChatBodyInfo& body, const Route& route) {
  const ProviderEntry& provider = app.providers.get(*route.spec);
  if (Status s = ProviderTable::checkUsable(provider); !s) {
    co_await respondError(res, s);
    co_return;
  }
  UpstreamRequest up;
  up.method = "POST";
  up.url = ProviderTable::endpoint(provider, "/messages");
  up.stream = body.stream;
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", body.stream ? "text/event-stream" : "application/json"});
  // The client's API version and beta flags are part of what it asked for.
  for (const char* name : {"anthropic-version", "anthropic-beta"}) {
    if (const std::string* v = req.header(name)) up.headers.push_back({name, *v});
  }
  up.headers.push_back({"X-Request-Id", info.request_id});
  if (!info.traceparent.empty()) up.headers.push_back({"traceparent", info.traceparent});
  ProviderTable::addAuth(provider, up.headers);
  up.body = rewriteChatBody(req.body, body, route.upstream_model, false);
  co_await relay(app, ctx, res, provider, up, RelayMode::kProxy, info);
}

}  // namespace

net::awaitable<void> handleMessages(const App& app, Request& req, Responder& res,
                                    WorkerContext& ctx, RequestInfo& info) {
  ReturnMemoryAfter trim(req.body.size());  // runs after the request's buffers are gone
  auto body = inspectChatBody(req.body);
  if (!body) {
    MessagesResponder errors(res, "", false);
    co_await respondError(errors, body.status());
    co_return;
  }
  auto route = resolveRoute(req.queryParam("provider"), body->model);
  if (!route) {
    MessagesResponder errors(res, body->model, false);
    co_await respondError(errors, route.status());
    co_return;
  }
  info.provider = route->spec->id;
  info.model = route->upstream_model;
  info.stream = body->stream;
  if (!modelAllowed(*app.config, route->spec->id, route->upstream_model)) {
    MessagesResponder errors(res, body->model, false);
    co_await respondError(errors, 403,
                          "model '" + std::string(route->spec->id) + "/" + route->upstream_model +
                              "' is not allowed on this gateway (ALLOWED_MODELS/DISALLOWED_MODELS)",
                          "model_not_allowed");
    co_return;
  }
  // Byte-for-byte to Anthropic, unless the gateway runs tools for this request: the agent loop
  // works on the chat pipeline, so then the request is translated like for everyone else.
  if (route->spec->native == WireFormat::kAnthropic && !offersGatewayTools(app, req)) {
    MessagesResponder errors(res, body->model, false);
    co_await passThroughToAnthropic(app, req, errors, ctx, info, *body, *route);
    co_return;
  }
  const RequestLimitsConfig& limits = app.config->limits;
  if (Status s =
          checkTranslationLimits(*body, limits.chat_max_messages, limits.chat_max_json_values);
      !s) {
    MessagesResponder errors(res, body->model, false);
    co_await respondError(errors, s);
    co_return;
  }
  bool stream = false;
  auto chat = messagesToChatRequest(req.body, body->model, &stream);
  if (!chat) {
    MessagesResponder errors(res, body->model, false);
    co_await respondError(errors, chat.status());
    co_return;
  }
  std::string().swap(req.body);  // the translated body is all that is needed from here on
  Request translated;
  translated.method = "POST";
  translated.target = "/v1/chat/completions";
  if (!req.query().empty()) translated.target += "?" + std::string(req.query());
  translated.headers = req.headers;
  translated.body = std::move(chat.value());
  MessagesResponder translating(res, body->model, true);
  co_await handleChat(app, translated, translating, ctx, info);
}

}  // namespace igw
