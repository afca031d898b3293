#include "api/respond.h"

#include "http/errors.h"

namespace igw {

namespace {
const Headers kJson{Header{"Content-Type", "application/json"}};
}

net::awaitable<void> respondError(Responder& res, const Status& status) {
  co_await res.send(httpStatus(status.code()), kJson, errorJson(status));
}

net::awaitable<void> respondError(Responder& res, int http_status, std::string_view message,
                                  std::string_view code) {
  co_await res.send(http_status, kJson, errorJson(message, errorType(http_status), code));
}

}  // namespace igw
