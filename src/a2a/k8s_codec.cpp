#include "a2a/k8s_codec.h"

#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "core/json_parse.h"

namespace igw::a2a {

using json = nlohmann::json;

namespace {

using jsonf::field;
using jsonf::integer;
using jsonf::str;

// The items of a list document of the expected kind.
Result<const json*> listItems(const json& doc, std::string_view kind) {
  if (!doc.is_object())
    return unavailable("the Kubernetes API answered something that is not JSON");
  std::string k = str(doc, "kind");
  if (!k.empty() && k != kind) {
    return unavailable("the Kubernetes API answered a " + k + " instead of a " + std::string(kind));
  }
  const json* items = field(doc, "items");
  if (items && items->is_null()) {
    static const json kEmpty = json::array();
    return &kEmpty;  // an empty list is serialised as "items": null by some servers
  }
  if (!items || !items->is_array())
    return unavailable("the " + std::string(kind) + " has no items");
  return items;
}

std::string serviceUrl(std::string_view name, std::string_view ns, int64_t port) {
  return "http://" + std::string(name) + "." + std::string(ns) +
         ".svc.cluster.local:" + std::to_string(port);
}

}  // namespace

std::string urlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string servicesTarget(std::string_view ns, std::string_view label_selector) {
  std::string t = "/api/v1/namespaces/" + urlEncode(ns) + "/services";
  if (!label_selector.empty()) t += "?labelSelector=" + urlEncode(label_selector);
  return t;
}

std::string agentsTarget(std::string_view ns) {
  return "/apis/" + std::string(kAgentGroupVersion) + "/namespaces/" + urlEncode(ns) + "/agents";
}

Result<std::vector<DiscoveredAgent>> parseServiceList(std::string_view text,
                                                      std::string_view fallback_namespace) {
  auto doc = parseJsonOrDiscarded(text);
  auto items = listItems(doc, "ServiceList");
  if (!items) return items.status();
  std::vector<DiscoveredAgent> out;
  for (const auto& svc : **items) {
    const json* meta = field(svc, "metadata");
    if (!meta) continue;
    std::string name = str(*meta, "name");
    if (name.empty()) continue;
    std::string ns = str(*meta, "namespace");
    if (ns.empty()) ns = fallback_namespace;
    DiscoveredAgent a{ns + "/" + name, {}};
    if (const json* ann = field(*meta, "annotations")) a.url = str(*ann, kUrlAnnotation);
    if (a.url.empty()) {
      const json* spec = field(svc, "spec");
      const json* ports = spec ? field(*spec, "ports") : nullptr;
      int64_t port = 0;
      if (ports && ports->is_array()) {
        for (std::string_view want : {"a2a", "http"}) {
          for (const auto& p : *ports) {
            if (!port && str(p, "name") == want) port = integer(p, "port");
          }
        }
        if (!port && !ports->empty()) port = integer((*ports)[0], "port");
      }
      if (port <= 0 || port > 65535) continue;  // nothing to connect to
      a.url = serviceUrl(name, ns, port);
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<DiscoveredAgent>> parseAgentList(std::string_view text,
                                                    std::string_view fallback_namespace) {
  auto doc = parseJsonOrDiscarded(text);
  auto items = listItems(doc, "AgentList");
  if (!items) return items.status();
  std::vector<DiscoveredAgent> out;
  for (const auto& agent : **items) {
    const json* meta = field(agent, "metadata");
    if (!meta) continue;
    std::string name = str(*meta, "name");
    if (name.empty()) continue;
    std::string ns = str(*meta, "namespace");
    if (ns.empty()) ns = fallback_namespace;
    int64_t port = 8080;  // the CRD's default for spec.port
    if (const json* spec = field(agent, "spec")) {
      if (int64_t p = integer(*spec, "port"); p > 0 && p <= 65535) port = p;
    }
    out.push_back({ns + "/" + name, serviceUrl(name, ns, port)});
  }
  return out;
}

}  // namespace igw::a2a
