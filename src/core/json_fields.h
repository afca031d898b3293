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
