// The agent loop's codec, structure-aware (see fuzz_util.h): offering tools in a client's request,
// reading tool calls out of a whole answer and out of a stream of chunks, and writing the
// assistant turn and the tool results back.
// Properties: no crash; every document written is valid JSON; the reasoning a streamed turn
// collected reads back unchanged from the assistant turn written for it; a tool call read from a
// stream has a name and arguments; a rewritten chunk, and both halves of a split one, are valid
// JSON; a tool message never exceeds its limit by more than the truncation note; usage sums never
// wrap (UBSan).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "tools/loop_codec.h"

using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  namespace agent = igw::agent;
  switch (g.upTo(2)) {
    case 0: {  // the request going up, the completion coming back
      json req = fz::openAiRequest(g);
      std::vector<igw::ToolSpec> specs(g.upTo(3));
      std::vector<const igw::ToolSpec*> ptrs;
      for (auto& s : specs) {
        s.name = g.pickStr({"mcp_search", "get_weather", "a2a_x_y"});
        s.description = g.text();
        s.parameters = g.jsonText();
        ptrs.push_back(&s);
      }
      if (req.is_object()) {
        (void)agent::clientToolNames(req);
        (void)agent::offerTools(req, ptrs);
        if (!fz::validJson(agent::safeDump(req))) std::abort();
      }
      json doc = json::parse(g.dump(fz::openAiCompletion(g)), nullptr, false);
      if (!doc.is_object()) break;
      auto c = agent::readCompletion(doc);
      if (!c) break;
      igw::ToolOutcome outcome{g.text(), g.coin(), g.text()};
      uint64_t max = g.upTo(64);
      for (const auto& call : c->calls) {
        json m = agent::toolMessage(call, outcome, max);
        if (m["content"].get_ref<const std::string&>().size() > max + 80) std::abort();
        if (!fz::validJson(agent::safeDump(m))) std::abort();
      }
      if (!fz::validJson(
              agent::safeDump(agent::assistantMessage(g.text(), c->calls, c->reasoning)))) {
        std::abort();
      }
      // The answer the client gets, with the reasoning of earlier turns on it.
      agent::surfaceReasoning(doc, agent::joinReasoning(c->reasoning, c->reasoning));
      if (!fz::validJson(agent::safeDump(doc))) std::abort();
      break;
    }
    default: {  // a streamed answer
      agent::StreamAccumulator acc;
      agent::UsageTotals usage;
      std::string rewritten;
      while (g.more()) {
        std::string chunk = fz::openAiChunk(g);
        if (chunk == "[DONE]") continue;
        auto action = acc.onChunk(chunk, rewritten, usage);
        if (!rewritten.empty() && !fz::validJson(rewritten)) std::abort();
        if (action == agent::StreamAccumulator::Action::kSplit &&
            (rewritten.empty() || !fz::validJson(acc.heldPart()))) {
          std::abort();
        }
      }
      auto calls = acc.calls();
      for (const auto& call : calls) {
        if (call.name.empty() || call.arguments.empty()) std::abort();
      }
      if (!fz::validJson(acc.usageChunk(usage))) std::abort();
      json turn = agent::assistantMessage(acc.content(), calls, acc.reasoning());
      if (!fz::validJson(agent::safeDump(turn))) std::abort();
      // What the turn says about its reasoning reads back unchanged.
      agent::Reasoning back = agent::Reasoning::of(turn);
      if (back.text != acc.reasoning().text || back.redacted != acc.reasoning().redacted ||
          back.signature != acc.reasoning().signature) {
        std::abort();
      }
      break;
    }
  }
  return 0;
}
