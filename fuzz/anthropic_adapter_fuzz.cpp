// Anthropic adapter, structure-aware: the fuzz bytes choose documents of the right shape, so the
// translator code (not the JSON parser) is what gets explored.
//   mode 0: OpenAI chat request -> Anthropic Messages body (tool call arguments holding nested or
//           broken JSON, tool results, images, system prompts, thinking fields);
//   mode 1: Anthropic message -> OpenAI chat.completion;
//   mode 2: Anthropic stream events -> OpenAI chunks;
//   mode 3: Anthropic error body -> ProviderError (status passed through, message kept).
// Properties: no crash; every body produced is valid JSON; stream output is whole
// `data: {json}\n\n` events with at most one [DONE], last; a failed event writes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "translate/openai_anthropic.h"

namespace {

using fz::ojson;

ojson usage(fz::Gen& g) {
  ojson u = ojson::object();
  for (const char* k : {"input_tokens", "output_tokens", "cache_read_input_tokens",
                        "cache_creation_input_tokens"}) {
    if (!g.rare(4)) u[k] = g.orWrong<ojson>(g.number());
  }
  return u;
}

ojson block(fz::Gen& g, bool start) {
  std::string type =
      g.pickStr({"text", "text", "tool_use", "thinking", "redacted_thinking", "server_tool_use"});
  ojson b = {{"type", type}};
  if (type == "text") b["text"] = g.orWrong<ojson>(start ? "" : g.text());
  if (type == "tool_use" || type == "server_tool_use") {
    b["id"] = g.orWrong<ojson>(g.pickStr({"toolu_1", "toolu_2", ""}));
    b["name"] = g.orWrong<ojson>(g.pickStr({"get_weather", "search", ""}));
    if (!g.rare(6)) {
      b["input"] = g.rare(4) ? g.deepValue() : g.value<ojson>(4);
    }
  }
  if (type == "thinking") {
    b["thinking"] = g.orWrong<ojson>(g.text());
    b["signature"] = g.orWrong<ojson>(g.text());
  }
  if (type == "redacted_thinking") b["data"] = g.orWrong<ojson>(g.text());
  return g.orWrong<ojson>(std::move(b));
}

std::string message(fz::Gen& g) {
  ojson content = ojson::array();
  for (size_t k = g.upTo(4); k > 0; --k) content.push_back(block(g, false));
  ojson m = {{"id", g.orWrong<ojson>(g.pickStr({"msg_1", ""}))},
             {"type", "message"},
             {"role", "assistant"},
             {"model", g.text()},
             {"content", g.orWrong<ojson>(std::move(content))}};
  m["stop_reason"] = g.orWrong<ojson>(
      g.pickStr({"end_turn", "max_tokens", "tool_use", "refusal", "stop_sequence", "x"}));
  if (!g.rare(4)) m["usage"] = g.orWrong<ojson>(usage(g));
  return g.dump(m);
}

// One stream event: (event name, data).
std::pair<std::string, std::string> event(fz::Gen& g, int64_t& index) {
  std::string type = g.pickStr({"message_start", "content_block_start", "content_block_delta",
                                "content_block_delta", "content_block_delta", "content_block_stop",
                                "message_delta", "message_stop", "ping", "error", "x"});
  if (g.rare(3)) index = g.coin() && index >= 0 && index < 64 ? index + 1 : g.number();
  ojson ev = {{"type", type}};
  if (type == "message_start") {
    ev["message"] = {{"id", g.orWrong<ojson>(g.text())},
                     {"type", "message"},
                     {"role", "assistant"},
                     {"content", ojson::array()},
                     {"usage", usage(g)}};
  } else if (type == "content_block_start") {
    ev["index"] = index;
    ev["content_block"] = block(g, true);
  } else if (type == "content_block_delta") {
    // The order Anthropic sends, which the translator's byte-level fast path expects.
    ev["index"] = g.orWrong<ojson>(index);
    std::string kind = g.pickStr(
        {"text_delta", "input_json_delta", "thinking_delta", "signature_delta", "citations_delta"});
    const char* field = kind == "text_delta"         ? "text"
                        : kind == "input_json_delta" ? "partial_json"
                        : kind == "thinking_delta"   ? "thinking"
                                                     : "signature";
    ev["delta"] = {{"type", kind},
                   {field, g.orWrong<ojson>(kind == "input_json_delta" ? g.jsonText() : g.text())}};
  } else if (type == "content_block_stop") {
    ev["index"] = g.orWrong<ojson>(index);
  } else if (type == "message_delta") {
    ev["delta"] = {
        {"stop_reason", g.orWrong<ojson>(g.pickStr({"end_turn", "tool_use", "max_tokens"}))},
        {"stop_sequence", nullptr}};
    ev["usage"] = usage(g);
  } else if (type == "error") {
    ev["error"] = {{"type", g.pickStr({"overloaded_error", "api_error", "x"})},
                   {"message", g.text()}};
  }
  std::string name = g.rare(6) ? g.text() : type;
  return {name, g.dump(ev)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto adapter = igw::makeAnthropicAdapter({});
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  igw::TranslateContext ctx{
      .model = "claude", .response_id = "chatcmpl-x", .created = 1, .include_usage = g.coin()};
  switch (g.upTo(3)) {
    case 0: {
      auto req = adapter->buildRequest(fz::openAiRequest(g), g.coin());
      if (req && !fz::validJson(req->body)) std::abort();
      break;
    }
    case 1: {
      auto out = adapter->translateResponse(message(g), ctx);
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
        igw::Status s = stream->onEvent(name, payload, out);
        if (!s.isOk() && out.size() != before) std::abort();  // a failed event writes nothing
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
      ojson err = {{"type", "error"},
                   {"error", {{"type", g.text()}, {"message", g.orWrong<ojson>(g.text())}}}};
      int status = fdp.ConsumeIntegralInRange<int>(0, 700);
      igw::ProviderError e = adapter->translateError(status, g.dump(err));
      // Always an error status: the provider's own when it is one (a 529 stays a 529), else 502.
      if (e.status != (status >= 400 && status <= 599 ? status : 502)) std::abort();
      if (e.message.empty()) std::abort();
      break;
    }
  }
  return 0;
}
