#include "pipeline/exchange.h"

#include "api/app.h"
#include "http/errors.h"
#include "routing/router.h"
#include "translate/anthropic_openai.h"

namespace igw {

namespace {
const Headers kJson{Header{"Content-Type", "application/json"}};
}

Exchange::Exchange(const App& a, Request& rq, Responder& rs, WorkerContext& c)
    : app(a), config(*a.config), req(rq), res(rs), ctx(c) {}

Exchange::~Exchange() = default;

net::awaitable<void> Exchange::fail(const Status& s) {
  if (api == ClientApi::kAnthropic) {
    co_await fail(httpStatus(s.code()), s.message());
    co_return;
  }
  co_await res.send(httpStatus(s.code()), kJson, errorJson(s));
}

net::awaitable<void> Exchange::fail(int http_status, std::string_view message,
                                    std::string_view code) {
  std::string body;
  if (api == ClientApi::kAnthropic) {
    body = chatErrorToMessagesError(http_status, errorJson(message, errorType(http_status), code));
  } else {
    body = errorJson(message, errorType(http_status), code);
  }
  co_await res.send(http_status, kJson, body);
}

}  // namespace igw
