// The chat route's body inspector and splice, structure-aware: request bodies written as text
// with `model`, `stream` and `stream_options` in any order, repeated, escaped (\u0041, \/),
// nested, with whitespace and wrong types, so inspection succeeds often and the splice is
// exercised. (chat_route_fuzz keeps feeding raw bytes.)
// Properties: an inspected body is rewritten into one that inspects again, with the new model
// and the same stream flag; include_usage is present after a rewrite that asked for it (unless
// the client's stream_options is not an object); the rewritten body is still JSON.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/chat_body.h"
#include "fuzz_util.h"
#include "http/json_scan.h"

namespace {

std::string ws(fz::Gen& g) {
  return g.rare(3) ? g.pickStr({" ", "\n", "\t ", "\r\n"}) : "";
}

std::string member(fz::Gen& g) {
  switch (g.upTo(7)) {
    case 0:
    case 1:
      return "\"model\"" + ws(g) + ":" + ws(g) +
             g.pickStr({"\"gpt-4o\"", "\"openai/gpt-4o\"", "\"\\u0067pt\"", "\"a\\/b\"", "\"\"",
                        "\"anthropic/claude\\\"x\"", "\"\\ud83d\\ude00\"", "null", "1", "[]"});
    case 2:
      return "\"stream\":" + g.pickStr({"true", "false", "\"true\"", "1", "null"});
    case 3: {
      std::string so = g.pickStr({"{}", "{\"include_usage\":false}", "{\"include_usage\":true}",
                                  "{\"x\":1}", "null", "[]", "\"x\""});
      return "\"stream_options\"" + ws(g) + ":" + ws(g) + so;
    }
    case 4:
      // As text, never through a DOM: it may be deeply nested or not JSON at all.
      return "\"messages\":" + g.jsonText();
    case 5:
      return "\"m\\u006fdel\":\"escaped-key\"";
    default: {
      nlohmann::json key = g.key();
      return key.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ":" +
             g.dump(g.value<fz::ojson>(2));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  std::string body = ws(g) + "{";
  for (size_t k = g.upTo(6); k > 0; --k) {
    body += ws(g) + member(g) + ws(g);
    if (k > 1) body += ",";
  }
  body += "}" + ws(g);
  if (g.rare(10) && !body.empty()) body.resize(g.upTo(body.size()));
  if (std::getenv("IGW_FUZZ_DEBUG")) fprintf(stderr, "body: %s\n", body.c_str());
  auto info = igw::inspectChatBody(body);
  if (!info) return 0;
  // Inspection validates the grammar of the whole body (not its UTF-8: bytes are forwarded as
  // the client sent them).
  if (!igw::validateJson(body)) std::abort();
  std::string model = g.pickStr({"gpt-4o", "m\"\\x", "\xC3\xA9", "a\\u0041"});
  for (bool usage : {false, true}) {
    std::string out = igw::rewriteChatBody(body, *info, model, usage);
    auto again = igw::inspectChatBody(out);
    if (std::getenv("IGW_FUZZ_DEBUG")) fprintf(stderr, "out: %s\n", out.c_str());
    if (!again || !igw::validateJson(out)) std::abort();
    if (again->model != model || again->stream != info->stream) std::abort();
    if (usage && !again->include_usage_set &&
        (!info->has_stream_options || info->stream_options_is_object)) {
      std::abort();
    }
  }
  return 0;
}
