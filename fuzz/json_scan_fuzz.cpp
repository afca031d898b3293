// JSON scanner: no crash, no out-of-range spans, and every reported member value re-validates.
// Also checks the fuzz targets' own strict validator (fuzz_util.h) against nlohmann's, since every
// structure-aware target trusts it to judge its outputs.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/json_parse.h"
#include "fuzz_util.h"
#include "http/json_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bool scanned = igw::validateJson(text).isOk();
  // nlohmann skips a leading UTF-8 byte order mark; the gateway's validators do not.
  std::string_view unbommed = text.starts_with("\xEF\xBB\xBF") ? text.substr(3) : text;
  bool strict = fz::validJson(unbommed);
  // nlohmann also stops at a NUL byte as if the input ended there; compare without those.
  if (text.find('\0') == std::string_view::npos && strict != nlohmann::json::accept(text)) {
    // ...and refuses numbers beyond double's range (1e999), which RFC 8259 allows.
    bool overflow = false;
    try {
      (void)nlohmann::json::parse(text);
    } catch (const nlohmann::json::out_of_range& e) {
      overflow = e.id == 406;
    } catch (const nlohmann::json::exception&) {
    }
    if (!overflow) std::abort();
  }
  // The scanner checks grammar and nesting, not UTF-8: whatever the strict validator accepts, it
  // accepts too, unless the nesting is deeper than its limit (brackets inside strings counted,
  // which only errs towards allowing).
  if (strict && !scanned && unbommed.size() == text.size()) {
    size_t depth = 0, max_depth = 0;
    for (char c : text) {
      if (c == '[' || c == '{') max_depth = std::max(max_depth, ++depth);
      if ((c == ']' || c == '}') && depth > 0) --depth;
    }
    if (max_depth <= igw::jsonLimits().max_depth) std::abort();
  }
  // The structural walk (forEachMember) on anything: spans stay inside the text.
  std::vector<igw::RawMember> raw;
  bool walked = igw::forEachMember(text, [&](const igw::RawMember& m) {
    if (m.key.data() < text.data() || m.value.data() < m.key.data() ||
        m.value.data() + m.value.size() > text.data() + text.size()) {
      std::abort();
    }
    raw.push_back(m);
    return true;
  });
  auto members = igw::scanObjectMembers(text);
  if (!members) return 0;
  if (!scanned) std::abort();
  // On a valid object the walk sees exactly the members the validating scanner reports.
  if (!walked || raw.size() != members->size()) std::abort();
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto& m = (*members)[i];
    if (m.value_begin >= m.value_end || m.value_end > size) std::abort();
    if (!igw::validateJson(text.substr(m.value_begin, m.value_end - m.value_begin))) std::abort();
    if (raw[i].value != text.substr(m.value_begin, m.value_end - m.value_begin)) std::abort();
    if (raw[i].key.find('\\') == std::string_view::npos && raw[i].key != m.key) std::abort();
  }
  return 0;
}
