// What the gateway offers as tools, for `infer status` and the chat's /tools: the answers of
// GET /v1/mcp/tools and GET /v1/a2a/agents (403 while not exposed) and their text.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/gateway_client.h"

namespace igw::cli {

struct Listing {
  bool exposed = false;
  nlohmann::json items = nlohmann::json::array();
  std::string error;
};

// 200 -> the listing; 403 -> not exposed; anything else an error.
Listing listingOf(const Result<HttpReply>& reply);
nlohmann::json listingJson(const Listing& l);
std::string mcpText(const Listing& l);
std::string a2aText(const Listing& l);

}  // namespace igw::cli
