// OpenAI-shaped error answers for endpoints that do not call a model (listings, the metrics
// port). Model-calling endpoints answer through Exchange::fail and chat sinks, which shape
// errors for the client's API.
#pragma once

#include <string_view>

#include "core/status.h"
#include "http/responder.h"
#include "net/asio.h"

namespace igw {

net::awaitable<void> respondError(Responder& res, const Status& status);
net::awaitable<void> respondError(Responder& res, int http_status, std::string_view message,
                                  std::string_view code = {});

}  // namespace igw
