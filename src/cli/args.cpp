#include "cli/args.h"

#include <algorithm>

namespace igw::cli {

namespace {

bool listed(const std::vector<std::string_view>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

const OptionSpec& globalOptions() {
  static const OptionSpec kGlobal{{"--gateway", "--api-key", "--admin-key", "--model", "--config"},
                                  {"--help"}};
  return kGlobal;
}

std::string Args::value(std::string_view name, std::string fallback) const {
  auto it = values.find(name);
  return it == values.end() ? std::move(fallback) : it->second;
}

Result<Args> parseArgs(std::span<const std::string> argv, const OptionSpec& spec) {
  const OptionSpec& global = globalOptions();
  Args out;
  bool options_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-' || a == "-") {
      out.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h") {
      out.flags.insert("--help");
      continue;
    }
    std::string name = a;
    std::string inline_value;
    bool has_inline = false;
    if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
      has_inline = true;
    }
    if (listed(spec.with_value, name) || listed(global.with_value, name)) {
      if (has_inline) {
        out.values[name] = inline_value;
      } else if (i + 1 < argv.size()) {
        out.values[name] = argv[++i];
      } else {
        return invalidArgument("option " + name + " needs a value");
      }
      continue;
    }
    if (listed(spec.flags, name) || listed(global.flags, name)) {
      if (has_inline) return invalidArgument("option " + name + " takes no value");
      out.flags.insert(name);
      continue;
    }
    return invalidArgument("unknown option " + name);
  }
  return out;
}

}  // namespace igw::cli
