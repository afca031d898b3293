// Gemini adapter, structure-aware (see fuzz_util.h):
//   mode 0: OpenAI chat request -> generateContent body (tool calls with nested/broken JSON
//           arguments, tool results that are JSON or not, schemas to sanitise, media parts);
//   mode 1: GenerateContentResponse -> OpenAI chat.completion;
//   mode 2: SSE chunks -> OpenAI chunks;
//   mode 3: error body -> ProviderError (status passed through, message kept).
// Properties: no crash; bodies are valid JSON and the path names the model; stream output is whole
// `data: {json}\n\n` events with at most one [DONE], last.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "translate/openai_gemini.h"

namespace {

using fz::ojson;

ojson part(fz::Gen& g) {
  ojson p = ojson::object();
  switch (g.upTo(4)) {
    case 0:
    case 1:
      p["text"] = g.orWrong<ojson>(g.text());
      if (g.rare(3)) p["thought"] = g.orWrong<ojson>(true);
      break;
    case 2: {
      ojson args = g.rare(4) ? g.deepValue() : g.value<ojson>(4);
      p["functionCall"] = g.orWrong<ojson>(
          ojson{{"name", g.orWrong<ojson>(g.pickStr({"get_weather", "search", ""}))},
                {"args", std::move(args)}});
      break;
    }
    case 3:
      p["inlineData"] = {{"mimeType", "image/png"}, {"data", g.text()}};
      break;
    default:
      p[g.key()] = g.value<ojson>(2);
  }
  if (g.rare(4)) p["thoughtSignature"] = g.orWrong<ojson>(g.text());
  return g.orWrong<ojson>(std::move(p));
}

ojson response(fz::Gen& g) {
  if (g.rare(10)) {
    return {
        {"error",
         {{"code", g.number()},
          {"message", g.text()},
          {"status", g.pickStr({"RESOURCE_EXHAUSTED", "INVALID_ARGUMENT", "UNAVAILABLE", "x"})}}}};
  }
  ojson r = ojson::object();
  ojson cands = ojson::array();
  for (size_t k = g.upTo(2); k > 0; --k) {
    ojson parts = ojson::array();
    for (size_t j = g.upTo(3); j > 0; --j) parts.push_back(part(g));
    ojson c = {{"content", g.orWrong<ojson>(ojson{{"role", "model"},
                                                  {"parts", g.orWrong<ojson>(std::move(parts))}})}};
    if (g.coin()) {
      c["finishReason"] = g.orWrong<ojson>(g.pickStr(
          {"STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "MALFORMED_FUNCTION_CALL", "x"}));
    }
    c["index"] = g.orWrong<ojson>(int64_t(cands.size()));
    cands.push_back(g.orWrong<ojson>(std::move(c)));
  }
  if (!g.rare(8)) r["candidates"] = g.orWrong<ojson>(std::move(cands));
  if (g.rare(6)) r["promptFeedback"] = {{"blockReason", g.pickStr({"SAFETY", "OTHER"})}};
  if (g.coin()) {
    ojson u = ojson::object();
    for (const char* k : {"promptTokenCount", "candidatesTokenCount", "thoughtsTokenCount",
                          "totalTokenCount", "cachedContentTokenCount"}) {
      if (g.coin()) u[k] = g.orWrong<ojson>(g.number());
    }
    r["usageMetadata"] = g.orWrong<ojson>(std::move(u));
  }
  if (g.coin()) r["modelVersion"] = g.text();
  if (g.coin()) r["responseId"] = g.orWrong<ojson>(g.text());
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto adapter = igw::makeGeminiAdapter();
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  igw::TranslateContext ctx{.model = "gemini-fuzz",
                            .response_id = "chatcmpl-fuzz",
                            .created = 1,
                            .include_usage = g.coin()};
  switch (g.upTo(3)) {
    case 0: {
      auto req = adapter->buildRequest(fz::openAiRequest(g), g.coin());
      if (req && (!fz::validJson(req->body) || !req->path.starts_with("/models/"))) std::abort();
      break;
    }
    case 1: {
      auto out = adapter->translateResponse(g.dump(response(g)), ctx);
      if (out && !fz::validJson(*out)) std::abort();
      break;
    }
    case 2: {
      auto stream = adapter->newStream(ctx);
      std::string out;
      while (g.more()) {
        size_t before = out.size();
        std::string payload = g.rare(12) ? g.text() : g.dump(response(g));
        (void)stream->onEvent("", payload, out);
        if (fz::checkOpenAiSse(std::string_view(out).substr(before)) != 0) std::abort();
      }
      size_t before = out.size();
      bool ok = stream->finish(out).isOk();
      int done = fz::checkOpenAiSse(std::string_view(out).substr(before));
      if (done > 1 || (ok && (done != 1 || !out.ends_with("data: [DONE]\n\n")))) std::abort();
      (void)stream->usage();
      break;
    }
    default: {
      ojson err = response(g);
      int status = fdp.ConsumeIntegralInRange<int>(0, 700);
      igw::ProviderError e = adapter->translateError(status, g.dump(err));
      // Always an error status: the provider's own when it is one (400 may become 401 for a
      // bad API key), else 502.
      int want = status >= 400 && status <= 599 ? status : 502;
      if (e.status != want && !(want == 400 && e.status == 401)) std::abort();
      if (e.message.empty()) std::abort();
      break;
    }
  }
  return 0;
}
