// infer: the command-line client of the gateway. Dispatches to one command (cli/commands.h).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/version.h"

namespace {

using namespace igw::cli;

void printUsage() {
  std::printf(
      "infer %s: the command-line client of the inference gateway\n\n"
      "Usage: infer [--gateway URL] [--api-key KEY] [--model MODEL] COMMAND [options]\n\n"
      "Commands:\n",
      igw::kVersion);
  for (const auto& c : commands()) {
    std::printf("  %-11s %s\n", std::string(c.name).c_str(), std::string(c.summary).c_str());
  }
  std::printf(
      "\nOptions for every command:\n"
      "  --gateway URL     the gateway (INFER_GATEWAY_URL; default %s)\n"
      "  --api-key KEY     the credential sent as Authorization: Bearer (INFER_API_KEY)\n"
      "  --admin-key KEY   the admin credential for keys and spend (INFER_ADMIN_KEY)\n"
      "  --model MODEL     provider/model (INFER_MODEL)\n"
      "  --config FILE     the configuration file (INFER_CONFIG)\n"
      "  -h, --help        help for the command\n\n"
      "Exit codes: 0 ok, 1 error, 2 usage or configuration, 3 gateway unreachable,\n"
      "4 unauthorized (401), 5 forbidden (403), 6 unknown model, 7 provider or gateway\n"
      "failure (5xx), 130 interrupted.\n\n"
      "`infer COMMAND --help` describes each command.\n",
      kDefaultGatewayUrl);
}

int dispatch(const std::vector<std::string>& argv) {
  // The command is the first word that is not a global option or its value.
  size_t at = 0;
  const auto& global = globalOptions();
  while (at < argv.size() && argv[at].rfind("-", 0) == 0) {
    const std::string& a = argv[at];
    if (a == "--version") {
      std::printf("infer %s\n", igw::kVersion);
      return kExitOk;
    }
    bool takes_value =
        a.find('=') == std::string::npos &&
        std::find(global.with_value.begin(), global.with_value.end(), a) != global.with_value.end();
    at += takes_value ? 2 : 1;
  }
  if (at >= argv.size()) {
    bool help = false;
    for (const auto& a : argv) help = help || a == "--help" || a == "-h";
    printUsage();
    return help ? kExitOk : kExitUsage;
  }
  std::string name = argv[at];
  if (name == "help") {
    const Command* c = at + 1 < argv.size() ? findCommand(argv[at + 1]) : nullptr;
    if (c == nullptr) {
      printUsage();
    } else {
      std::fputs(std::string(c->help).c_str(), stdout);
    }
    return kExitOk;
  }
  const Command* cmd = findCommand(name);
  if (cmd == nullptr) return usageError("", "unknown command '" + name + "'");
  std::vector<std::string> rest(argv.begin(), argv.begin() + static_cast<long>(at));
  rest.insert(rest.end(), argv.begin() + static_cast<long>(at) + 1, argv.end());
  auto args = parseArgs(rest, cmd->options);
  if (!args) return usageError(name, args.status().message());
  if (args->has("--help")) {
    std::fputs(std::string(cmd->help).c_str(), stdout);
    return kExitOk;
  }
  auto settings = loadSettings(*args);
  if (!settings) return fail({kExitUsage, settings.status().message()});
  Context ctx{*args, std::move(*settings)};
  return cmd->run(ctx);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const std::exception& e) {
    return fail({kExitError, std::string("unexpected failure: ") + e.what()});
  }
}
