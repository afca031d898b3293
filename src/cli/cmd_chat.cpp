// infer chat: an interactive conversation. Lines ending in '\' and """ blocks make multi-line
// messages; /model, /tools, /clear, /save and /exit act on the session; Ctrl-C stops an answer.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include "cli/commands.h"
#include "cli/conversation.h"
#include "cli/gateway_tools.h"
#include "cli/interrupt.h"
#include "cli/line_reader.h"
#include "cli/local_tools.h"
#include "cli/terminal.h"

namespace igw::cli {

namespace {

constexpr const char* kHelp =
    "/model [NAME]  show or switch the model\n"
    "/tools         the tools the gateway offers (and the local ones with --tools)\n"
    "/clear         forget the conversation so far\n"
    "/save FILE     write the conversation to FILE (JSON)\n"
    "/exit          leave (Ctrl-D too)\n"
    "End a line with \\ to go on with the next one; \"\"\" on its own line starts and ends a "
    "block.\nCtrl-C stops an answer.\n";

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return {};
  size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

class ChatLoop {
 public:
  ChatLoop(Conversation& conv, GatewayClient& client, const LocalTools* tools)
      : conv_(conv), client_(client), tools_(tools), reader_(STDIN_FILENO, interrupt_) {}

  int run() {
    writeOut("infer chat with " + conv_.model() + " (/help for commands, Ctrl-D to leave)\n");
    while (true) {
      std::string message;
      LineStatus st = readMessage(message);
      if (st == LineStatus::kEof) break;
      if (st == LineStatus::kInterrupted) {
        writeOut("\n");
        continue;
      }
      std::string text = trim(message);
      if (text.empty()) continue;
      if (text[0] == '/' && text.find('\n') == std::string::npos) {
        if (!command(text)) break;
        continue;
      }
      answer(message);
    }
    if (tty_) writeOut("\n");
    return kExitOk;
  }

 private:
  void prompt(const char* p) {
    if (tty_) writeOut(p);
  }

  // One message: a line, lines joined by a trailing '\', or a """ block.
  LineStatus readMessage(std::string& message) {
    prompt("> ");
    std::string line;
    LineStatus st = reader_.read(line);
    if (st != LineStatus::kLine) return st;
    if (trim(line) == "\"\"\"") {
      while (true) {
        prompt(". ");
        st = reader_.read(line);
        if (st != LineStatus::kLine) return st == LineStatus::kEof ? LineStatus::kLine : st;
        if (trim(line) == "\"\"\"") return LineStatus::kLine;
        message += (message.empty() ? "" : "\n") + line;
      }
    }
    while (!line.empty() && line.back() == '\\') {
      line.pop_back();
      message += line + "\n";
      prompt(". ");
      st = reader_.read(line);
      if (st != LineStatus::kLine) return st == LineStatus::kEof ? LineStatus::kLine : st;
    }
    message += line;
    return LineStatus::kLine;
  }

  void answer(const std::string& message) {
    char last = '\n';
    auto print = [&](std::string_view text) {
      std::string safe = tty_ ? terminalSafe(text) : std::string(text);
      if (safe.empty()) return;
      writeOut(safe);
      last = safe.back();
    };
    interrupt_.clear();
    TurnOutcome out = conv_.send(client_, message, &interrupt_, print);
    interrupt_.clear();
    if (last != '\n') writeOut("\n");
    if (out.interrupted) writeOut("[stopped]\n");
    if (out.error) std::fprintf(stderr, "infer: %s\n", out.error->message.c_str());
  }

  // False to leave.
  bool command(const std::string& text) {
    size_t space = text.find(' ');
    std::string name = text.substr(0, space);
    std::string arg = space == std::string::npos ? std::string() : trim(text.substr(space + 1));
    if (name == "/exit" || name == "/quit") return false;
    if (name == "/help") {
      writeOut(kHelp);
    } else if (name == "/model") {
      if (!arg.empty()) conv_.setModel(arg);
      writeOut("model: " + conv_.model() + "\n");
    } else if (name == "/clear") {
      conv_.clear();
      writeOut("conversation cleared\n");
    } else if (name == "/save") {
      save(arg);
    } else if (name == "/tools") {
      listTools();
    } else {
      writeOut("unknown command " + terminalSafe(name) + " (/help lists them)\n");
    }
    return true;
  }

  void save(const std::string& path) {
    if (path.empty()) {
      writeOut("/save needs a file name\n");
      return;
    }
    nlohmann::json j = conv_.toJson();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out.flush()) {
      writeOut("cannot write " + path + "\n");
      return;
    }
    writeOut("saved " + std::to_string(j["messages"].size()) + " messages to " + path + "\n");
  }

  void listTools() {
    auto replies = client_.getAll({"/v1/mcp/tools", "/v1/a2a/agents"});
    std::string out = mcpText(listingOf(replies[0])) + a2aText(listingOf(replies[1]));
    out += tools_ != nullptr ? "Local tools\n" + tools_->describe()
                             : std::string("Local tools off (infer chat --tools)\n");
    writeOut(terminalSafe(out));
  }

  Conversation& conv_;
  GatewayClient& client_;
  const LocalTools* tools_;
  Interrupt interrupt_;
  LineReader reader_;
  bool tty_ = isTerminal(STDIN_FILENO) && isTerminal(STDOUT_FILENO);
};

}  // namespace

int runChat(Context& ctx) {
  if (!ctx.args.positionals.empty()) {
    return usageError("chat", "unexpected argument '" + ctx.args.positionals[0] + "'");
  }
  auto options = chatOptions(ctx);
  if (!options) return usageError("chat", options.status().message());
  std::optional<LocalTools> tools;
  if (ctx.args.has("--tools")) tools.emplace(ctx.settings.tools);
  Conversation conv(std::move(*options), tools ? &*tools : nullptr);
  GatewayClient client = gatewayClient(ctx);
  ChatLoop loop(conv, client, tools ? &*tools : nullptr);
  return loop.run();
}

}  // namespace igw::cli
