// Internal to src/store: what both backends share — the column list, validation, the JSON
// columns' encoding, patching and decoding a row. Not for use outside the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/key_record.h"

namespace igw::store_detail {

// The columns every SELECT of a key returns, in the order decodeRow reads them.
inline constexpr std::string_view kKeyColumns =
    "id, name, team, models, expires_at, metadata, created_at, last_used_at, revoked, "
    "revoked_at, key_hash, key_prefix, limits";

int64_t unixNow();

// The text columns of a key, checked and encoded for storage.
struct EncodedFields {
  std::string models;    // JSON array
  std::string metadata;  // JSON object
};
Result<EncodedFields> encodeFields(std::string_view name, std::string_view team,
                                   const std::vector<std::string>& models,
                                   const nlohmann::json& metadata);

// `record` with the fields set in `patch` replaced.
ApiKeyRecord applyPatch(ApiKeyRecord record, const ApiKeyPatch& patch);

// One row in kKeyColumns order. Row provides isNull(i), text(i) -> string_view, int64(i),
// boolean(i).
Result<std::vector<std::string>> decodeModels(std::string_view text, std::string_view id);
Result<nlohmann::json> decodeMetadata(std::string_view text, std::string_view id);

template <class Row>
Result<ApiKeyRecord> decodeRow(const Row& row) {
  ApiKeyRecord r;
  r.id = std::string(row.text(0));
  r.name = std::string(row.text(1));
  r.team = std::string(row.text(2));
  auto models = decodeModels(row.text(3), r.id);
  if (!models) return models.status();
  r.models = std::move(models).value();
  if (!row.isNull(4)) r.expires_at = row.int64(4);
  auto metadata = decodeMetadata(row.text(5), r.id);
  if (!metadata) return metadata.status();
  r.metadata = std::move(metadata).value();
  r.created_at = row.int64(6);
  if (!row.isNull(7)) r.last_used_at = row.int64(7);
  r.revoked = row.boolean(8);
  if (!row.isNull(9)) r.revoked_at = row.int64(9);
  r.hash = std::string(row.text(10));
  r.prefix = std::string(row.text(11));
  auto limits = decodeLimits(row.text(12));
  if (!limits)
    return Status(limits.status().code(), "key " + r.id + ": " + limits.status().message());
  r.limits = std::move(limits).value();
  return r;
}

}  // namespace igw::store_detail
