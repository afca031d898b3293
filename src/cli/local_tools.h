// The tools `--tools` gives the model, run on the user's machine: read_file (files under the
// current directory only) and run_command (programs named in the configuration's
// tools.allowed_commands, no shell). Each run is shown on stderr and, unless tools.confirm is
// false, asked for on the terminal first.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/settings.h"
#include "cli/stream_decoder.h"

namespace igw::cli {

class LocalTools {
 public:
  explicit LocalTools(ToolSettings settings);

  // The OpenAI "tools" array describing them.
  nlohmann::json definitions() const;
  // One line per tool, for /tools.
  std::string describe() const;

  // Runs (or refuses) one call; the text goes back to the model as the tool's result.
  std::string run(const ToolCall& call) const;

 private:
  std::string readFile(const std::string& path) const;
  std::string runCommand(const std::string& command) const;
  bool approved(const std::string& what) const;

  ToolSettings settings_;
  std::string root_;  // the current directory, canonical
};

}  // namespace igw::cli
