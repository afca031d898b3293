// The /v1/responses bridge and the Responses usage reader, structure-aware (see fuzz_util.h):
//   mode 0: Responses request -> OpenAI chat request (input items of every type, content parts,
//           reasoning items, function calls and outputs, tools, tool_choice, text.format,
//           reasoning, the fields the bridge refuses);
//   mode 1: OpenAI chat.completion -> Response object;
//   mode 2: OpenAI chunk stream -> Responses events (ResponsesStreamWriter);
//   mode 3: Responses usage from a Response object or a stream event (extractResponsesUsage,
//           what the byte-for-byte relay reads).
// Properties: no crash; every document produced is valid JSON (the chat request and the echo
// objects); stream output is whole events "event: X" + data {"type":"X",...,"sequence_number":N}
// numbered without a gap, response.failed right after an error event, nothing after a terminal
// event, and a failure always tells the client; usage read is never negative.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "telemetry/usage.h"
#include "translate/responses_openai.h"

namespace {

using fz::ojson;

ojson part(fz::Gen& g, bool assistant) {
  std::string type =
      assistant ? g.pickStr({"output_text", "output_text", "refusal", "input_text", "input_image"})
                : g.pickStr({"input_text", "input_text", "input_image", "input_image", "input_file",
                             "output_text", "x"});
  ojson p = {{"type", type}};
  if (type == "input_text" || type == "output_text") p["text"] = g.orWrong<ojson>(g.text());
  if (type == "refusal") p["refusal"] = g.orWrong<ojson>(g.text());
  if (type == "input_image") {
    if (g.rare(5)) {
      p["file_id"] = g.text();
    } else {
      p["image_url"] = g.orWrong<ojson>(g.pickStr({"https://x/y.png", "data:image/png;base64,AA"}));
    }
    if (g.coin()) p["detail"] = g.orWrong<ojson>(g.pickStr({"auto", "low", "high"}));
  }
  if (type == "input_file") p["file_data"] = g.text();
  return g.orWrong<ojson>(std::move(p));
}

ojson content(fz::Gen& g, bool assistant) {
  if (g.rare(3)) return g.orWrong<ojson>(g.text());
  ojson parts = ojson::array();
  for (size_t k = g.upTo(3); k > 0; --k) parts.push_back(part(g, assistant));
  return g.orWrong<ojson>(std::move(parts));
}

ojson item(fz::Gen& g) {
  std::string type =
      g.pickStr({"message", "message", "", "function_call", "function_call", "function_call_output",
                 "function_call_output", "reasoning", "item_reference", "web_search_call"});
  ojson it = ojson::object();
  if (!type.empty()) it["type"] = type;
  if (type == "message" || type.empty()) {
    std::string role =
        g.pickStr({"user", "user", "assistant", "assistant", "system", "developer", "tool"});
    it["role"] = g.orWrong<ojson>(role);
    it["content"] = content(g, role == "assistant");
  } else if (type == "function_call") {
    it["call_id"] = g.orWrong<ojson>(g.pickStr({"call_1", "call_2", ""}));
    it["name"] = g.orWrong<ojson>(g.pickStr({"get_weather", "search"}));
    it["arguments"] = g.orWrong<ojson>(g.rare(4) ? std::string() : g.jsonText());
    if (g.coin()) it["id"] = "fc_1";
  } else if (type == "function_call_output") {
    it["call_id"] = g.orWrong<ojson>(g.pickStr({"call_1", "call_2"}));
    it["output"] = g.coin() ? g.orWrong<ojson>(g.jsonText()) : content(g, false);
  } else if (type == "reasoning") {
    it["id"] = "rs_1";
    ojson summary = ojson::array();
    for (size_t k = g.upTo(2); k > 0; --k) {
      summary.push_back(
          g.orWrong<ojson>(ojson{{"type", "summary_text"}, {"text", g.orWrong<ojson>(g.text())}}));
    }
    it["summary"] = g.orWrong<ojson>(std::move(summary));
    if (g.coin()) {
      it["content"] = g.orWrong<ojson>(
          ojson::array({ojson{{"type", "reasoning_text"}, {"text", g.orWrong<ojson>(g.text())}}}));
    }
    if (g.coin()) it["encrypted_content"] = g.orWrong<ojson>(g.text());
  } else {
    it["id"] = g.text();
  }
  return g.orWrong<ojson>(std::move(it));
}

std::string request(fz::Gen& g) {
  ojson req = {{"model", g.orWrong<ojson>(g.pickStr({"claude-x", "gpt-4o"}))}};
  if (g.rare(4)) {
    req["input"] = g.orWrong<ojson>(g.text());
  } else {
    ojson items = ojson::array();
    for (size_t i = g.upTo(6); i > 0 && g.more(); --i) items.push_back(item(g));
    req["input"] = g.orWrong<ojson>(std::move(items));
  }
  while (g.more() && !g.rare(3)) {
    switch (g.upTo(12)) {
      case 0: {
        ojson tools = ojson::array();
        for (size_t k = g.upTo(2); k > 0; --k) {
          ojson t = {{"type", g.pickStr({"function", "function", "web_search", "mcp"})},
                     {"name", g.orWrong<ojson>(g.pickStr({"get_weather", "search"}))}};
          if (g.coin()) t["description"] = g.text();
          if (g.coin()) t["strict"] = g.orWrong<ojson>(g.coin());
          t["parameters"] =
              g.rare(5)
                  ? g.deepValue()
                  : g.orWrong<ojson>(ojson{{"type", "object"}, {"properties", g.value<ojson>(3)}});
          tools.push_back(g.orWrong<ojson>(std::move(t)));
        }
        req["tools"] = g.orWrong<ojson>(std::move(tools));
        break;
      }
      case 1:
        if (g.coin()) {
          req["tool_choice"] = g.pickStr({"auto", "none", "required", "any"});
        } else {
          req["tool_choice"] = g.orWrong<ojson>(
              ojson{{"type", g.pickStr({"function", "web_search_preview", "allowed_tools"})},
                    {"name", g.orWrong<ojson>(g.text())}});
        }
        break;
      case 2:
        req["reasoning"] = g.orWrong<ojson>(
            ojson{{"effort", g.orWrong<ojson>(g.pickStr({"low", "medium", "high", "minimal"}))},
                  {"summary", g.orWrong<ojson>(g.pickStr({"auto", "detailed"}))}});
        break;
      case 3:
        req["stream"] = g.orWrong<ojson>(g.coin());
        break;
      case 4:
        req[g.pickStr({"temperature", "top_p", "max_output_tokens"})] =
            g.coin() ? ojson(g.number()) : ojson(g.fdp().ConsumeFloatingPoint<double>());
        break;
      case 5: {
        std::string type = g.pickStr({"text", "json_object", "json_schema", "x"});
        ojson format = {{"type", type}};
        if (type == "json_schema") {
          format["name"] = g.orWrong<ojson>(g.text());
          format["schema"] = g.orWrong<ojson>(g.value<ojson>(3));
          if (g.coin()) format["strict"] = g.orWrong<ojson>(g.coin());
        }
        req["text"] = g.orWrong<ojson>(ojson{{"format", g.orWrong<ojson>(std::move(format))}});
        break;
      }
      case 6:
        req["instructions"] = g.orWrong<ojson>(g.text());
        break;
      case 7:
        req["metadata"] = g.orWrong<ojson>(ojson{{g.key(), g.text()}});
        break;
      case 8:
        req[g.pickStr({"previous_response_id", "conversation", "prompt", "background"})] =
            g.value<ojson>(1);
        break;
      case 9:
        req["parallel_tool_calls"] = g.orWrong<ojson>(g.coin());
        break;
      case 10:
        req["user"] = g.orWrong<ojson>(g.text());
        break;
      default:
        req[g.key()] = g.value<ojson>(2);
    }
  }
  return g.dump(req);
}

struct StreamState {
  int64_t next = 0;
  bool ended = false, errored = false;
};

FZ_NOCOV void checkEvents(std::string_view out, StreamState& st) {
  while (!out.empty()) {
    if (st.ended) std::abort();  // nothing may follow a terminal event
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
    if (!data.ends_with("\"sequence_number\":" + std::to_string(st.next) + "}")) std::abort();
    ++st.next;
    if (st.errored && name != "response.failed") std::abort();
    st.errored = name == "error";
    st.ended =
        name == "response.completed" || name == "response.incomplete" || name == "response.failed";
    out.remove_prefix(end + 2);
  }
}

ojson usage(fz::Gen& g) {
  ojson u = ojson::object();
  for (const char* key : {"input_tokens", "output_tokens", "total_tokens"}) {
    if (!g.rare(4)) u[key] = g.orWrong<ojson>(g.number());
  }
  if (g.coin()) u["input_tokens_details"] = g.orWrong<ojson>(ojson{{"cached_tokens", g.number()}});
  if (g.coin()) {
    u["output_tokens_details"] = g.orWrong<ojson>(ojson{{"reasoning_tokens", g.number()}});
  }
  return g.orWrong<ojson>(std::move(u));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  switch (g.upTo(3)) {
    case 0: {
      auto out = igw::responsesToChatRequest(request(g), g.pickStr({"gpt-4o", "a\"b"}));
      if (out && (!fz::validJson(out->chat) || !fz::validJson(out->echo))) std::abort();
      break;
    }
    case 1: {
      std::string echo = g.coin() ? std::string("{}") : g.dump(g.value<ojson>(2));
      auto out = igw::chatResponseToResponse(g.dump(fz::openAiCompletion(g)),
                                             g.pickStr({"claude-x", "a\xff\"b"}), echo);
      if (out && !fz::validJson(*out)) std::abort();
      break;
    }
    case 2: {
      igw::ResponsesStreamWriter writer(g.pickStr({"client-model", "a\xff\"b"}),
                                        g.coin() ? std::string("{}") : g.text());
      std::string out;
      StreamState st;
      while (g.more()) {
        size_t before = out.size();
        igw::Status s = writer.onChunk(fz::openAiChunk(g), out);
        checkEvents(std::string_view(out).substr(before), st);
        if (!s.isOk() && !st.ended) std::abort();  // a failure always tells the client
      }
      size_t before = out.size();
      bool fail = g.rare(8);  // the caller's own failure; writes nothing once the stream ended
      igw::Status s =
          fail ? writer.fail(g.pickStr({"server_error", "", "rate_limit_exceeded"}), g.text(), out)
               : writer.finish(out);
      checkEvents(std::string_view(out).substr(before), st);
      if (!st.ended) std::abort();  // every stream ends with a terminal event
      (void)s;
      break;
    }
    default: {
      ojson doc = g.coin() ? ojson{{"id", "resp_1"}, {"object", "response"}, {"usage", usage(g)}}
                           : ojson{{"type", "response.completed"},
                                   {"sequence_number", g.number()},
                                   {"response", g.orWrong<ojson>(ojson{{"usage", usage(g)}})}};
      igw::TokenUsage u;
      if (igw::extractResponsesUsage(g.dump(doc), u)) {
        if (u.prompt < -1 || u.completion < -1 || u.total < -1 || u.cached < -1 ||
            u.reasoning < -1) {
          std::abort();
        }
      }
      break;
    }
  }
  return 0;
}
