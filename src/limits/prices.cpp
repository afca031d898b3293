#include "limits/prices.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#include "core/safe_text.h"
#include "limits/prices_parse.h"

namespace igw::embedded {
extern const std::string_view kModelPricesJson;  // generated from data/model_prices.json
}

namespace igw {
namespace {

char fold(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool startsWithFold(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (fold(s[i]) != fold(prefix[i])) return false;
  }
  return true;
}

bool endsWithFold(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && startsWithFold(s.substr(s.size() - suffix.size()), suffix);
}

PriceFormat formatOf(std::string_view path, std::string_view text) {
  if (endsWithFold(path, ".yaml") || endsWithFold(path, ".yml")) return PriceFormat::kYaml;
  if (endsWithFold(path, ".json")) return PriceFormat::kJson;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' ? PriceFormat::kJson : PriceFormat::kYaml;
  }
  return PriceFormat::kYaml;
}

// USD per 1M tokens -> pico-dollars per token (exact for prices with up to 6 decimals).
__int128 picoPerToken(double usd_per_million) {
  if (!(usd_per_million > 0)) return 0;  // also NaN
  if (usd_per_million > kMaxPricePerMillion) usd_per_million = kMaxPricePerMillion;
  return static_cast<__int128>(std::llround(usd_per_million * 1e6));
}

int64_t count(int64_t n) {
  return n < 0 ? 0 : n;
}

int64_t picoToNano(__int128 pico, bool round_up) {
  __int128 nano = (pico + (round_up ? 999 : 500)) / 1000;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return nano > kMax ? kMax : static_cast<int64_t>(nano);
}

}  // namespace

size_t PriceTable::FoldHash::operator()(std::string_view s) const {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : s) {
    h ^= static_cast<unsigned char>(fold(c));
    h *= 1099511628211ull;
  }
  return static_cast<size_t>(h);
}

bool PriceTable::FoldEq::operator()(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

Result<PriceTable> PriceTable::builtin() {
  PriceTable table;
  Result<ParsedPrices> parsed = parsePriceText(embedded::kModelPricesJson, PriceFormat::kJson);
  if (!parsed) {
    return internalError("built-in model prices (data/model_prices.json): " +
                         parsed.status().message());
  }
  table.source_ = parsed->source;
  table.updated_ = parsed->updated;
  for (PriceEntry& e : parsed->entries) {
    table.providers_[e.provider].insert_or_assign(std::move(e.model), e.price);
  }
  table.size_ = parsed->entries.size();
  return table;
}

Status PriceTable::overlayText(std::string_view text, PriceFormat format) {
  Result<ParsedPrices> parsed = parsePriceText(text, format);
  if (!parsed) return parsed.status();
  for (PriceEntry& e : parsed->entries) {
    ModelMap& models = providers_[e.provider];
    auto it = models.find(std::string_view(e.model));
    if (it != models.end()) {
      it->second = e.price;
    } else {
      models.emplace(std::move(e.model), e.price);
      ++size_;
    }
  }
  return {};
}

Status PriceTable::overlayFile(std::string_view path) {
  const std::string shown = "model prices file \"" + safeText(path, 200, TextStyle::kEscape) + "\"";
  std::error_code ec;
  std::filesystem::path p{std::string(path)};
  auto st = std::filesystem::status(p, ec);
  if (ec || !std::filesystem::exists(st)) {
    return invalidArgument(
        shown + ": cannot read it: " + (ec ? ec.message() : std::string("no such file")));
  }
  if (!std::filesystem::is_regular_file(st)) return invalidArgument(shown + ": not a regular file");
  uintmax_t size = std::filesystem::file_size(p, ec);
  if (ec) return invalidArgument(shown + ": cannot read it: " + ec.message());
  if (size > kMaxPriceFileBytes) {
    return invalidArgument(shown + ": larger than " + std::to_string(kMaxPriceFileBytes) +
                           " bytes");
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) return invalidArgument(shown + ": cannot open it");
  std::string text;
  text.resize(static_cast<size_t>(size));
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.gcount() != static_cast<std::streamsize>(text.size())) {
    return invalidArgument(shown + ": read failed");
  }
  Status s = overlayText(text, formatOf(path, text));
  if (!s) return invalidArgument(shown + ": " + s.message());
  return {};
}

const ModelPrice* PriceTable::findIn(const ModelMap& models, std::string_view model) const {
  if (auto it = models.find(model); it != models.end()) return &it->second;
  // Longest listed prefix that ends where the model has a '-'.
  for (size_t i = model.size(); i-- > 1;) {
    if (model[i] != '-') continue;
    if (auto it = models.find(model.substr(0, i)); it != models.end()) return &it->second;
  }
  if (auto it = models.find(std::string_view("*")); it != models.end()) return &it->second;
  return nullptr;
}

const ModelPrice* PriceTable::find(std::string_view provider, std::string_view model) const {
  if (startsWithFold(model, "models/")) model.remove_prefix(7);
  if (auto it = providers_.find(provider); it != providers_.end()) {
    if (const ModelPrice* p = findIn(it->second, model)) return p;
  }
  // Azure OpenAI bills its global standard deployments at OpenAI's list prices, and a
  // deployment usually carries its model's name: "azure/gpt-4o" takes "openai/gpt-4o" unless an
  // "azure/..." entry (MODEL_PRICES_PATH) says otherwise.
  if (FoldEq{}(provider, "azure")) return find("openai", model);
  return nullptr;
}

int64_t costNanoUsd(const ModelPrice& price, const TokenUsage& usage) {
  int64_t prompt = count(usage.prompt);
  int64_t cached = std::min(count(usage.cached), prompt);
  int64_t completion = count(usage.completion);
  int64_t reasoning = std::min(count(usage.reasoning), completion);
  __int128 pico = static_cast<__int128>(prompt - cached) * picoPerToken(price.input) +
                  static_cast<__int128>(cached) * picoPerToken(price.cached_input) +
                  static_cast<__int128>(completion - reasoning) * picoPerToken(price.output) +
                  static_cast<__int128>(reasoning) * picoPerToken(price.reasoning);
  return picoToNano(pico, false);
}

int64_t estimateNanoUsd(const ModelPrice& price, int64_t prompt_tokens, int64_t max_output_tokens) {
  __int128 out = std::max(picoPerToken(price.output), picoPerToken(price.reasoning));
  __int128 pico = static_cast<__int128>(count(prompt_tokens)) * picoPerToken(price.input) +
                  static_cast<__int128>(count(max_output_tokens)) * out;
  return picoToNano(pico, true);
}

}  // namespace igw
