// The MODEL_PRICES_PATH parser (JSON and YAML, both shapes) fed untrusted bytes: no crash, no
// hang; a file it accepts gives finite, non-negative prices that every lookup returns, and the
// cost of any usage at those prices is never negative. The first byte picks the format.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "limits/prices.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto format = (data[0] & 1) ? igw::PriceFormat::kYaml : igw::PriceFormat::kJson;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  igw::PriceTable table;
  igw::Status s = table.overlayText(text, format);
  if (!s) {
    if (s.message().empty() || table.size() != 0) std::abort();  // refused: nothing was added
    return 0;
  }
  // Look up the names the input itself suggests: "p/m" split at every '/'.
  for (size_t slash = text.find('/'); slash != std::string_view::npos;
       slash = text.find('/', slash + 1)) {
    size_t begin = slash;
    while (begin > 0 && text[begin - 1] > ' ' && text[begin - 1] != '"') --begin;
    size_t end = slash + 1;
    while (end < text.size() && text[end] > ' ' && text[end] != '"' && text[end] != ':') ++end;
    const igw::ModelPrice* p =
        table.find(text.substr(begin, slash - begin), text.substr(slash + 1, end - slash - 1));
    if (!p) continue;
    for (double v : {p->input, p->output, p->cached_input, p->reasoning}) {
      if (!std::isfinite(v) || v < 0 || v > igw::kMaxPricePerMillion) std::abort();
    }
    igw::TokenUsage u;
    u.prompt = INT64_MAX;
    u.cached = 7;
    u.completion = 1000;
    u.reasoning = INT64_MAX;
    if (igw::costNanoUsd(*p, u) < 0 || igw::estimateNanoUsd(*p, INT64_MAX, 5) < 0) std::abort();
  }
  return 0;
}
