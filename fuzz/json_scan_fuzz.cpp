// JSON scanner: no crash, no out-of-range spans, and every reported member value re-validates.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/json_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)igw::validateJson(text);
  auto members = igw::scanObjectMembers(text);
  if (!members) return 0;
  if (!igw::validateJson(text)) std::abort();
  for (const auto& m : *members) {
    if (m.value_begin >= m.value_end || m.value_end > size) std::abort();
    if (!igw::validateJson(text.substr(m.value_begin, m.value_end - m.value_begin))) std::abort();
  }
  return 0;
}
