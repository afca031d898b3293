// POST /v1/completions: OpenAI's legacy text completions, byte for byte to the providers that
// serve them (providers/api_support.cpp), streams included (relayed as they arrive, usage read
// on the side).
#include "api/app.h"
#include "api/openai_relay.h"

namespace igw {

net::awaitable<void> handleCompletions(Exchange& ex) {
  co_await relayOpenAIEndpoint(ex, OpenAIEndpoint::kCompletions);
}

}  // namespace igw
