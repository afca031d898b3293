// Validation of the client-supplied tail of a /proxy/{provider}/... URL, so that a request can
// never leave the provider's base URL.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

// `tail` is everything after "/proxy/{provider}" and before '?', e.g. "/chat/completions".
// Returns the path to append to the base URL (unchanged bytes) or a 400 explaining the refusal:
// dot segments (also percent-encoded), encoded slashes or backslashes, backslashes, control
// characters, embedded URLs ("scheme://"), and malformed percent escapes.
Result<std::string> sanitizeProxyPath(std::string_view tail);

// "{provider}/{path...}" of a proxy route: what follows "/proxy/" or its alias "/v1/proxy/" (the
// Go project's TypeScript SDK builds proxy URLs under its /v1 base). Empty for any other path.
std::string_view proxyRoutePart(std::string_view path);

}  // namespace igw
