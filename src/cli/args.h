// Command-line options of one `infer` command: "--name value", "--name=value", boolean
// "--flag", "-h", positionals, and "--" ending the options.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace igw::cli {

struct OptionSpec {
  std::vector<std::string_view> with_value;  // "--model", ...
  std::vector<std::string_view> flags;       // "--json", ...
};

struct Args {
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> flags;
  std::vector<std::string> positionals;

  bool has(std::string_view flag) const { return flags.contains(flag); }
  // The option's value, or `fallback` when absent.
  std::string value(std::string_view name, std::string fallback = {}) const;
  bool given(std::string_view name) const { return values.contains(name); }
};

// The options every command takes (--gateway, --api-key, --admin-key, --model, --config,
// --help) are accepted on top of `spec`. An unknown option is an kInvalidArgument naming it.
Result<Args> parseArgs(std::span<const std::string> argv, const OptionSpec& spec);

// The global options, for help texts and completion scripts.
const OptionSpec& globalOptions();

}  // namespace igw::cli
