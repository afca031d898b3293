// The stored form of a key's or team's limits (decodeLimits): whatever the database holds must
// decode to valid limits or an error, never a crash; valid limits survive a round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "limits/limit_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto l = igw::decodeLimits(text);
  if (l.isOk()) {
    auto back = igw::decodeLimits(igw::encodeLimits(*l));
    if (!back.isOk() || back->rpm != l->rpm || back->tpm != l->tpm ||
        back->max_parallel != l->max_parallel) {
      __builtin_trap();
    }
  }
  return 0;
}
