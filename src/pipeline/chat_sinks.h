// The client-facing chat sinks: what a model call's OpenAI-shaped answer becomes on the wire
// for the client's API. OpenAI clients get it as it is (a streamed event's bytes exactly as the
// provider sent them); Anthropic Messages clients get messages, error envelopes and Anthropic
// events (translate/anthropic_openai.h); Responses API clients get Response objects and
// Responses events, errors as OpenAI error objects (translate/responses_openai.h).
#pragma once

#include <memory>

#include "pipeline/chat_sink.h"

namespace igw {

class Exchange;

// The sink for the client of `ex` (by ex.api). `client_model` is the model string the client
// asked for (Anthropic messages echo it).
std::unique_ptr<ChatSink> makeClientSink(Exchange& ex, std::string client_model);

// The Responses API client's sink (ClientApi::kResponses). `echo`: the request settings the
// Response object repeats (responsesToChatRequest).
std::unique_ptr<ChatSink> makeResponsesSink(Exchange& ex, std::string client_model,
                                            std::string echo);

}  // namespace igw
