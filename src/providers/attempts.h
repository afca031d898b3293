// The commit point of the provider call path: everything that happens before the first byte of
// an answer reaches the client. For a provider/model request that is one attempt. For a routing
// alias (ex.route) the plan picks a deployment, the call is started, and a failure the alias's
// rules cover (connect error, timeout before the response head, 429, 5xx) is tried again — on
// the next healthy deployment at once, or on one already tried after a jittered backoff (or its
// Retry-After, up to max_retry_after), within the alias's deadline. Streams included: nothing
// has been written to the client until an attempt commits.
#pragma once

#include <functional>
#include <optional>

#include "core/status.h"
#include "net/asio.h"
#include "net/upstream.h"
#include "providers/call.h"

namespace igw {

class Exchange;
struct ProviderEntry;

// Builds the upstream request for one attempt on `provider` (called once per attempt; for a
// routed request ex.target points at the deployment being tried).
using BuildAttempt = std::function<Result<UpstreamRequest>(const ProviderEntry& provider)>;

// On ok, `call` holds the response to deliver: a success, or the last attempt's provider error
// (relay it with its status). On an error nothing came back worth relaying: answer the Status
// (its message names the provider; for a routed request the failure of the last attempt).
// Routed requests also get X-Selected-Provider, X-Selected-Model and, after more than one
// attempt, X-Attempted-Deployments on their answer.
net::awaitable<Status> startAttempts(Exchange& ex, std::optional<ProviderCall>& call,
                                     const BuildAttempt& build);

// The byte-for-byte routes' whole provider call: startAttempts, then the answer relayed as the
// provider sent it (usage read on the side in `usage` format), or the error in the client's
// API shape. Frees the client's body (ex.req.body) once no attempt can need it.
net::awaitable<void> relayAttempts(Exchange& ex, const BuildAttempt& build, UsageFormat usage);

// After the answer was delivered (or failed midway): frees the routed deployment's in-flight
// slot and records its time to first token for least_latency. No-op for other requests.
void finishAttempt(Exchange& ex);

// Calls finishAttempt when the delivering scope ends, however it ends.
struct AttemptScope {
  Exchange& ex;
  ~AttemptScope() { finishAttempt(ex); }
};

}  // namespace igw
