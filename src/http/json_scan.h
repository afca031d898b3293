// A validating, allocation-light JSON scanner for the hot path. It checks a whole document
// (RFC 8259 grammar, nesting bounded by jsonLimits().max_depth) and reports the byte spans of one
// object's members, so a route that needs only `model` and `stream` never builds a DOM and can
// splice the body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace igw {

enum class JsonType { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull };

struct JsonMember {
  std::string key;     // decoded
  size_t value_begin;  // offset of the value's first byte in the scanned text
  size_t value_end;    // one past the value's last byte
  JsonType type;
  size_t elements = 0;  // arrays: how many elements
};

// Validates that `text` is exactly one JSON object (whitespace around it allowed) and returns
// its top-level members in order. Errors say what is wrong and at which byte offset.
// `value_count`, when given, receives the number of JSON values in the whole document (every
// object, array, string, number and literal): what a DOM of it would cost.
Result<std::vector<JsonMember>> scanObjectMembers(std::string_view text,
                                                  size_t* value_count = nullptr);

// Validates `text` as any single JSON value.
Status validateJson(std::string_view text);

}  // namespace igw
