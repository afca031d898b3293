// infer init: writes the configuration file from the flags and the environment.
#include <filesystem>

#include "cli/commands.h"
#include "cli/terminal.h"

namespace igw::cli {

namespace {

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

}  // namespace

int runInit(Context& ctx) {
  if (!ctx.args.positionals.empty()) {
    return usageError("init", "unexpected argument '" + ctx.args.positionals[0] + "'");
  }
  Settings& s = ctx.settings;
  std::error_code ec;
  if (std::filesystem::exists(s.config_path, ec) && !ctx.args.has("--force")) {
    return fail({kExitUsage, s.config_path + " exists already: `infer init --force` replaces it"});
  }
  if (ctx.args.given("--allow-command")) {
    s.tools.allowed_commands = splitList(ctx.args.value("--allow-command"));
  }
  if (ctx.args.has("--no-confirm")) s.tools.confirm = false;
  if (Status st = saveSettings(s); !st) return fail({kExitError, st.message()});
  std::string out = "wrote " + s.config_path + "\n";
  out += "  gateway_url  " + s.gateway_url + "\n";
  out += std::string("  api_key      ") + (s.api_key.empty() ? "(none)" : "(set)") + "\n";
  out += "  model        " + (s.model.empty() ? std::string("(none)") : s.model) + "\n";
  writeOut(out);
  return kExitOk;
}

}  // namespace igw::cli
