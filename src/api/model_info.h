// What GET /v1/models?include= adds to each model: the metadata table (context window,
// modalities) and the price table (built-in prices with MODEL_PRICES_PATH over them). Loaded
// once at start-up, read-only afterwards.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/status.h"
#include "limits/prices.h"
#include "providers/model_metadata.h"

namespace igw {

struct ModelInfo {
  ModelMetadataTable metadata;
  PriceTable prices;
};

// The built-in tables, prices overlaid with MODEL_PRICES_PATH when set (an error names the file).
Result<std::shared_ptr<const ModelInfo>> loadModelInfo(const Config& config);

}  // namespace igw
