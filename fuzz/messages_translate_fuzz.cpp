// The inbound /v1/messages translators, structure-aware (see fuzz_util.h):
//   mode 0: Anthropic Messages request -> OpenAI chat request (tool_use inputs, tool_result
//           blocks with nested content, images, system blocks, thinking, tools, tool_choice);
//   mode 1: OpenAI chat.completion -> Anthropic message;
//   mode 2: OpenAI chunk stream -> Anthropic SSE events (MessagesStreamWriter);
//   mode 3: OpenAI error -> Anthropic error envelope.
// Properties: no crash; every document produced is valid JSON; stream output is whole events
// "event: X\ndata: {"type":"X",...}\n\n", nothing after an error event, and a failure always
// tells the client (an error event).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "translate/anthropic_openai.h"
#include "fuzz_util.h"

namespace {

using fz::ojson;

ojson image(fz::Gen& g) {
  ojson src =
      g.coin() ? ojson{{"type", "base64"},
                       {"media_type", g.orWrong<ojson>(g.pickStr({"image/png", "x"}))},
                       {"data", g.orWrong<ojson>(g.text())}}
               : ojson{{"type", g.pickStr({"url", "file"})}, {"url", g.orWrong<ojson>(g.text())}};
  return {{"type", "image"}, {"source", g.orWrong<ojson>(std::move(src))}};
}

ojson block(fz::Gen& g, bool user, int depth) {
  std::string type =
      user ? g.pickStr({"text", "text", "image", "tool_result", "tool_result", "document", "x"})
           : g.pickStr({"text", "text", "tool_use", "tool_use", "thinking", "redacted_thinking",
                        "server_tool_use"});
  ojson b = {{"type", type}};
  if (type == "text") b["text"] = g.orWrong<ojson>(g.text());
  if (type == "image") b = image(g);
  if (type == "tool_result") {
    b["tool_use_id"] = g.orWrong<ojson>(g.pickStr({"toolu_1", "toolu_2", ""}));
    if (g.coin()) {
      b["content"] = g.orWrong<ojson>(g.jsonText());
    } else if (!g.rare(5)) {
      ojson inner = ojson::array();
      for (size_t k = g.upTo(3); k > 0; --k) {
        inner.push_back(depth > 0 && g.rare(4) ? block(g, true, depth - 1)
                        : g.coin()             ? ojson{{"type", "text"}, {"text", g.jsonText()}}
                                               : image(g));
      }
      b["content"] = std::move(inner);
    }
    if (g.rare(3)) b["is_error"] = g.orWrong<ojson>(g.coin());
  }
  if (type == "tool_use" || type == "server_tool_use") {
    b["id"] = g.orWrong<ojson>(g.pickStr({"toolu_1", "toolu_2"}));
    b["name"] = g.orWrong<ojson>(g.pickStr({"get_weather", "search", ""}));
    if (!g.rare(6)) {
      b["input"] = g.rare(4) ? g.deepValue() : g.value<ojson>(4);
    }
  }
  if (type == "thinking") {
    b["thinking"] = g.orWrong<ojson>(g.text());
    if (g.coin()) b["signature"] = g.orWrong<ojson>(g.text());
  }
  if (type == "redacted_thinking") b["data"] = g.orWrong<ojson>(g.text());
  if (g.rare(6)) b["cache_control"] = {{"type", "ephemeral"}};
  return g.orWrong<ojson>(std::move(b));
}

std::string request(fz::Gen& g) {
  ojson req = {{"model", g.orWrong<ojson>(g.pickStr({"claude-x", "gpt-4o"}))},
               {"max_tokens", g.orWrong<ojson>(g.number())}};
  if (g.coin()) {
    if (g.coin()) {
      req["system"] = g.text();
    } else {
      ojson sys = ojson::array();
      for (size_t k = g.upTo(2); k > 0; --k) {
        sys.push_back(g.orWrong<ojson>(ojson{{"type", g.pickStr({"text", "text", "image"})},
                                             {"text", g.orWrong<ojson>(g.text())}}));
      }
      req["system"] = std::move(sys);
    }
  }
  ojson msgs = ojson::array();
  for (size_t i = g.upTo(5); i > 0 && g.more(); --i) {
    bool user = !g.rare(3);
    ojson m = {{"role", g.orWrong<ojson>(user ? "user" : g.pickStr({"assistant", "system"}))}};
    if (g.rare(4)) {
      m["content"] = g.orWrong<ojson>(g.text());
    } else {
      ojson blocks = ojson::array();
      for (size_t k = g.upTo(3); k > 0; --k) blocks.push_back(block(g, user, 2));
      m["content"] = std::move(blocks);
    }
    msgs.push_back(g.orWrong<ojson>(std::move(m)));
  }
  req["messages"] = g.orWrong<ojson>(std::move(msgs));
  while (g.more() && !g.rare(3)) {
    switch (g.upTo(9)) {
      case 0: {
        ojson tools = ojson::array();
        for (size_t k = g.upTo(2); k > 0; --k) {
          ojson t = {{"name", g.orWrong<ojson>(g.pickStr({"get_weather", "search"}))}};
          if (g.rare(4)) t["type"] = g.pickStr({"custom", "web_search_20250305", "bash"});
          if (g.coin()) t["description"] = g.text();
          t["input_schema"] =
              g.orWrong<ojson>(ojson{{"type", "object"}, {"properties", g.value<ojson>(3)}});
          tools.push_back(g.orWrong<ojson>(std::move(t)));
        }
        req["tools"] = g.orWrong<ojson>(std::move(tools));
        break;
      }
      case 1: {
        ojson c = {{"type", g.orWrong<ojson>(g.pickStr({"auto", "any", "tool", "none", "x"}))}};
        if (g.coin()) c["name"] = g.orWrong<ojson>(g.text());
        if (g.coin()) c["disable_parallel_tool_use"] = g.orWrong<ojson>(g.coin());
        req["tool_choice"] = g.orWrong<ojson>(std::move(c));
        break;
      }
      case 2:
        req["thinking"] = g.orWrong<ojson>(
            ojson{{"type", g.orWrong<ojson>(g.pickStr({"enabled", "disabled", "adaptive", "x"}))},
                  {"budget_tokens", g.orWrong<ojson>(g.number())}});
        break;
      case 3:
        req["stream"] = g.orWrong<ojson>(g.coin());
        break;
      case 4:
        req[g.pickStr({"temperature", "top_p", "top_k"})] =
            g.orWrong<ojson>(g.fdp().ConsumeFloatingPoint<double>());
        break;
      case 5:
        req["stop_sequences"] = g.orWrong<ojson>(ojson::array({g.text()}));
        break;
      case 6:
        req["metadata"] = g.orWrong<ojson>(ojson{{"user_id", g.orWrong<ojson>(g.text())}});
        break;
      case 7:
        req["mcp_servers"] = ojson::array();
        break;
      default:
        req[g.key()] = g.value<ojson>(2);
    }
  }
  return g.dump(req);
}

// Checks `out` is a sequence of whole Anthropic events; returns whether the last one was an
// error.
FZ_NOCOV bool checkEvents(std::string_view out, bool errored) {
  while (!out.empty()) {
    if (errored) std::abort();  // nothing may follow an error event
    size_t end = out.find("\n\n");
    if (end == std::string_view::npos || !out.starts_with("event: ")) std::abort();
    std::string_view event = out.substr(0, end);
    size_t nl = event.find('\n');
    if (nl == std::string_view::npos) std::abort();
    std::string_view name = event.substr(7, nl - 7);
    std::string_view data = event.substr(nl + 1);
    if (!data.starts_with("data: ")) std::abort();
    data.remove_prefix(6);
    std::string type_prefix = "{\"type\":\"" + std::string(name) + "\"";
    if (!data.starts_with(type_prefix) || !fz::validJson(data)) std::abort();
    errored = name == "error";
    out.remove_prefix(end + 2);
  }
  return errored;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  switch (g.upTo(3)) {
    case 0: {
      bool stream = false;
      auto out = igw::messagesToChatRequest(request(g), g.pickStr({"gpt-4o", "a\"b"}), &stream);
      if (out && !fz::validJson(*out)) std::abort();
      break;
    }
    case 1: {
      auto out = igw::chatResponseToMessage(g.dump(fz::openAiCompletion(g)), "claude-x");
      if (out && !fz::validJson(*out)) std::abort();
      break;
    }
    case 2: {
      igw::MessagesStreamWriter writer(g.pickStr({"client-model", "a\xff\"b"}));
      std::string out;
      bool errored = false;
      while (g.more()) {
        size_t before = out.size();
        igw::Status s = writer.onChunk(fz::openAiChunk(g), out);
        errored = checkEvents(std::string_view(out).substr(before), errored);
        if (!s.isOk() && !errored) std::abort();  // a failure always tells the client
      }
      size_t before = out.size();
      bool fail = g.rare(8);  // the caller's own failure; writes nothing once the stream ended
      igw::Status s = fail ? writer.fail("api_error", g.text(), out) : writer.finish(out);
      errored = checkEvents(std::string_view(out).substr(before), errored);
      if (!s.isOk() && !errored && !fail) std::abort();
      break;
    }
    default: {
      int status = fdp.ConsumeIntegralInRange<int>(0, 700);
      ojson err = {{"error",
                    {{"message", g.orWrong<ojson>(g.text())},
                     {"type", g.text()},
                     {"code", g.value<ojson>(0)}}}};
      std::string out = igw::chatErrorToMessagesError(status, g.rare(4) ? g.text() : g.dump(err));
      if (!fz::validJson(out)) std::abort();
      break;
    }
  }
  return 0;
}
