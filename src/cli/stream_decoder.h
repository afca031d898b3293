// Reads an OpenAI chat-completion stream (SSE "data: {chunk}" events, then "data: [DONE]") as it
// arrives: hands out the text as it comes and assembles the whole assistant turn (text, tool
// calls) and the error event a failing provider sends mid-stream.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/sse.h"

namespace igw::cli {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text
};

struct AssistantTurn {
  std::string text;
  std::vector<ToolCall> tool_calls;
  std::string finish_reason;
  std::string error;  // the message of an error event, empty when none
  bool done = false;  // [DONE] seen
};

class StreamDecoder {
 public:
  explicit StreamDecoder(std::function<void(std::string_view)> on_text)
      : on_text_(std::move(on_text)) {}

  // Feeds body bytes in any split.
  void feed(std::string_view bytes);
  // At the end of the body.
  void finish();

  const AssistantTurn& turn() const { return turn_; }
  AssistantTurn& turn() { return turn_; }

 private:
  void onData(std::string_view data);

  std::function<void(std::string_view)> on_text_;
  SseParser parser_;
  AssistantTurn turn_;
};

}  // namespace igw::cli
