#include "api/model_info.h"

namespace igw {

Result<std::shared_ptr<const ModelInfo>> loadModelInfo(const Config& config) {
  auto info = std::make_shared<ModelInfo>();
  auto metadata = ModelMetadataTable::builtin();
  if (!metadata) return metadata.status();
  info->metadata = std::move(metadata).value();
  auto prices = PriceTable::builtin();
  if (!prices) return prices.status();
  info->prices = std::move(prices).value();
  if (!config.spend.model_prices_path.empty()) {
    if (Status s = info->prices.overlayFile(config.spend.model_prices_path); !s) {
      return invalidArgument("MODEL_PRICES_PATH: " + s.message());
    }
  }
  return std::shared_ptr<const ModelInfo>(std::move(info));
}

}  // namespace igw
