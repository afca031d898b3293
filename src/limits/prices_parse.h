// Reading a price file (JSON or YAML) into validated entries. Internal to src/limits/prices.cpp;
// separate so the format handling and its error messages stay in one small file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "limits/prices.h"

namespace igw {

struct PriceEntry {
  std::string provider;  // as written; lookups fold case
  std::string model;     // "*" for the provider wildcard
  ModelPrice price;      // defaults resolved
};

struct ParsedPrices {
  std::vector<PriceEntry> entries;
  std::string source;   // _source, when a string
  std::string updated;  // _updated, when a string
};

// Either shape (the built-in {"models": {...}} or the flat {"provider/model": {...}}). Errors
// are invalidArgument with a message naming the entry ("entry \"openai/gpt-4o\": ...").
Result<ParsedPrices> parsePriceText(std::string_view text, PriceFormat format);

}  // namespace igw
