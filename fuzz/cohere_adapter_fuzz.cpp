// Cohere v2 adapter, structure-aware (see fuzz_util.h):
//   mode 0: OpenAI chat request -> Cohere /v2/chat body;
//   mode 1: Cohere chat response -> OpenAI chat.completion;
//   mode 2: Cohere stream events -> OpenAI chunks;
//   mode 3: error body -> ProviderError (status passed through, message kept).
// Properties: no crash; bodies are valid JSON; stream output is whole `data: {json}\n\n` events
// with at most one [DONE], last; a stream that ended reports non-negative usage.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "translate/openai_cohere.h"

namespace {

using fz::ojson;

ojson usage(fz::Gen& g) {
  ojson u = ojson::object();
  if (g.coin()) {
    u["billed_units"] = {{"input_tokens", g.orWrong<ojson>(g.number())},
                         {"output_tokens", g.orWrong<ojson>(g.number())}};
  }
  if (g.coin()) {
    u["tokens"] = {{"input_tokens", g.orWrong<ojson>(g.number())},
                   {"output_tokens", g.orWrong<ojson>(g.number())}};
  }
  if (g.coin()) u["cached_tokens"] = g.orWrong<ojson>(g.number());
  return g.orWrong<ojson>(std::move(u));
}

ojson toolCall(fz::Gen& g) {
  ojson fn = ojson::object();
  if (!g.rare(6)) fn["name"] = g.orWrong<ojson>(g.pickStr({"get_weather", "search", ""}));
  if (!g.rare(6)) fn["arguments"] = g.orWrong<ojson>(g.jsonText());
  return g.orWrong<ojson>(ojson{{"id", g.orWrong<ojson>(g.pickStr({"call_1", "call_2", ""}))},
                                {"type", "function"},
                                {"function", g.orWrong<ojson>(std::move(fn))}});
}

const char* kReasons[] = {"COMPLETE", "STOP_SEQUENCE", "MAX_TOKENS", "TOOL_CALL",
                          "ERROR",    "TIMEOUT",       "x"};

std::string reason(fz::Gen& g) {
  return kReasons[g.upTo(6)];
}

ojson response(fz::Gen& g) {
  ojson msg = {{"role", "assistant"}};
  if (g.coin()) {
    ojson content = ojson::array();
    for (size_t k = g.upTo(3); k > 0; --k) {
      bool thinking = g.rare(3);
      ojson c = {{"type", thinking ? "thinking" : "text"}};
      c[thinking ? "thinking" : "text"] = g.orWrong<ojson>(g.text());
      content.push_back(g.orWrong<ojson>(std::move(c)));
    }
    msg["content"] = g.orWrong<ojson>(std::move(content));
  }
  if (g.rare(3)) msg["tool_plan"] = g.orWrong<ojson>(g.text());
  if (g.coin()) {
    ojson calls = ojson::array();
    for (size_t k = g.upTo(3); k > 0; --k) calls.push_back(toolCall(g));
    msg["tool_calls"] = g.orWrong<ojson>(std::move(calls));
  }
  if (g.rare(4)) msg["citations"] = ojson::array({g.value<ojson>(2)});
  ojson r = {{"id", g.orWrong<ojson>(g.text())},
             {"finish_reason", g.orWrong<ojson>(reason(g))},
             {"message", g.orWrong<ojson>(std::move(msg))}};
  if (g.coin()) r["usage"] = usage(g);
  if (g.rare(10)) r = {{"message", g.text()}};  // an error body
  return r;
}

std::pair<std::string, std::string> event(fz::Gen& g, int64_t& index) {
  std::string type =
      g.pickStr({"message-start", "content-start", "content-delta", "content-delta", "content-end",
                 "tool-plan-delta", "tool-call-start", "tool-call-delta", "tool-call-end",
                 "citation-start", "message-end", "debug", "x"});
  if (g.rare(3)) index = g.coin() && index >= 0 && index < 64 ? index + 1 : g.number();
  ojson ev = {{"type", type}};
  ojson msg = ojson::object();
  if (type == "message-start") {
    ev["id"] = g.orWrong<ojson>(g.text());
    msg["role"] = "assistant";
  } else if (type == "content-start" || type == "content-delta") {
    bool thinking = g.rare(3);
    ojson c = ojson::object();
    if (type == "content-start") c["type"] = thinking ? "thinking" : "text";
    c[thinking ? "thinking" : "text"] = g.orWrong<ojson>(type == "content-start" ? "" : g.text());
    msg["content"] = g.orWrong<ojson>(std::move(c));
  } else if (type == "tool-plan-delta") {
    msg["tool_plan"] = g.orWrong<ojson>(g.text());
  } else if (type == "tool-call-start") {
    msg["tool_calls"] = toolCall(g);
  } else if (type == "tool-call-delta") {
    msg["tool_calls"] = {{"function", {{"arguments", g.orWrong<ojson>(g.text())}}}};
  }
  if (type != "message-start" && type != "message-end") ev["index"] = g.orWrong<ojson>(index);
  if (type == "message-end") {
    ojson d = {{"finish_reason", g.orWrong<ojson>(reason(g))}};
    if (g.coin()) d["usage"] = usage(g);
    if (g.rare(6)) d["error"] = g.text();
    ev["delta"] = g.orWrong<ojson>(std::move(d));
  } else if (!msg.empty()) {
    ev["delta"] = g.orWrong<ojson>(ojson{{"message", std::move(msg)}});
  }
  std::string name = g.rare(3) ? std::string(g.coin() ? "message" : "") : type;
  return {name, g.rare(12) ? g.text() : g.dump(ev)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto adapter = igw::makeCohereAdapter();
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  igw::TranslateContext ctx{.model = "command-a",
                            .response_id = "chatcmpl-fuzz",
                            .created = 1700000000,
                            .include_usage = g.coin()};
  switch (g.upTo(3)) {
    case 0: {
      auto req = adapter->buildRequest(fz::openAiRequest(g), g.coin());
      if (req && !fz::validJson(req->body)) std::abort();
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
      int64_t index = 0;
      while (g.more()) {
        auto [name, payload] = event(g, index);
        size_t before = out.size();
        if (!stream->onEvent(name, payload, out)) {
          if (fz::checkOpenAiSse(std::string_view(out).substr(before)) != 0) std::abort();
          break;  // a relay stops at the first failed event
        }
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
      int status = fdp.ConsumeIntegralInRange<int>(0, 700);
      igw::ProviderError e = adapter->translateError(status, g.dump(response(g)));
      // Always an error status: the provider's own when it is one, else 502.
      if (e.status != (status >= 400 && status <= 599 ? status : 502)) std::abort();
      if (e.message.empty()) std::abort();
      break;
    }
  }
  return 0;
}
