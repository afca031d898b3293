// One chat model call on the provider call path: build the upstream request for ex.target,
// start it, then deliver the answer (OpenAI-shaped: translated back for native providers) to
// the sink. The last step of every model call, after the filters that wrap model calls.
#pragma once

#include "net/asio.h"

namespace igw {

class Exchange;
class ChatSink;
struct ChatTurn;

net::awaitable<void> callChatProvider(Exchange& ex, ChatTurn& turn, ChatSink& sink);

}  // namespace igw
