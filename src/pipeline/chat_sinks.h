// The client-facing chat sinks: what a model call's OpenAI-shaped answer becomes on the wire
// for the client's API. OpenAI clients get it as it is (a streamed event's bytes exactly as the
// provider sent them); Anthropic Messages clients get messages, error envelopes and Anthropic
// events (translate/anthropic_openai.h).
#pragma once

#include <memory>

#include "pipeline/chat_sink.h"

namespace igw {

class Exchange;

// The sink for the client of `ex` (by ex.api). `client_model` is the model string the client
// asked for (Anthropic messages echo it).
std::unique_ptr<ChatSink> makeClientSink(Exchange& ex, std::string client_model);

}  // namespace igw
