// One request on its way through the gateway: what every filter, endpoint and provider call is
// handed instead of a list of parameters. Lives in the connection's coroutine frame for the
// duration of the request; never shared between threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/chat_body.h"
#include "auth/identity.h"
#include "core/status.h"
#include "http/message.h"

#include "http/responder.h"
#include "limits/admission.h"
#include "net/asio.h"
#include "net/server.h"
#include "telemetry/request_info.h"

namespace igw {

struct App;
struct Config;
struct ProviderEntry;
class RoutePlan;

// The API the client speaks: it decides the shape of answers and errors.
enum class ClientApi {
  kOpenAI,     // OpenAI error objects {"error":{message,type,code}}
  kAnthropic,  // Anthropic envelopes {"type":"error","error":{type,message}}
  kResponses,  // OpenAI Responses API: OpenAI error objects, Response objects and events
};

// Which endpoint family the request is for (set by the router before the filters run).
// kUi: the web UI's static files (no credential needed: the page asks for one); kUiApi: what
// only the UI reads (/ui/api/*: metrics, provider states), behind the credential like the API.
// Neither is counted in the request metrics, so the dashboard's polling does not show in them.
enum class Endpoint {
  kChat,
  kMessages,
  kEmbeddings,   // POST /v1/embeddings
  kCompletions,  // POST /v1/completions (legacy text completions)
  kImages,       // POST /v1/images/{generations,edits,variations} (ENABLE_IMAGES)
  kAudio,        // POST /v1/audio/{speech,transcriptions,translations} (ENABLE_AUDIO)
  kResponses,    // POST /v1/responses (OpenAI's Responses API)
  kProxy,
  kModels,
  kToolListing,
  kHealth,
  kAdmin,
  kUi,
  kUiApi,
  kOther
};

// What the request asks a provider for: filled by the route filter for endpoints that name a
// model (or, for /proxy, a provider).
struct Target {
  const ProviderEntry* provider = nullptr;
  std::string client_model;    // "model" as the client wrote it (empty: none named)
  std::string upstream_model;  // what the provider sees
  bool stream = false;
};

class Exchange {
 public:
  Exchange(const App& app, Request& req, Responder& res, WorkerContext& ctx);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const App& app;
  const Config& config;
  Request& req;
  Responder& res;
  WorkerContext& ctx;

  Endpoint endpoint = Endpoint::kOther;
  ClientApi api = ClientApi::kOpenAI;
  RequestInfo info;  // id, provider, model, usage, timings: what telemetry reports
  Target target;
  // The body's routing fields, when the route filter inspected a JSON body.
  std::optional<ChatBodyInfo> body;
  // The model named a routing alias (ROUTING_ENABLED): the deployments it may try, and what it
  // tried. Null for provider/model, ?provider= and every other request.
  std::unique_ptr<RoutePlan> route;

  // Who is calling, when authentication is on (set by the auth filter; null otherwise).
  std::shared_ptr<const Identity> identity;

  // Provider credential for this request. Empty: the provider's configured key (its
  // {PROVIDER}_API_KEY). The seam where gateway-issued keys choose a tenant's provider key.
  std::string credential;

  // The client closed its connection (seen while the gateway waited on an upstream or a tool):
  // whoever sees this stops and writes nothing more.
  bool client_gone = false;

  // Limits and budgets (filters/limits.cpp): what admission reserved, settled once before the
  // response's last byte (or on completion when the answer never got there).
  struct LimitsState {
    bool admitted = false;  // counters were taken: settle exactly once
    bool settled = false;
    bool shared = false;  // taken in Redis (else in this process)
    Estimate reserved;
    int64_t admitted_sec = 0;
    std::string ticket;       // Redis: this request's member in the in-flight sets
    uint64_t body_bytes = 0;  // written to the client, for a stream that ended without usage
    int status = 0;           // of the response about to go out
    std::optional<net::Executor> executor;  // Redis: where a late settlement runs
    int64_t cost_nano = 0;                  // what settlement charged
  } limits;

  // Set by a filter that refuses the request, next to its Status: the error object's "code"
  // (e.g. "model_not_allowed").
  std::string refusal_code;

  // An error answer in the client's API shape. Status codes map to HTTP statuses
  // (http/errors.h); the message says what to fix.
  net::awaitable<void> fail(const Status& s);
  net::awaitable<void> fail(int http_status, std::string_view message, std::string_view code = {});
};

}  // namespace igw
