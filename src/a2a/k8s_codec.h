// Kubernetes discovery of A2A agents, without any I/O: the list requests the gateway makes and
// the agent URLs it derives from the answers. Two sources:
//   Services (GET /api/v1/namespaces/{ns}/services?labelSelector=...): an agent per labelled
//     Service at http://<name>.<ns>.svc.cluster.local:<port>, where port is the one named
//     "a2a", else "http", else the first. The annotation `inference-gateway.com/a2a-url`
//     overrides the URL (for agents behind another port, path or scheme).
//   The inference-gateway operator's Agent resources (core.inference-gateway.com/v1alpha1,
//     GET /apis/core.inference-gateway.com/v1alpha1/namespaces/{ns}/agents): the operator
//     fronts every Agent with a Service named like it on spec.port (default 8080), so the
//     agent is at http://<name>.<ns>.svc.cluster.local:<port>.
// Pure code: unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace igw::a2a {

inline constexpr std::string_view kUrlAnnotation = "inference-gateway.com/a2a-url";
inline constexpr std::string_view kAgentGroupVersion = "core.inference-gateway.com/v1alpha1";

// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string urlEncode(std::string_view s);

// Request targets (path + query) relative to the API server URL.
std::string servicesTarget(std::string_view ns, std::string_view label_selector);
std::string agentsTarget(std::string_view ns);

struct DiscoveredAgent {
  std::string name;  // "<namespace>/<name>" for logs
  std::string url;   // base URL of the agent
};

// Parses a v1 ServiceList; fails (kUnavailable) when the document is not a list.
Result<std::vector<DiscoveredAgent>> parseServiceList(std::string_view json,
                                                      std::string_view fallback_namespace);
// Parses an AgentList of the operator's CRD.
Result<std::vector<DiscoveredAgent>> parseAgentList(std::string_view json,
                                                    std::string_view fallback_namespace);

}  // namespace igw::a2a
