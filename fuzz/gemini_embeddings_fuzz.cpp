// Gemini embeddings translation (translate/gemini_embeddings.h), structure-aware:
//   mode 0: OpenAI embeddings request -> batchEmbedContents body;
//   mode 1: batchEmbedContents answer -> OpenAI embeddings list (floats or base64).
// Properties: no crash; bodies are valid JSON; the path names the model; a translated answer has
// exactly one embedding per input, base64 ones a multiple of 4 bytes long.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "translate/gemini_embeddings.h"

namespace {

using fz::ojson;

ojson request(fz::Gen& g) {
  ojson r = ojson::object();
  r["model"] = g.orWrong<ojson>(g.pickStr({"gemini-embedding-001", "text-embedding-004"}));
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
      r["input"] = ojson::array({1, 2, 3});
      break;
    default:
      r["input"] = g.value<ojson>(3);
  }
  if (g.coin()) r["dimensions"] = g.orWrong<ojson>(g.number());
  if (g.coin()) r["encoding_format"] = g.orWrong<ojson>(g.pickStr({"float", "base64", "hex"}));
  if (g.rare(3)) r[g.key()] = g.value<ojson>(2);
  return r;
}

ojson answer(fz::Gen& g, size_t n) {
  ojson doc = ojson::object();
  ojson embeddings = ojson::array();
  for (size_t i = 0; i < n + (g.rare(6) ? 1 : 0) && g.more(); ++i) {
    ojson values = ojson::array();
    for (size_t k = g.upTo(6); k > 0; --k) {
      values.push_back(g.rare(8) ? g.value<ojson>(1) : ojson(static_cast<double>(g.number()) / 7));
    }
    embeddings.push_back(g.rare(10) ? g.value<ojson>(2) : ojson{{"values", g.orWrong(values)}});
  }
  doc["embeddings"] = g.orWrong(embeddings);
  if (g.coin()) doc["usageMetadata"] = {{"promptTokenCount", g.orWrong<ojson>(g.number())}};
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  igw::EmbeddingsShape shape;
  const std::string model = g.rare(8) ? g.text() : "gemini-embedding-001";
  auto req = igw::geminiEmbeddingsRequest(g.dump(request(g)), model, shape);
  if (req && (!fz::validJson(req->body) || !req->path.starts_with("/models/") ||
              !req->path.ends_with(":batchEmbedContents"))) {
    std::abort();
  }
  if (!req) {
    shape.inputs = g.upTo(3);
    shape.base64 = g.coin();
    shape.model = "m";
  }
  int64_t tokens = -1;
  auto out = igw::openAIEmbeddingsFromGemini(g.dump(answer(g, shape.inputs)), shape, tokens);
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
