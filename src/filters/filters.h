// The gateway's filters and the chain they form. The order is fixed here, in one place:
//
//   request_id  request id, trace context               (every route)
//   telemetry   in-flight gauge, request metrics, access log (onComplete)
//   auth        the caller's credential -> Identity (AUTH_ENABLED; every route but /health)
//   route       the body's model -> provider and upstream model (chat, messages, embeddings,
//               completions, images, audio, proxy)
//   model_allowlist  ALLOWED_MODELS / DISALLOWED_MODELS on every route that names a model
//   key_models  a gateway key's own model patterns (AUTH_ENABLED)
//   limits      per-key and per-team limits and budgets; the spend log (AUTH_ENABLED)
//   [cache, routing pools: next issues]
//   tool_loop   the MCP/A2A agent loop around model calls (chat, messages)
//
// then the endpoint (api/) and the provider call (providers/call.h). See docs/filters.md.
#pragma once

#include "core/config.h"
#include "pipeline/chain.h"

namespace igw {

class ToolRegistry;

FilterChain buildFilterChain(const Config& config, const ToolRegistry* tools);

std::unique_ptr<Filter> makeRequestIdFilter(const Config& config);
std::unique_ptr<Filter> makeTelemetryFilter(const Config& config);
std::unique_ptr<Filter> makeRouteFilter(const Config& config);
std::unique_ptr<Filter> makeModelAllowListFilter(const Config& config);
// Null when AUTH_ENABLED is off.
std::unique_ptr<Filter> makeAuthFilter(const Config& config);
std::unique_ptr<Filter> makeKeyModelsFilter(const Config& config);
// Null when AUTH_ENABLED is off (limits belong to keys and teams).
std::unique_ptr<Filter> makeLimitsFilter(const Config& config);
// Null when no tool source is configured.
std::unique_ptr<Filter> makeToolLoopFilter(const Config& config, const ToolRegistry* tools);

// After the route of /v1/embeddings or /v1/completions is chosen: 400 naming the providers
// that have the endpoint when the chosen one does not (filters/route_api.cpp).
Status checkOpenAIEndpoint(Exchange& ex);

// The route of /v1/images/* and /v1/audio/* (filters/route_media.cpp): 404 when ENABLE_IMAGES /
// ENABLE_AUDIO is off; the model from the JSON body or the multipart "model" field, then as
// chat's (model prefix, ?provider=, routing alias); 400 naming the providers that have the
// endpoint when the chosen one does not.
Status routeMedia(Exchange& ex);

// The provider and upstream model for a request whose routing fields are `body`: routing alias,
// else the model prefix or ?provider= (filters/route.cpp). Sets ex.target, ex.info, ex.body.
Status routeByBody(Exchange& ex, ChatBodyInfo body);

// True when `ex` would be offered MCP/A2A tools (sources up, not bypassed by X-MCP-Bypass /
// X-A2A-Bypass). /v1/messages to Anthropic goes byte for byte only when this is false.
bool offersGatewayTools(const Exchange& ex);

}  // namespace igw
