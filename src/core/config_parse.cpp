#include "core/config_parse.h"

#include <algorithm>
#include <cstdlib>

#include "core/duration.h"
#include "net/url.h"

namespace igw::config_parse {

Status bad(const std::string& what) {
  return invalidArgument(what);
}

Result<bool> parseBool(const std::string& v) {
  std::string l = v;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true" || l == "1" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "0" || l == "no" || l == "off" || l.empty()) return false;
  return bad("must be true or false, got '" + v + "'");
}

Result<uint64_t> parseUnsigned(const std::string& v, uint64_t max) {
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos) {
    return bad("'" + v + "' is not a non-negative integer");
  }
  uint64_t n = std::strtoull(v.c_str(), nullptr, 10);
  if (n > max) return bad(v + " is out of range (max " + std::to_string(max) + ")");
  return n;
}

Result<Millis> parseTimeout(const std::string& v) {
  auto d = parseDuration(v);
  if (!d) return d.status();
  return d;
}

std::vector<std::string> splitList(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string item = v.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    std::transform(item.begin(), item.end(), item.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

// Comma-separated items, trimmed, case kept (URLs, tool names).
std::vector<std::string> splitRaw(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string item = v.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

bool isHttpUrl(std::string_view s) {
  return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
}

// A command line split on blanks; double quotes group words ("a b" is one argument).
Result<std::vector<std::string>> splitCommand(std::string_view s) {
  std::vector<std::string> args;
  std::string cur;
  bool in_word = false, quoted = false;
  for (char ch : s) {
    if (ch == '"') {
      quoted = !quoted;
      in_word = true;
    } else if ((ch == ' ' || ch == '\t') && !quoted) {
      if (in_word) args.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += ch;
      in_word = true;
    }
  }
  if (quoted) return bad("unbalanced quote in command '" + std::string(s) + "'");
  if (in_word) args.push_back(std::move(cur));
  if (args.empty()) return bad("stdio: needs a command");
  return args;
}

// "[name=]http://host:port/mcp" or "[name=]stdio:command args".
Result<McpServerConfig> parseMcpServer(const std::string& item, size_t index) {
  McpServerConfig server;
  std::string rest = item;
  size_t eq = item.find('=');
  if (eq != std::string::npos && eq > 0 &&
      item.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
          eq) {
    server.name = item.substr(0, eq);
    rest = item.substr(eq + 1);
  }
  if (rest.rfind("stdio:", 0) == 0) {
    auto argv = splitCommand(std::string_view(rest).substr(6));
    if (!argv) return argv.status();
    server.command = std::move(argv.value());
    if (server.name.empty()) server.name = "stdio-" + std::to_string(index + 1);
    return server;
  }
  if (!isHttpUrl(rest)) {
    return bad("'" + item + "' must be an http(s):// URL or stdio:<command>");
  }
  server.url = rest;
  if (server.name.empty()) {
    auto url = parseUrl(rest);
    if (!url) return bad("'" + item + "': " + url.status().message());
    server.name = url->host;
  }
  return server;
}

// "Name: value; Other: value" (MCP_<NAME>_HEADERS).
Result<std::vector<std::pair<std::string, std::string>>> parseHeaderList(const std::string& v) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < v.size()) {
    size_t end = v.find(';', start);
    if (end == std::string::npos) end = v.size();
    std::string item = v.substr(start, end - start);
    start = end + 1;
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    size_t colon = item.find(':');
    if (colon == std::string::npos) return bad("header '" + item + "' needs 'Name: value'");
    std::string name = item.substr(0, colon), value = item.substr(colon + 1);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return bad("header '" + name + "' is not a valid header");
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace igw::config_parse
