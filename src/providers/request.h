// Building upstream requests, in one place: for (provider, request, credentials) the URL, the
// body in the provider's wire format and the headers — content type and accept, the request id
// and trace context, the agent loop's bypass marks and the provider credentials chosen for this
// request (Exchange::credential, else the provider's key). Never the client's own credentials.
#pragma once

#include "core/status.h"
#include "net/upstream.h"
#include "pipeline/chat_sink.h"
#include "translate/translator.h"

namespace igw {

class Exchange;
struct ProviderEntry;

// Headers every upstream request of `ex` carries (request id, traceparent, loop marks) and the
// credentials. `headers` may already hold route-specific ones (anthropic-version is kept).
void addUpstreamHeaders(const Exchange& ex, const ProviderEntry& p, Headers& headers);

// An OpenAI chat request (turn.body, already inspected as ex.body describes when `info` is
// given) for ex.target: spliced for OpenAI-compatible providers (only the model renamed and
// usage requested on streams), translated by the adapter for native ones — then `tctx` is
// filled for translating the answer back. Consumes turn.body. 400 with a message for what the
// provider cannot express or what exceeds the translation limits.
Result<UpstreamRequest> buildChatRequest(Exchange& ex, const ProviderEntry& p, ChatTurn& turn,
                                         const ChatBodyInfo& info, TranslateContext& tctx);

}  // namespace igw
