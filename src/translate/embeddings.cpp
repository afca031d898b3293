#include "translate/embeddings.h"

#include <cstring>
#include <limits>

#include "core/json_parse.h"

namespace igw {

namespace {

using json = nlohmann::json;

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Little-endian float32, as OpenAI's base64 embeddings are.
void appendFloat32(std::string& out, double v) {
  // Beyond float's range: its infinity (the conversion itself would be undefined).
  constexpr double kMax = std::numeric_limits<float>::max();
  const float f = v > kMax    ? std::numeric_limits<float>::infinity()
                  : v < -kMax ? -std::numeric_limits<float>::infinity()
                              : static_cast<float>(v);
  uint32_t bits = 0;
  std::memcpy(&bits, &f, sizeof bits);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

}  // namespace

Result<EmbeddingsInput> readEmbeddingsRequest(std::string_view openai_body, std::string_view model,
                                              std::string_view provider, EmbeddingsShape& shape) {
  auto parsed = parseJson(openai_body);
  if (!parsed.ok() || !parsed.value.is_object()) {
    return jsonStatus(parsed, Code::kInvalidArgument, "request body");
  }
  json& req = parsed.value;
  EmbeddingsInput in;
  auto input = req.find("input");
  if (input == req.end()) return invalidArgument("missing required field 'input'");
  const std::string text_only = "'input' must be a string or an array of strings for " +
                                std::string(provider) + " (it takes text, not token ids)";
  if (input->is_string()) {
    in.texts.push_back(input->get<std::string>());
  } else if (input->is_array()) {
    for (const auto& item : *input) {
      if (!item.is_string()) return invalidArgument(text_only);
      in.texts.push_back(item.get<std::string>());
    }
  } else {
    return invalidArgument(text_only);
  }
  if (in.texts.empty()) return invalidArgument("'input' must not be empty");
  if (auto d = req.find("dimensions"); d != req.end() && !d->is_null()) {
    if (!d->is_number_integer() || d->get<int64_t>() < 1) {
      return invalidArgument("'dimensions' must be a positive integer");
    }
    in.dimensions = *d;
  }
  shape = EmbeddingsShape{};
  if (auto f = req.find("encoding_format"); f != req.end() && !f->is_null()) {
    if (!f->is_string() || (*f != "float" && *f != "base64")) {
      return invalidArgument("'encoding_format' must be \"float\" or \"base64\"");
    }
    shape.base64 = *f == "base64";
  }
  for (const auto& t : in.texts) shape.text_bytes += static_cast<int64_t>(t.size());
  shape.model = std::string(model);
  shape.inputs = in.texts.size();
  for (const char* k : {"input", "dimensions", "encoding_format", "model"}) req.erase(k);
  in.extra = std::move(req);
  return in;
}

Result<std::string> openAIEmbeddingsList(const std::vector<const json*>& vectors,
                                         const EmbeddingsShape& shape, int64_t prompt_tokens,
                                         std::string_view what) {
  if (vectors.size() != shape.inputs) {
    return Status(Code::kUnavailable, std::string(what) + " answered " +
                                          std::to_string(vectors.size()) + " embeddings for " +
                                          std::to_string(shape.inputs) + " inputs");
  }
  json data = json::array();
  for (size_t index = 0; index < vectors.size(); ++index) {
    const json* values = vectors[index];
    if (values == nullptr || !values->is_array()) {
      return Status(Code::kUnavailable,
                    std::string(what) + " embedding " + std::to_string(index) + " is not an array");
    }
    std::string packed;
    json floats = json::array();
    for (const auto& x : *values) {
      if (!x.is_number()) {
        return Status(Code::kUnavailable, std::string(what) + " embedding " +
                                              std::to_string(index) + " holds a non-number");
      }
      if (shape.base64) {
        appendFloat32(packed, x.get<double>());
      } else {
        floats.push_back(x);
      }
    }
    json item = {{"object", "embedding"}, {"index", index}};
    if (shape.base64) {
      item["embedding"] = base64(packed);
    } else {
      item["embedding"] = std::move(floats);
    }
    data.push_back(std::move(item));
  }
  json out = {{"object", "list"}, {"data", std::move(data)}, {"model", shape.model}};
  if (prompt_tokens >= 0) {
    out["usage"] = {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}};
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace igw
