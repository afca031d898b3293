// Reading fields of untrusted JSON documents without exceptions: a missing key, a wrong type or
// a document that is not an object all give the fallback. Shared by the protocol codecs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace igw::jsonf {

using json = nlohmann::json;

inline const json* field(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// The member `key` of an object, or null (missing, or `j` not an object): lookups chain without
// checks, as in at(at(event, "delta"), "text").
inline const json& at(const json& j, std::string_view key) {
  static const json kNull;  // immutable
  const json* v = field(j, key);
  return v ? *v : kNull;
}

// A string member as a view into the document (valid while it lives); empty when missing or not
// a string.
inline std::string_view view(const json& j, std::string_view key) {
  const json& v = at(j, key);
  return v.is_string() ? std::string_view(v.get_ref<const std::string&>()) : std::string_view();
}

inline std::string str(const json& j, std::string_view key, std::string fallback = {}) {
  const json* v = field(j, key);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

inline int64_t integer(const json& j, std::string_view key, int64_t fallback = 0) {
  const json* v = field(j, key);
  return v && v->is_number_integer() ? v->get<int64_t>() : fallback;
}

inline bool boolean(const json& j, std::string_view key) {
  const json* v = field(j, key);
  return v && v->is_boolean() && v->get<bool>();
}

}  // namespace igw::jsonf
