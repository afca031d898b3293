// infer ask: one question, the answer streamed to stdout (or the whole JSON with --json).
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <optional>

#include "cli/commands.h"
#include "cli/conversation.h"
#include "cli/local_tools.h"
#include "cli/terminal.h"

namespace igw::cli {

namespace {

std::string readStdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// The words of the command line, then what was piped in.
std::optional<std::string> promptOf(const Context& ctx) {
  std::string prompt;
  for (const auto& w : ctx.args.positionals) prompt += (prompt.empty() ? "" : " ") + w;
  if (!isTerminal(STDIN_FILENO)) {
    std::string piped = readStdin();
    if (!piped.empty()) prompt += (prompt.empty() ? "" : "\n\n") + piped;
  }
  if (prompt.empty()) return std::nullopt;
  return prompt;
}

int askJson(GatewayClient& client, Conversation& conv) {
  std::string body = conv.requestBody(false).dump();
  auto reply = client.call("POST", "/v1/chat/completions", std::move(body));
  if (!reply) return fail(transportError(reply.status(), client.baseUrl()));
  if (reply->status >= 400) return fail(httpError(reply->status, reply->body, true));
  writeOut(reply->body);
  if (reply->body.empty() || reply->body.back() != '\n') writeOut("\n");
  return kExitOk;
}

}  // namespace

int runAsk(Context& ctx) {
  auto options = chatOptions(ctx);
  if (!options) return usageError("ask", options.status().message());
  auto prompt = promptOf(ctx);
  if (!prompt) return usageError("ask", "nothing to ask: give a prompt or pipe one in");
  bool json = ctx.args.has("--json");
  if (json && ctx.args.has("--tools")) return usageError("ask", "--json and --tools do not mix");
  std::optional<LocalTools> tools;
  if (ctx.args.has("--tools")) tools.emplace(ctx.settings.tools);
  Conversation conv(std::move(*options), tools ? &*tools : nullptr);
  GatewayClient client = gatewayClient(ctx);
  if (json) {
    conv.addUser(std::move(*prompt));
    return askJson(client, conv);
  }
  const bool tty = isTerminal(STDOUT_FILENO);
  char last = '\n';
  auto print = [&](std::string_view text) {
    std::string safe = tty ? terminalSafe(text) : std::string(text);
    if (safe.empty()) return;
    writeOut(safe);
    last = safe.back();
  };
  TurnOutcome out = conv.send(client, std::move(*prompt), nullptr, print);
  if (last != '\n') writeOut("\n");
  if (out.error) return fail(*out.error);
  return kExitOk;
}

}  // namespace igw::cli
