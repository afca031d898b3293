// One client connection: the session coroutine that reads requests (limits, deadlines, RFC
// 9112 framing), hands each to the handler as a Responder, writes the response (bodies, chunked
// or close-delimited streams) and watches for the client leaving. Internal to net/.
#pragma once

#include "core/config.h"
#include "core/log.h"
#include "net/beast.h"
#include "net/server.h"
#include "net/worker.h"

namespace igw::detail {

// Serves one accepted connection until it closes; runs on the worker that owns it (the session,
// and its Deadline in that worker's sweeper, are built there, never on the acceptor's thread).
net::awaitable<void> serveConnection(Worker& w, net::tcp::socket sock, net::ssl::context* tls,
                                     const ServerConfig& cfg, const Handler& handler,
                                     const Logger& log);

}  // namespace igw::detail
