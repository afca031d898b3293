// The route of /v1/images/* and /v1/audio/*: off unless ENABLE_IMAGES / ENABLE_AUDIO (404, as
// the Go gateway answers), then the model from the JSON body or the multipart "model" field,
// chosen like chat's (model prefix, ?provider=, routing alias), then a 400 naming the providers
// that have the endpoint when the chosen one has not — before limits reserve anything or a
// byte goes upstream.
#include "api/app.h"
#include "api/media_body.h"
#include "filters/filters.h"
#include "pipeline/exchange.h"
#include "providers/media_support.h"
#include "routing/router.h"

namespace igw {

namespace {

Status checkMediaEndpoint(Exchange& ex, MediaEndpoint which) {
  std::string_view path = mediaClientPath(which);
  if (ex.route) {  // a routing alias: every deployment must serve it
    for (const Deployment& d : ex.route->alias().deployments) {
      if (!mediaProviderPath(d.provider->spec->id, which).empty()) continue;
      ex.refusal_code = "unsupported_endpoint";
      return invalidArgument("model alias '" + ex.target.client_model + "' has deployment '" +
                             d.label + "', whose provider has no " + std::string(path) +
                             "; providers that have it: " + mediaProvidersWith(which));
    }
    return Status::ok();
  }
  std::string_view id = ex.target.provider->spec->id;
  if (!mediaProviderPath(id, which).empty()) return Status::ok();
  ex.refusal_code = "unsupported_endpoint";
  return invalidArgument("provider '" + std::string(id) + "' has no " + std::string(path) +
                         "; providers that have it: " + mediaProvidersWith(which));
}

}  // namespace

Status routeMedia(Exchange& ex) {
  auto which = mediaEndpointOf(ex.req.path());
  if (!which) return notFound("no route for " + std::string(ex.req.path()));  // router: never
  if (isImages(*which) && !ex.config.enable_images) {
    ex.refusal_code = "not_found";
    return notFound("The Images API is not enabled. Set ENABLE_IMAGES=true to enable it.");
  }
  if (!isImages(*which) && !ex.config.enable_audio) {
    ex.refusal_code = "not_found";
    return notFound("The Audio API is not enabled. Set ENABLE_AUDIO=true to enable it.");
  }
  Result<ChatBodyInfo> body = ChatBodyInfo{};
  if (isMultipart(*which)) {
    const std::string* ct = ex.req.header("Content-Type");
    if (ct == nullptr) {
      return invalidArgument(std::string(mediaClientPath(*which)) +
                             " takes a multipart/form-data body; the request has no Content-Type");
    }
    body = inspectMultipartBody(*ct, ex.req.body);
  } else {
    body = inspectChatBody(ex.req.body);
  }
  if (!body) return body.status();
  if (*which == MediaEndpoint::kSpeech) body->stream = false;  // its answer is audio bytes
  if (Status s = routeByBody(ex, std::move(body.value())); !s) return s;
  return checkMediaEndpoint(ex, *which);
}

}  // namespace igw
