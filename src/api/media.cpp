// POST /v1/images/{generations,edits,variations} and /v1/audio/{speech,transcriptions,
// translations) (docs/media.md): byte for byte to the providers that serve OpenAI's Images and
// Audio APIs (providers/media_support.cpp), only the model renamed — in the JSON body, or in the
// multipart body's "model" part, every other byte (files included) as the client sent it. The
// answer goes back as the provider sent it: image JSON (b64_json included) up to
// CLIENT_MAX_RESPONSE_SIZE, speech audio streamed through without buffering, transcription
// JSON, text or event streams. Usage, where the answer carries one, counts for metrics, limits
// and budgets.
#include <optional>

#include "api/app.h"
#include "api/media_body.h"
#include "core/heap_trim.h"
#include "pipeline/exchange.h"
#include "providers/attempts.h"
#include "providers/call.h"
#include "providers/media_support.h"
#include "providers/request.h"
#include "providers/table.h"

namespace igw {

net::awaitable<void> handleMedia(Exchange& ex) {
  ReturnMemoryAfter trim(ex.req.body.size());  // runs after the request's buffers are gone
  const MediaEndpoint which = *mediaEndpointOf(ex.req.path());  // the route filter checked it
  if (!ex.route) {
    if (Status s = ProviderTable::checkUsable(*ex.target.provider); !s) {
      co_await ex.fail(s);
      co_return;
    }
  }
  const bool multipart = isMultipart(which);
  const bool speech = which == MediaEndpoint::kSpeech;
  const bool stream = ex.target.stream;
  // The multipart body keeps its own Content-Type: the boundary is in it.
  const std::string* client_type = ex.req.header("Content-Type");
  std::string content_type =
      multipart && client_type != nullptr ? *client_type : std::string("application/json");
  const std::string* client_accept = ex.req.header("Accept");
  std::string accept = client_accept != nullptr ? *client_accept
                       : stream                 ? std::string("text/event-stream")
                       : speech                 ? std::string("*/*")
                                                : std::string("application/json");
  BuildAttempt build = [&](const ProviderEntry& p) -> Result<UpstreamRequest> {
    UpstreamRequest up;
    up.method = "POST";
    up.url = ProviderTable::operationUrl(p, mediaProviderPath(p.spec->id, which),
                                         ex.target.upstream_model);
    // Speech audio may come chunked as it is synthesised: idle-between-chunks deadlines.
    up.stream = stream || speech;
    up.headers.push_back({"Content-Type", content_type});
    up.headers.push_back({"Accept", accept});
    addUpstreamHeaders(ex, p, up.headers);
    if (multipart) {
      auto body = rewriteMultipartModel(ex.req.body, *ex.body, ex.target.upstream_model);
      if (!body) return body.status();
      up.body = std::move(body.value());
    } else {
      up.body = rewriteChatBody(ex.req.body, *ex.body, ex.target.upstream_model, false);
    }
    if (!ex.route) std::string().swap(ex.req.body);  // only a routed request may need it again
    return up;
  };
  std::optional<ProviderCall> call;
  AttemptScope scope{ex};
  Status started = co_await startAttempts(ex, call, build);
  std::string().swap(ex.req.body);
  if (!started) {
    if (!ex.client_gone) co_await ex.fail(started);
    co_return;
  }
  // Audio goes through as it comes, whatever its size; JSON answers are read whole (up to
  // CLIENT_MAX_RESPONSE_SIZE) when the provider sized them, for their usage.
  const bool buffer_sized = !speech;
  co_await call->relayRaw(UsageFormat::kOpenAI, buffer_sized);
}

}  // namespace igw
