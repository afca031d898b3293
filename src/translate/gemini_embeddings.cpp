#include "translate/gemini_embeddings.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

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
  const float f = static_cast<float>(v);
  uint32_t bits = 0;
  std::memcpy(&bits, &f, sizeof bits);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
}

bool validModelName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

Result<GeminiEmbeddingsRequest> geminiEmbeddingsRequest(std::string_view openai_body,
                                                        std::string_view model,
                                                        GeminiEmbeddingsShape& shape) {
  auto parsed = parseJson(openai_body);
  if (!parsed.ok() || !parsed.value.is_object()) {
    return jsonStatus(parsed, Code::kInvalidArgument, "request body");
  }
  const json& req = parsed.value;
  std::string_view name = model;
  if (name.rfind("models/", 0) == 0) name.remove_prefix(7);
  if (!validModelName(name)) {
    return invalidArgument("model '" + std::string(model) + "' is not a valid Gemini model name");
  }
  auto input = req.find("input");
  if (input == req.end()) return invalidArgument("missing required field 'input'");
  std::vector<const json*> texts;
  if (input->is_string()) {
    texts.push_back(&*input);
  } else if (input->is_array()) {
    for (const auto& item : *input) {
      if (!item.is_string()) {
        return invalidArgument(
            "'input' must be a string or an array of strings for Gemini (it takes text, not "
            "token ids)");
      }
      texts.push_back(&item);
    }
  } else {
    return invalidArgument("'input' must be a string or an array of strings");
  }
  if (texts.empty()) return invalidArgument("'input' must not be empty");
  json dims;
  if (auto d = req.find("dimensions"); d != req.end() && !d->is_null()) {
    if (!d->is_number_integer() || d->get<int64_t>() < 1) {
      return invalidArgument("'dimensions' must be a positive integer");
    }
    dims = *d;
  }
  shape = GeminiEmbeddingsShape{};
  if (auto f = req.find("encoding_format"); f != req.end() && !f->is_null()) {
    if (!f->is_string() || (*f != "float" && *f != "base64")) {
      return invalidArgument("'encoding_format' must be \"float\" or \"base64\"");
    }
    shape.base64 = *f == "base64";
  }
  const std::string full = "models/" + std::string(name);
  json requests = json::array();
  for (const json* t : texts) {
    json r = {{"model", full}, {"content", {{"parts", json::array({{{"text", *t}}})}}}};
    if (!dims.is_null()) r["outputDimensionality"] = dims;
    shape.text_bytes += static_cast<int64_t>(t->get_ref<const std::string&>().size());
    requests.push_back(std::move(r));
  }
  shape.model = std::string(name);
  shape.inputs = texts.size();
  GeminiEmbeddingsRequest out;
  out.path = "/" + full + ":batchEmbedContents";
  out.body =
      json{{"requests", std::move(requests)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

Result<std::string> openAIEmbeddingsFromGemini(std::string_view gemini_body,
                                               const GeminiEmbeddingsShape& shape,
                                               int64_t& prompt_tokens) {
  prompt_tokens = -1;
  auto parsed = parseJson(gemini_body);
  if (!parsed.ok() || !parsed.value.is_object()) {
    return jsonStatus(parsed, Code::kUnavailable, "batchEmbedContents answer");
  }
  const json& doc = parsed.value;
  auto embeddings = doc.find("embeddings");
  if (embeddings == doc.end() || !embeddings->is_array()) {
    return Status(Code::kUnavailable, "batchEmbedContents answer has no 'embeddings' array");
  }
  if (embeddings->size() != shape.inputs) {
    return Status(Code::kUnavailable, "batchEmbedContents answered " +
                                          std::to_string(embeddings->size()) + " embeddings for " +
                                          std::to_string(shape.inputs) + " inputs");
  }
  json data = json::array();
  size_t index = 0;
  for (const auto& e : *embeddings) {
    const json* values = nullptr;
    if (e.is_object()) {
      auto v = e.find("values");
      if (v != e.end() && v->is_array()) values = &*v;
    }
    if (values == nullptr) {
      return Status(Code::kUnavailable, "batchEmbedContents embedding " + std::to_string(index) +
                                            " has no 'values' array");
    }
    json item = {{"object", "embedding"}, {"index", index}};
    std::string packed;
    json floats = json::array();
    for (const auto& x : *values) {
      if (!x.is_number()) {
        return Status(Code::kUnavailable, "batchEmbedContents embedding " + std::to_string(index) +
                                              " holds a non-number");
      }
      if (shape.base64) {
        appendFloat32(packed, x.get<double>());
      } else {
        floats.push_back(x);
      }
    }
    if (shape.base64) {
      item["embedding"] = base64(packed);
    } else {
      item["embedding"] = std::move(floats);
    }
    data.push_back(std::move(item));
    ++index;
  }
  json out = {{"object", "list"}, {"data", std::move(data)}, {"model", shape.model}};
  if (auto um = doc.find("usageMetadata"); um != doc.end() && um->is_object()) {
    auto p = um->find("promptTokenCount");
    if (p != um->end() && p->is_number_unsigned()) {
      prompt_tokens = static_cast<int64_t>(p->get<uint64_t>());
      out["usage"] = {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}};
    }
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace igw
