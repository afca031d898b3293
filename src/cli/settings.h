// Where `infer` finds the gateway and its credentials, lowest priority first: the
// configuration file ($XDG_CONFIG_HOME/infer/config.json, else ~/.config/infer/config.json;
// --config or INFER_CONFIG name another), the environment (INFER_GATEWAY_URL, INFER_API_KEY,
// INFER_ADMIN_KEY, INFER_MODEL), then the flags (--gateway, --api-key, --admin-key, --model).
//
// The file is JSON:
//   {"gateway_url": "http://localhost:8080", "api_key": "sk-igw-...", "model": "openai/gpt-4o",
//    "admin_key": "...", "tools": {"allowed_commands": ["ls", "git"], "confirm": true}}
#pragma once

#include <string>
#include <vector>

#include "cli/args.h"
#include "core/status.h"

namespace igw::cli {

inline constexpr const char* kDefaultGatewayUrl = "http://localhost:8080";

struct ToolSettings {
  std::vector<std::string> allowed_commands;  // program names run_command may start
  bool confirm = true;                        // ask before each tool run
};

struct Settings {
  std::string config_path;  // the file read (or that `infer init` writes)
  bool config_found = false;
  std::string gateway_url = kDefaultGatewayUrl;
  std::string api_key;
  std::string admin_key;
  std::string model;
  ToolSettings tools;
};

// The configuration file's path for this environment (it may not exist).
std::string configPath(const Args& args);

// File, then environment, then flags. A malformed file is a kInvalidArgument naming it.
Result<Settings> loadSettings(const Args& args);

// Writes gateway_url, api_key, model, admin_key and tools to settings.config_path (mode 0600,
// directories created).
Status saveSettings(const Settings& settings);

}  // namespace igw::cli
