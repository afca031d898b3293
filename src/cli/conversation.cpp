#include "cli/conversation.h"

#include <charconv>
#include <cstdlib>

#include "cli/interrupt.h"
#include "cli/local_tools.h"
#include "cli/stream_decoder.h"

namespace igw::cli {

using nlohmann::json;

namespace {

constexpr int kMaxToolRounds = 10;

json assistantMessage(const AssistantTurn& turn) {
  json m = {{"role", "assistant"}};
  m["content"] = turn.text.empty() && !turn.tool_calls.empty() ? json(nullptr) : json(turn.text);
  if (!turn.tool_calls.empty()) {
    json calls = json::array();
    for (const auto& c : turn.tool_calls) {
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
    m["tool_calls"] = std::move(calls);
  }
  return m;
}

}  // namespace

Result<ChatOptions> chatOptions(const Context& ctx) {
  ChatOptions o;
  o.model = ctx.settings.model;
  if (o.model.empty()) {
    return invalidArgument(
        "no model: give --model provider/model, set INFER_MODEL or run `infer init --model ...` "
        "(`infer models` lists them)");
  }
  o.system = ctx.args.value("--system");
  if (ctx.args.given("--max-tokens")) {
    std::string v = ctx.args.value("--max-tokens");
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n <= 0) {
      return invalidArgument("--max-tokens must be a positive integer, not '" + v + "'");
    }
    o.max_tokens = n;
  }
  if (ctx.args.given("--temperature")) {
    std::string v = ctx.args.value("--temperature");
    char* end = nullptr;
    double t = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !(t >= 0 && t <= 2)) {
      return invalidArgument("--temperature must be a number from 0 to 2, not '" + v + "'");
    }
    o.temperature = t;
  }
  return o;
}

Conversation::Conversation(ChatOptions options, const LocalTools* tools)
    : options_(std::move(options)), tools_(tools) {}

void Conversation::addUser(std::string text) {
  messages_.push_back({{"role", "user"}, {"content", std::move(text)}});
}

json Conversation::toJson() const {
  json all = json::array();
  if (!options_.system.empty()) all.push_back({{"role", "system"}, {"content", options_.system}});
  for (const auto& m : messages_) all.push_back(m);
  return {{"model", options_.model}, {"messages", std::move(all)}};
}

json Conversation::requestBody(bool stream) const {
  json body = toJson();
  body["stream"] = stream;
  if (options_.max_tokens) body["max_tokens"] = *options_.max_tokens;
  if (options_.temperature) body["temperature"] = *options_.temperature;
  if (tools_ != nullptr) body["tools"] = tools_->definitions();
  return body;
}

TurnOutcome Conversation::send(GatewayClient& client, std::string user_text, Interrupt* interrupt,
                               const std::function<void(std::string_view)>& on_text) {
  const size_t before = messages_.size();
  addUser(std::move(user_text));
  TurnOutcome out;
  for (int round = 0; round < kMaxToolRounds; ++round) {
    StreamDecoder decoder(on_text);
    std::string body = requestBody(true).dump(-1, ' ', false, json::error_handler_t::replace);
    auto end = client.stream(
        "/v1/chat/completions", std::move(body),
        [&decoder](std::string_view bytes) { decoder.feed(bytes); }, interrupt);
    decoder.finish();
    AssistantTurn& turn = decoder.turn();
    if (end && end->interrupted) {
      out.interrupted = true;
      turn.tool_calls.clear();
      if (!turn.text.empty()) messages_.push_back(assistantMessage(turn));
      return out;
    }
    if (!end) {
      out.error = end.status().code() == Code::kInvalidArgument
                      ? CliError{kExitUsage, end.status().message()}
                      : transportError(end.status(), client.baseUrl());
    } else if (end->status >= 400) {
      out.error = httpError(end->status, end->error_body, true);
    } else if (!turn.error.empty()) {
      out.error = CliError{kExitUpstream, "the answer failed midway: " + turn.error};
    }
    if (out.error) {
      messages_.erase(messages_.begin() + static_cast<long>(before), messages_.end());
      return out;
    }
    messages_.push_back(assistantMessage(turn));
    if (turn.tool_calls.empty() || tools_ == nullptr) return out;
    for (const auto& call : turn.tool_calls) {
      std::string result = tools_->run(call);
      if (interrupt != nullptr && interrupt->pending()) {
        interrupt->clear();
        out.interrupted = true;
        messages_.erase(messages_.begin() + static_cast<long>(before), messages_.end());
        return out;
      }
      messages_.push_back({{"role", "tool"}, {"tool_call_id", call.id}, {"content", result}});
    }
  }
  out.error = CliError{kExitError, "the model kept calling tools (" +
                                       std::to_string(kMaxToolRounds) + " rounds): stopped"};
  return out;
}

}  // namespace igw::cli
