#include "cli/local_tools.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/run_process.h"
#include "cli/terminal.h"
#include "core/json_parse.h"

namespace igw::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uintmax_t kMaxFileBytes = 256 * 1024;
constexpr size_t kMaxOutput = 64 * 1024;
constexpr std::chrono::seconds kCommandTimeout{60};

// True when `path` is `root` or inside it (both canonical).
bool inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) return false;
  }
  return true;
}

std::string stringArg(const std::string& arguments, const char* key) {
  json args = parseJsonOrDiscarded(arguments);
  if (!args.is_object()) return {};
  auto it = args.find(key);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

LocalTools::LocalTools(ToolSettings settings) : settings_(std::move(settings)) {
  std::error_code ec;
  root_ = fs::canonical(fs::current_path(ec), ec).string();
}

json LocalTools::definitions() const {
  json read = {
      {"type", "function"},
      {"function",
       {{"name", "read_file"},
        {"description", "Read a text file under the user's current directory."},
        {"parameters",
         {{"type", "object"},
          {"properties",
           {{"path",
             {{"type", "string"}, {"description", "path relative to the current directory"}}}}},
          {"required", {"path"}}}}}}};
  std::string allowed;
  for (const auto& c : settings_.allowed_commands) allowed += (allowed.empty() ? "" : ", ") + c;
  json run = {{"type", "function"},
              {"function",
               {{"name", "run_command"},
                {"description",
                 "Run a command on the user's machine (no shell) and return its "
                 "output. Allowed programs: " +
                     (allowed.empty() ? std::string("none") : allowed) + "."},
                {"parameters",
                 {{"type", "object"},
                  {"properties",
                   {{"command",
                     {{"type", "string"}, {"description", "the command line, e.g. \"ls -l\""}}}}},
                  {"required", {"command"}}}}}}};
  return json::array({read, run});
}

std::string LocalTools::describe() const {
  std::string allowed;
  for (const auto& c : settings_.allowed_commands) allowed += (allowed.empty() ? "" : ", ") + c;
  return "read_file     read a file under " + root_ + "\nrun_command   run " +
         (allowed.empty() ? std::string("(no command allowed: tools.allowed_commands)") : allowed) +
         (settings_.confirm ? "" : " (without asking)") + "\n";
}

bool LocalTools::approved(const std::string& what) const {
  std::string line = "[tool] " + terminalSafe(what);
  if (!settings_.confirm) {
    std::fprintf(stderr, "%s\n", line.c_str());
    return true;
  }
  return confirmOnTerminal(line + " -- run it?");
}

std::string LocalTools::run(const ToolCall& call) const {
  if (call.name == "read_file") return readFile(stringArg(call.arguments, "path"));
  if (call.name == "run_command") return runCommand(stringArg(call.arguments, "command"));
  return "error: no local tool named '" + call.name + "'";
}

std::string LocalTools::readFile(const std::string& path) const {
  if (path.empty()) return "error: read_file needs a 'path'";
  std::error_code ec;
  fs::path full = fs::weakly_canonical(fs::path(root_) / path, ec);
  if (ec || !inside(fs::path(root_), full)) {
    std::fprintf(stderr, "[tool] refused: read_file %s (outside %s)\n", terminalSafe(path).c_str(),
                 root_.c_str());
    return "error: '" + path + "' is outside the current directory";
  }
  if (!fs::is_regular_file(full, ec)) return "error: '" + path + "' is not a file";
  if (fs::file_size(full, ec) > kMaxFileBytes) {
    return "error: '" + path + "' is larger than " + std::to_string(kMaxFileBytes) + " bytes";
  }
  if (!approved("read_file " + path)) return "error: the user did not allow reading this file";
  std::ifstream in(full, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string LocalTools::runCommand(const std::string& command) const {
  auto argv = splitCommand(command);
  if (!argv) return "error: " + argv.status().message();
  const auto& allowed = settings_.allowed_commands;
  if (std::find(allowed.begin(), allowed.end(), (*argv)[0]) == allowed.end()) {
    std::fprintf(stderr, "[tool] refused: %s (not in tools.allowed_commands)\n",
                 terminalSafe(command).c_str());
    return "error: '" + (*argv)[0] + "' is not an allowed command";
  }
  if (!approved("run_command " + command)) return "error: the user did not allow this command";
  auto result = runProcess(*argv, kMaxOutput, kCommandTimeout);
  if (!result) return "error: " + result.status().message();
  std::string out = result->timed_out ? "timed out after 60s\n"
                                      : "exit code " + std::to_string(result->exit_code) + "\n";
  out += result->output;
  if (result->truncated) out += "\n[output cut at 64 KiB]";
  return out;
}

}  // namespace igw::cli
