#include "providers/request.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "api/app.h"
#include "api/chat_body.h"
#include "core/ids.h"
#include "core/json_parse.h"
#include "pipeline/exchange.h"
#include "providers/table.h"

namespace igw {

namespace {

// The client asked for usage on its stream unless it said include_usage: false.
bool wantsUsage(const nlohmann::json& doc) {
  auto so = doc.find("stream_options");
  if (so == doc.end() || !so->is_object()) return true;
  auto iu = so->find("include_usage");
  return iu == so->end() || !iu->is_boolean() || iu->get<bool>();
}

}  // namespace

void addUpstreamHeaders(const Exchange& ex, const ProviderEntry& p, Headers& headers) {
  headers.push_back({"X-Request-Id", ex.info.request_id});
  if (!ex.info.traceparent.empty()) headers.push_back({"traceparent", ex.info.traceparent});
  // Model calls made by the agent loop say so: when the "provider" is another gateway, it must
  // not run MCP/A2A tools a second time.
  if (ex.info.agent_iterations > 0) {
    headers.push_back({"X-MCP-Bypass", "true"});
    headers.push_back({"X-A2A-Bypass", "true"});
  }
  ProviderTable::addAuth(p, headers, ex.credential);
}

Result<UpstreamRequest> buildChatRequest(Exchange& ex, const ProviderEntry& p, ChatTurn& turn,
                                         const ChatBodyInfo& info, TranslateContext& tctx) {
  const std::string& model = ex.target.upstream_model;
  UpstreamRequest up;
  up.method = "POST";
  up.stream = info.stream;
  up.headers.reserve(8);
  up.headers.push_back({"Content-Type", "application/json"});
  up.headers.push_back({"Accept", info.stream ? "text/event-stream" : "application/json"});

  if (!p.adapter) {
    up.url = ProviderTable::operationUrl(p, p.spec->chat_path, model);
    // Ask for usage on streams so token accounting works even when the client did not.
    up.body = rewriteChatBody(turn.body, info, model, info.stream);
    std::string().swap(turn.body);
    addUpstreamHeaders(ex, p, up.headers);
    return up;
  }

  const RequestLimitsConfig& limits = ex.config.limits;
  if (Status s =
          checkTranslationLimits(info, limits.chat_max_messages, limits.chat_max_json_values);
      !s) {
    return s;
  }
  auto parsed = parseJson(turn.body);
  if (!parsed.ok() || !parsed.value.is_object()) {  // inspectChatBody accepted it: unexpected
    return jsonStatus(parsed, Code::kInvalidArgument, "request body");
  }
  nlohmann::json doc = std::move(parsed.value);
  // The request lives in the DOM, then in the native body only: the client's text and its DOM
  // (together several times the body's size) are not kept for the whole upstream exchange.
  std::string().swap(turn.body);
  doc["model"] = model;
  auto native = p.adapter->buildRequest(doc, info.stream);
  if (!native) return native.status();
  if (native->body.size() > limits.chat_max_translated_bytes) {
    return invalidArgument(
        "the request translated for " + std::string(p.spec->id) + " is " +
        std::to_string(native->body.size()) + " bytes; this gateway sends at most " +
        std::to_string(limits.chat_max_translated_bytes) + " (CHAT_MAX_TRANSLATED_SIZE)");
  }
  tctx.model = model;
  tctx.response_id = "chatcmpl-" + ex.ctx.ids.hex(12);
  tctx.created = static_cast<int64_t>(std::time(nullptr));
  tctx.include_usage = info.stream && wantsUsage(doc);
  doc = nlohmann::json();

  up.method = native->method;
  up.url = ProviderTable::endpoint(p, native->path);
  for (auto& h : native->headers) up.headers.push_back(std::move(h));
  addUpstreamHeaders(ex, p, up.headers);
  up.body = std::move(native->body);
  return up;
}

}  // namespace igw
