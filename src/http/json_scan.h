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

// A member of an object found by forEachMember: the key as written (not unescaped) and the
// value's bytes.
struct RawMember {
  std::string_view key;    // between the quotes, escapes left as they are
  std::string_view value;  // the whole value: "..." with quotes, {...}, [...], a number, a literal
};

// Calls `f(member)` for each member of the object `text` (whitespace around it allowed) until f
// returns false. A fast structural walk for reading a few fields out of upstream answers (token
// usage): strings are skipped with their escapes and nested values by counting brackets, with no
// recursion and no allocation, so any depth and any size are safe. It does NOT validate: on
// malformed text it stops early and returns false (the caller then reads nothing), and a key
// written with escapes is seen as written. Use scanObjectMembers where the text must be valid.
bool forEachMember(std::string_view text, bool (*f)(const RawMember&, void*), void* ctx);

template <class F>
bool forEachMember(std::string_view text, F&& f) {
  return forEachMember(
      text, [](const RawMember& m, void* c) { return (*static_cast<F*>(c))(m); },
      static_cast<void*>(&f));
}

}  // namespace igw
