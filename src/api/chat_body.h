// What the chat route needs from a request body, found without a DOM, and the in-place splice
// that forwards the body with only the model renamed (and usage requested when streaming).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

struct ChatBodyInfo {
  std::string model;       // decoded value of "model"
  bool stream = false;     // "stream": true
  size_t model_begin = 0;  // span of the model *value* (including quotes)
  size_t model_end = 0;
  bool has_stream_options = false;
  bool stream_options_is_object = false;
  bool include_usage_set = false;   // stream_options.include_usage present (any value)
  size_t stream_options_begin = 0;  // span of the stream_options value
  size_t messages = 0;              // elements of "messages" (when an array)
  size_t input_items = 0;           // elements of "input" (when an array: Responses API items)
  size_t json_values = 0;           // values in the whole body: the cost of its DOM
};

// Validates the whole body and extracts routing fields. 400-class errors say what to fix:
// not JSON, not an object, missing/empty/non-string model, non-boolean stream.
Result<ChatBodyInfo> inspectChatBody(std::string_view body);

// What a request whose body is translated (native providers, /v1/messages, the agent loop) may
// cost: CHAT_MAX_MESSAGES and CHAT_MAX_JSON_VALUES. 400 naming the limit.
Status checkTranslationLimits(const ChatBodyInfo& info, size_t max_messages, size_t max_values);

// Returns the body to send upstream: the model value replaced by `upstream_model` and, when
// `request_usage`, stream_options.include_usage=true added unless the client set it already.
// Every other byte is preserved, unknown fields included.
std::string rewriteChatBody(std::string_view body, const ChatBodyInfo& info,
                            std::string_view upstream_model, bool request_usage);

}  // namespace igw
