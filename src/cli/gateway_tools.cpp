#include "cli/gateway_tools.h"

#include <map>

#include "cli/cli_error.h"
#include "core/json_parse.h"

namespace igw::cli {

using nlohmann::json;

namespace {

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

Listing listingOf(const Result<HttpReply>& r) {
  Listing l;
  if (!r) {
    l.error = r.status().message();
  } else if (r->status == 403) {
    l.exposed = false;
  } else if (r->status != 200) {
    l.error = errorMessageOf(r->body) + " (HTTP " + std::to_string(r->status) + ")";
  } else {
    l.exposed = true;
    json body = parseJsonOrDiscarded(r->body);
    auto data = body.is_object() ? body.find("data") : body.end();
    if (body.is_object() && data != body.end() && data->is_array()) l.items = *data;
  }
  return l;
}

json listingJson(const Listing& l) {
  json j = {{"exposed", l.exposed}, {"items", l.items}};
  if (!l.error.empty()) j["error"] = l.error;
  return j;
}

std::string mcpText(const Listing& l) {
  if (!l.error.empty()) return "MCP tools   error: " + l.error + "\n";
  if (!l.exposed) return "MCP tools   not exposed (MCP_EXPOSE=true on the gateway shows them)\n";
  if (l.items.empty()) return "MCP tools   none\n";
  std::map<std::string, std::vector<std::string>> by_server;
  for (const auto& t : l.items) by_server[str(t, "server")].push_back(str(t, "tool"));
  std::string out = "MCP tools   " + plural(l.items.size(), "tool") + "\n";
  for (const auto& [server, tools] : by_server) {
    std::string names;
    for (const auto& t : tools) names += (names.empty() ? "" : ", ") + t;
    out += "  " + pad(server, 12) + names + "\n";
  }
  return out;
}

std::string a2aText(const Listing& l) {
  if (!l.error.empty()) return "A2A agents  error: " + l.error + "\n";
  if (!l.exposed) return "A2A agents  not exposed (A2A_EXPOSE=true on the gateway shows them)\n";
  if (l.items.empty()) return "A2A agents  none\n";
  std::string out = "A2A agents  " + plural(l.items.size(), "agent") + "\n";
  for (const auto& a : l.items) {
    std::string tools;
    auto skills = a.find("skills");
    if (skills != a.end() && skills->is_array()) {
      for (const auto& s : *skills) {
        std::string t = str(s, "tool");
        if (t.empty()) t = str(s, "id");
        tools += (tools.empty() ? "" : ", ") + t;
      }
    }
    std::string name = str(a, "name");
    if (name.empty()) name = str(a, "id");
    out += "  " + pad(name, 20) + tools + "\n";
  }
  return out;
}

}  // namespace igw::cli
