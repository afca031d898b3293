// Value parsers for the configuration's environment variables (core/config.cpp): booleans,
// bounded integers, durations, comma lists, MCP server entries and header lists. Each error is a
// Status saying what is wrong with the value; config.cpp prefixes the variable's name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace igw::config_parse {

Status bad(const std::string& what);
Result<bool> parseBool(const std::string& v);
Result<uint64_t> parseUnsigned(const std::string& v, uint64_t max);
Result<Millis> parseTimeout(const std::string& v);
// Comma-separated items, trimmed and lower-cased (model names).
std::vector<std::string> splitList(const std::string& v);
// Comma-separated items, trimmed, case kept (URLs, tool names).
std::vector<std::string> splitRaw(const std::string& v);
bool isHttpUrl(std::string_view s);
Result<std::vector<std::string>> splitCommand(std::string_view s);
Result<McpServerConfig> parseMcpServer(const std::string& item, size_t index);
// "Name: value; Other: value" (MCP_<NAME>_HEADERS).
Result<std::vector<std::pair<std::string, std::string>>> parseHeaderList(const std::string& v);

}  // namespace igw::config_parse
