// A conversation with one model through the gateway: the message history, one streamed
// completion per turn, and the local tool loop (--tools) until the model answers in text.
// Shared by `infer ask` (one turn) and `infer chat` (many).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/gateway_client.h"

namespace igw::cli {

class Interrupt;
class LocalTools;

struct ChatOptions {
  std::string model;
  std::string system;
  std::optional<int64_t> max_tokens;
  std::optional<double> temperature;
};

// --model (or the settings' model), --system, --max-tokens, --temperature, checked.
Result<ChatOptions> chatOptions(const Context& ctx);

struct TurnOutcome {
  std::optional<CliError> error;
  bool interrupted = false;
};

class Conversation {
 public:
  Conversation(ChatOptions options, const LocalTools* tools);

  // Sends `user_text` with the history; `on_text` gets the answer as it streams. On an error
  // the user's message is taken back out of the history; an interrupted answer stays in it as
  // far as it came.
  TurnOutcome send(GatewayClient& client, std::string user_text, Interrupt* interrupt,
                   const std::function<void(std::string_view)>& on_text);

  // The request body for the next completion (stream or not).
  nlohmann::json requestBody(bool stream) const;

  void addUser(std::string text);
  void clear() { messages_ = nlohmann::json::array(); }
  const std::string& model() const { return options_.model; }
  void setModel(std::string model) { options_.model = std::move(model); }
  // {"model", "messages"} (the system message first when there is one).
  nlohmann::json toJson() const;

 private:
  ChatOptions options_;
  const LocalTools* tools_;
  nlohmann::json messages_ = nlohmann::json::array();
};

}  // namespace igw::cli
