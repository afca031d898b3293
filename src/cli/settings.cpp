#include "cli/settings.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_parse.h"

namespace igw::cli {

namespace {

using nlohmann::json;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

Status readString(const json& j, const char* key, std::string& out, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_string()) return invalidArgument(path + ": '" + key + "' must be a string");
  out = it->get<std::string>();
  return Status::ok();
}

Status readTools(const json& j, ToolSettings& out, const std::string& path) {
  auto it = j.find("tools");
  if (it == j.end() || it->is_null()) return Status::ok();
  if (!it->is_object()) return invalidArgument(path + ": 'tools' must be an object");
  if (auto c = it->find("allowed_commands"); c != it->end()) {
    if (!c->is_array()) {
      return invalidArgument(path + ": 'tools.allowed_commands' must be a list of program names");
    }
    for (const auto& name : *c) {
      if (!name.is_string()) {
        return invalidArgument(path + ": 'tools.allowed_commands' must be a list of strings");
      }
      out.allowed_commands.push_back(name.get<std::string>());
    }
  }
  if (auto c = it->find("confirm"); c != it->end()) {
    if (!c->is_boolean()) return invalidArgument(path + ": 'tools.confirm' must be true or false");
    out.confirm = c->get<bool>();
  }
  return Status::ok();
}

Status readFile(Settings& s) {
  std::ifstream in(s.config_path, std::ios::binary);
  if (!in) return Status::ok();  // no file: defaults
  s.config_found = true;
  std::stringstream text;
  text << in.rdbuf();
  ParsedJson parsed = parseJson(text.str());
  if (!parsed.ok() || !parsed.value.is_object()) {
    return invalidArgument(s.config_path + " is not a JSON object" +
                           (parsed.ok() ? "" : ": " + parsed.describe()));
  }
  const json& j = parsed.value;
  for (const auto& [key, ignored] : j.items()) {
    if (key != "gateway_url" && key != "api_key" && key != "admin_key" && key != "model" &&
        key != "tools") {
      return invalidArgument(s.config_path + ": unknown setting '" + key +
                             "' (use gateway_url, api_key, admin_key, model, tools)");
    }
  }
  if (Status st = readString(j, "gateway_url", s.gateway_url, s.config_path); !st) return st;
  if (Status st = readString(j, "api_key", s.api_key, s.config_path); !st) return st;
  if (Status st = readString(j, "admin_key", s.admin_key, s.config_path); !st) return st;
  if (Status st = readString(j, "model", s.model, s.config_path); !st) return st;
  return readTools(j, s.tools, s.config_path);
}

void overrideWith(std::string& field, const std::string& value) {
  if (!value.empty()) field = value;
}

}  // namespace

std::string configPath(const Args& args) {
  if (args.given("--config")) return args.value("--config");
  if (std::string p = env("INFER_CONFIG"); !p.empty()) return p;
  std::string base = env("XDG_CONFIG_HOME");
  if (base.empty()) base = env("HOME").empty() ? std::string(".") : env("HOME") + "/.config";
  return base + "/infer/config.json";
}

Result<Settings> loadSettings(const Args& args) {
  Settings s;
  s.config_path = configPath(args);
  if (Status st = readFile(s); !st) return st;
  overrideWith(s.gateway_url, env("INFER_GATEWAY_URL"));
  overrideWith(s.api_key, env("INFER_API_KEY"));
  overrideWith(s.admin_key, env("INFER_ADMIN_KEY"));
  overrideWith(s.model, env("INFER_MODEL"));
  overrideWith(s.gateway_url, args.value("--gateway"));
  overrideWith(s.api_key, args.value("--api-key"));
  overrideWith(s.admin_key, args.value("--admin-key"));
  overrideWith(s.model, args.value("--model"));
  return s;
}

Status saveSettings(const Settings& s) {
  json j = json::object();
  j["gateway_url"] = s.gateway_url;
  if (!s.api_key.empty()) j["api_key"] = s.api_key;
  if (!s.admin_key.empty()) j["admin_key"] = s.admin_key;
  if (!s.model.empty()) j["model"] = s.model;
  j["tools"] = {{"allowed_commands", s.tools.allowed_commands}, {"confirm", s.tools.confirm}};
  std::error_code ec;
  std::filesystem::path path(s.config_path);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec)
    return internalError("cannot create " + path.parent_path().string() + ": " + ec.message());
  std::string tmp = s.config_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return internalError("cannot write " + tmp);
    out << j.dump(2) << "\n";
    if (!out.flush()) return internalError("cannot write " + tmp);
  }
  ::chmod(tmp.c_str(), 0600);  // it holds keys
  std::filesystem::rename(tmp, path, ec);
  if (ec) return internalError("cannot write " + s.config_path + ": " + ec.message());
  return Status::ok();
}

}  // namespace igw::cli
