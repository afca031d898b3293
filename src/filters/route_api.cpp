// The route of /v1/embeddings and /v1/completions: chosen like chat's (model prefix or
// ?provider=), then refused with a 400 when the provider does not serve the endpoint, naming
// those that do — before limits reserve anything or a byte goes upstream.
#include "api/app.h"
#include "filters/filters.h"
#include "pipeline/exchange.h"
#include "providers/api_support.h"
#include "routing/router.h"

namespace igw {

Status checkOpenAIEndpoint(Exchange& ex) {
  const OpenAIEndpoint which = ex.endpoint == Endpoint::kEmbeddings ? OpenAIEndpoint::kEmbeddings
                                                                    : OpenAIEndpoint::kCompletions;
  if (which == OpenAIEndpoint::kEmbeddings) {
    ex.target.stream = false;  // embeddings have no streamed form
    ex.info.stream = false;
  }
  if (ex.route) {  // a routing alias: every deployment must serve it, on OpenAI's shape
    for (const Deployment& d : ex.route->alias().deployments) {
      std::string_view id = d.provider->spec->id;
      const bool native_embed = which == OpenAIEndpoint::kEmbeddings && d.provider->adapter &&
                                (d.provider->spec->native == WireFormat::kGemini ||
                                 d.provider->spec->native == WireFormat::kCohere);
      if (!providerPath(id, which).empty() && !native_embed) continue;
      ex.refusal_code = "unsupported_endpoint";
      return invalidArgument(
          "model alias '" + ex.target.client_model + "' has deployment '" + d.label +
          "', which cannot serve " + std::string(clientPath(which)) +
          " through a routing alias; providers that have it: " + providersWith(which) +
          " (Google and Cohere embeddings only with *_API_FORMAT=openai)");
    }
    return Status::ok();
  }
  std::string_view id = ex.target.provider->spec->id;
  if (!providerPath(id, which).empty()) return Status::ok();
  ex.refusal_code = "unsupported_endpoint";
  return invalidArgument("provider '" + std::string(id) + "' has no " +
                         std::string(clientPath(which)) +
                         "; providers that have it: " + providersWith(which));
}

}  // namespace igw
