#include "providers/table.h"

namespace igw {

Result<ProviderTable> ProviderTable::build(const Config& cfg) {
  ProviderTable t;
  for (const auto& spec : providerCatalog()) {
    ProviderEntry e;
    e.spec = &spec;
    e.setting = cfg.providers.find(spec.id)->second;
    auto url = parseUrl(e.setting.url);
    if (!url) {
      std::string var(spec.id);
      for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return invalidArgument(var + "_API_URL: " + url.status().message());
    }
    e.base = std::move(url.value());
    if (e.base.target == "/") e.base.target.clear();
    bool has_key = !e.setting.key.empty();
    e.usable = has_key || !spec.key_required;
    e.listed = has_key || (!spec.key_required && e.setting.url_set);
    t.entries_.push_back(std::move(e));
  }
  return t;
}

const ProviderEntry& ProviderTable::get(const ProviderSpec& spec) const {
  return entries_[static_cast<size_t>(&spec - providerCatalog().data())];
}

Status ProviderTable::checkUsable(const ProviderEntry& e) {
  if (e.usable) return Status::ok();
  std::string var(e.spec->id);
  for (auto& c : var) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return unauthenticated("provider '" + std::string(e.spec->id) + "' is not configured: set " +
                         var + "_API_KEY");
}

void ProviderTable::addAuth(const ProviderEntry& e, Headers& headers) {
  const std::string& key = e.setting.key;
  switch (e.spec->auth) {
    case AuthStyle::kXApiKey:
      headers.push_back({"x-api-key", key});
      headers.push_back({"anthropic-version", "2023-06-01"});
      break;
    case AuthStyle::kBearer:
    case AuthStyle::kNone:
      if (!key.empty()) headers.push_back({"Authorization", "Bearer " + key});
      break;
  }
}

Url ProviderTable::endpoint(const ProviderEntry& e, std::string_view path) {
  Url u = e.base;
  u.target += path;
  if (u.target.empty()) u.target = "/";
  return u;
}

}  // namespace igw
