// The model metadata parser (data/model_metadata.json's format, GET /v1/models?include=) fed
// untrusted bytes: no crash, no hang; an accepted document gives entries whose token counts are
// -1 or in range and whose modality lists are bounded, and every lookup is safe.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "providers/model_metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto table = igw::ModelMetadataTable::parse(text);
  if (!table) {
    if (table.status().message().empty()) std::abort();
    return 0;
  }
  // Look up the names the input itself suggests: "p/m" split at every '/', and a dated form.
  for (size_t slash = text.find('/'); slash != std::string_view::npos;
       slash = text.find('/', slash + 1)) {
    size_t begin = slash;
    while (begin > 0 && text[begin - 1] > ' ' && text[begin - 1] != '"') --begin;
    size_t end = slash + 1;
    while (end < text.size() && text[end] > ' ' && text[end] != '"') ++end;
    std::string_view provider = text.substr(begin, slash - begin);
    std::string model(text.substr(slash + 1, end - slash - 1));
    for (const std::string& m : {model, model + "-2025-01-01"}) {
      const igw::ModelMetadata* meta = table->find(provider, m);
      if (!meta) continue;
      for (int64_t n : {meta->context_window, meta->max_output_tokens}) {
        if (n < -1 || n > (int64_t{1} << 40)) std::abort();
      }
      if (meta->input_modalities.size() > igw::kMaxModalities ||
          meta->output_modalities.size() > igw::kMaxModalities) {
        std::abort();
      }
    }
  }
  return 0;
}
