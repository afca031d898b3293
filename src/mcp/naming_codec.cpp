#include "mcp/naming_codec.h"

#include <unordered_set>

namespace igw::mcp {

namespace {

std::string cut(std::string s, size_t max) {
  if (s.size() > max) s.resize(max);
  return s;
}

std::string plainName(std::string_view tool) {
  return cut("mcp_" + sanitizeName(tool), kMaxToolNameLength);
}

}  // namespace

std::string sanitizeName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

bool toolAllowed(std::string_view remote_name, const std::vector<std::string>& include,
                 const std::vector<std::string>& exclude) {
  const std::string exposed = plainName(remote_name);
  auto listed = [&](const std::vector<std::string>& list) {
    for (const auto& entry : list) {
      if (entry == remote_name || entry == exposed) return true;
    }
    return false;
  };
  if (listed(exclude)) return false;
  return include.empty() || listed(include);
}

std::vector<std::vector<std::string>> assignToolNames(const std::vector<ServerToolNames>& servers) {
  std::vector<std::vector<std::string>> out(servers.size());
  std::unordered_set<std::string> taken;
  // Pass 1: plain names, first come first served.
  for (size_t s = 0; s < servers.size(); ++s) {
    out[s].resize(servers[s].tools.size());
    for (size_t t = 0; t < servers[s].tools.size(); ++t) {
      std::string name = plainName(servers[s].tools[t]);
      if (taken.insert(name).second) out[s][t] = std::move(name);
    }
  }
  // Pass 2: the rest are qualified with their server, then numbered.
  for (size_t s = 0; s < servers.size(); ++s) {
    for (size_t t = 0; t < servers[s].tools.size(); ++t) {
      if (!out[s][t].empty()) continue;
      std::string base =
          cut("mcp_" + sanitizeName(servers[s].server) + "_" + sanitizeName(servers[s].tools[t]),
              kMaxToolNameLength);
      std::string name = base;
      for (size_t n = 2; !taken.insert(name).second; ++n) {
        std::string suffix = "_" + std::to_string(n);
        name = cut(base, kMaxToolNameLength - suffix.size()) + suffix;
      }
      out[s][t] = std::move(name);
    }
  }
  return out;
}

}  // namespace igw::mcp
