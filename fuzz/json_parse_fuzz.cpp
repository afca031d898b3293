// The one JSON entry point (core/json_parse.h): never crashes; what it accepts is valid JSON no
// deeper than the limit, whose DOM dumps and re-parses to the same value; what it refuses as too
// deep really is deeper than the limit. A small limit makes the fuzzer reach it often.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json_parse.h"

namespace {

// Deepest nesting of arrays/objects in valid JSON text (strings skipped).
unsigned depthOf(std::string_view text) {
  unsigned depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  igw::JsonLimits limits;
  limits.max_depth = 1 + data[0] % 24;
  limits.max_bytes = 2048;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  igw::ParsedJson parsed = igw::parseJson(text, limits);
  if (!parsed.ok()) {
    if (parsed.describe().empty()) std::abort();
    if (parsed.error == igw::JsonError::kTooLarge && text.size() <= limits.max_bytes) std::abort();
    // Refused as too deep: the text is valid up to the level past the limit, so it is that deep.
    if (parsed.error == igw::JsonError::kTooDeep && depthOf(text) <= limits.max_depth) std::abort();
    return 0;
  }
  if (!nlohmann::json::accept(text)) std::abort();
  if (depthOf(text) > limits.max_depth) std::abort();
  // Bounded DOM: dump and copy recurse at most max_depth levels.
  std::string dumped = parsed.value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  igw::ParsedJson again = igw::parseJson(dumped, igw::JsonLimits{limits.max_depth, 1u << 20});
  if (!again.ok()) std::abort();
  nlohmann::json copy = parsed.value;
  if (again.value != copy) std::abort();  // JSON text has no NaN: equal after a round trip
  return 0;
}
