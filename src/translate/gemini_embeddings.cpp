#include "translate/gemini_embeddings.h"

#include <algorithm>
#include <cctype>

#include "core/json_parse.h"

namespace igw {

namespace {

using json = nlohmann::json;

bool validModelName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

Result<NativeEmbeddingsRequest> geminiEmbeddingsRequest(std::string_view openai_body,
                                                        std::string_view model,
                                                        EmbeddingsShape& shape) {
  std::string_view name = model;
  if (name.rfind("models/", 0) == 0) name.remove_prefix(7);
  if (!validModelName(name)) {
    return invalidArgument("model '" + std::string(model) + "' is not a valid Gemini model name");
  }
  auto in = readEmbeddingsRequest(openai_body, name, "Gemini", shape);
  if (!in) return in.status();
  const std::string full = "models/" + std::string(name);
  json requests = json::array();
  for (auto& t : in->texts) {
    json r = {{"model", full}, {"content", {{"parts", json::array({{{"text", std::move(t)}}})}}}};
    if (!in->dimensions.is_null()) r["outputDimensionality"] = in->dimensions;
    requests.push_back(std::move(r));
  }
  NativeEmbeddingsRequest out;
  out.path = "/" + full + ":batchEmbedContents";
  out.body =
      json{{"requests", std::move(requests)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

Result<std::string> openAIEmbeddingsFromGemini(std::string_view gemini_body,
                                               const EmbeddingsShape& shape,
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
  std::vector<const json*> vectors;
  for (const auto& e : *embeddings) {
    const json* values = nullptr;
    if (e.is_object()) {
      if (auto v = e.find("values"); v != e.end()) values = &*v;
    }
    vectors.push_back(values);
  }
  if (auto um = doc.find("usageMetadata"); um != doc.end() && um->is_object()) {
    auto p = um->find("promptTokenCount");
    if (p != um->end() && p->is_number_unsigned() && p->get<uint64_t>() < (1ull << 50)) {
      prompt_tokens = static_cast<int64_t>(p->get<uint64_t>());
    }
  }
  return openAIEmbeddingsList(vectors, shape, prompt_tokens, "batchEmbedContents");
}

}  // namespace igw
