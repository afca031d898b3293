// The byte-for-byte relay of OpenAI API requests other than chat (embeddings, legacy text
// completions, the Responses API) to providers that serve them in OpenAI's shape: only "model"
// is renamed (and, on chat-like streams, usage requested as chat does), the answer goes back as
// the provider sent it, and usage is read on the side for metrics, limits and budgets.
#pragma once

#include "net/asio.h"
#include "providers/api_support.h"

namespace igw {

class Exchange;

// The route filter has chosen the provider and checked that it has `which`
// (filters/route_api.cpp).
net::awaitable<void> relayOpenAIEndpoint(Exchange& ex, OpenAIEndpoint which);

}  // namespace igw
