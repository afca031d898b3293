// Cohere embeddings translation (translate/cohere_embeddings.h), structure-aware:
//   mode 0: OpenAI embeddings request -> v2 embed body;
//   mode 1: v2 embed answer -> OpenAI embeddings list (floats or base64).
// Properties: no crash; bodies are valid JSON with one text per input; a translated answer has
// exactly one embedding per input, base64 ones a multiple of 4 bytes long.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "translate/cohere_embeddings.h"

namespace {

using fz::ojson;

ojson request(fz::Gen& g) {
  ojson r = ojson::object();
  r["model"] = g.orWrong<ojson>(g.pickStr({"embed-v4.0", "embed-english-v3.0"}));
  switch (g.upTo(3)) {
    case 0:
      r["input"] = g.orWrong<ojson>(g.text());
      break;
    case 1: {
      ojson a = ojson::array();
      for (size_t k = g.upTo(4); k > 0 && g.more(); --k) a.push_back(g.orWrong<ojson>(g.text()));
      r["input"] = std::move(a);
      break;
    }
    case 2:
      r["input"] = ojson::array({ojson::array({1, 2})});
      break;
    default:
      r["input"] = g.value<ojson>(3);
  }
  if (g.coin()) r["dimensions"] = g.orWrong<ojson>(g.number());
  if (g.coin()) r["encoding_format"] = g.orWrong<ojson>(g.pickStr({"float", "base64", "int8"}));
  if (g.coin()) {
    r["input_type"] = g.orWrong<ojson>(g.pickStr({"search_query", "classification", ""}));
  }
  if (g.rare(3)) r["truncate"] = g.orWrong<ojson>(g.pickStr({"NONE", "END"}));
  if (g.rare(3)) r[g.key()] = g.value<ojson>(2);
  return r;
}

ojson answer(fz::Gen& g, size_t n) {
  ojson floats = ojson::array();
  for (size_t i = 0; i < n + (g.rare(6) ? 1 : 0) && g.more(); ++i) {
    ojson values = ojson::array();
    for (size_t k = g.upTo(6); k > 0; --k) {
      values.push_back(g.rare(8) ? g.value<ojson>(1) : ojson(static_cast<double>(g.number()) / 7));
    }
    floats.push_back(g.orWrong(values));
  }
  ojson doc = {{"id", "e"}, {"embeddings", g.orWrong(ojson{{"float", g.orWrong(floats)}})}};
  if (g.coin()) {
    doc["meta"] = {
        {"billed_units", g.orWrong(ojson{{"input_tokens", g.orWrong<ojson>(g.number())}})}};
  }
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  igw::EmbeddingsShape shape;
  auto req = igw::cohereEmbeddingsRequest(g.dump(request(g)), "embed-v4.0", shape);
  if (req) {
    if (!fz::validJson(req->body) || req->path != "/v2/embed") std::abort();
    if (nlohmann::json::parse(req->body)["texts"].size() != shape.inputs) std::abort();
  } else {
    shape.inputs = g.upTo(3);
    shape.base64 = g.coin();
    shape.model = "m";
  }
  int64_t tokens = -1;
  auto out = igw::openAIEmbeddingsFromCohere(g.dump(answer(g, shape.inputs)), shape, tokens);
  if (out) {
    if (!fz::validJson(*out)) std::abort();
    auto doc = nlohmann::json::parse(*out);
    if (doc["data"].size() != shape.inputs) std::abort();
    for (const auto& e : doc["data"]) {
      if (shape.base64 &&
          (!e["embedding"].is_string() || e["embedding"].get<std::string>().size() % 4 != 0)) {
        std::abort();
      }
    }
  }
  return 0;
}
