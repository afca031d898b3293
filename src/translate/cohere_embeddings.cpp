#include "translate/cohere_embeddings.h"

#include "core/json_parse.h"

namespace igw {

namespace {
using json = nlohmann::json;
}  // namespace

Result<NativeEmbeddingsRequest> cohereEmbeddingsRequest(std::string_view openai_body,
                                                        std::string_view model,
                                                        EmbeddingsShape& shape) {
  auto in = readEmbeddingsRequest(openai_body, model, "Cohere", shape);
  if (!in) return in.status();
  json body = {{"model", model},
               {"texts", std::move(in->texts)},
               {"input_type", "search_document"},
               {"embedding_types", json::array({"float"})}};
  for (const char* k : {"input_type", "truncate"}) {
    auto v = in->extra.find(k);
    if (v == in->extra.end() || v->is_null()) continue;
    if (!v->is_string()) return invalidArgument("'" + std::string(k) + "' must be a string");
    body[k] = *v;
  }
  if (!in->dimensions.is_null()) body["output_dimension"] = in->dimensions;
  NativeEmbeddingsRequest out;
  out.path = "/v2/embed";
  out.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

Result<std::string> openAIEmbeddingsFromCohere(std::string_view cohere_body,
                                               const EmbeddingsShape& shape,
                                               int64_t& prompt_tokens) {
  prompt_tokens = -1;
  auto parsed = parseJson(cohere_body);
  if (!parsed.ok() || !parsed.value.is_object()) {
    return jsonStatus(parsed, Code::kUnavailable, "embed answer");
  }
  const json& doc = parsed.value;
  auto embeddings = doc.find("embeddings");
  const json* floats = nullptr;
  if (embeddings != doc.end() && embeddings->is_object()) {
    if (auto f = embeddings->find("float"); f != embeddings->end() && f->is_array()) floats = &*f;
  }
  if (floats == nullptr) {
    return Status(Code::kUnavailable, "embed answer has no 'embeddings.float' array");
  }
  std::vector<const json*> vectors;
  for (const auto& v : *floats) vectors.push_back(&v);
  if (auto meta = doc.find("meta"); meta != doc.end() && meta->is_object()) {
    if (auto bu = meta->find("billed_units"); bu != meta->end() && bu->is_object()) {
      auto t = bu->find("input_tokens");
      // A whole, non-negative count of a sane size (Cohere writes integers; floats are read too).
      if (t != bu->end() && t->is_number()) {
        const double v = t->get<double>();
        if (v >= 0 && v < 1e15) prompt_tokens = static_cast<int64_t>(v);
      }
    }
  }
  return openAIEmbeddingsList(vectors, shape, prompt_tokens, "embed");
}

}  // namespace igw
