// translate_bench: micro-benchmark of the streaming translators (native SSE events -> OpenAI
// chat.completion.chunk events), the per-event work the gateway does on a native provider's
// stream.
//
//   translate_bench [EVENTS]     (default 2000000 text-delta events per run and provider)
//
// For each provider it measures
//   - translator only: EVENTS text-delta events through StreamTranslator::onEvent, `out`
//     cleared after each (and checked to hold a "data: " event);
//   - parser + translator: the same events as one long SSE transcript, fed in 16 KB pieces
//     through igw::SseParser into onEvent, like the relay does (`out` cleared per piece);
// best of 3 runs each, and prints a markdown table (stdout; progress goes to stderr).
// The text deltas are the ones of the golden transcripts in tests/golden/openai-*/, cycled.
// Single-threaded: run it under `taskset -c CPU` to pin it (bench/run.sh does).
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/sse.h"
#include "translate/translator.h"
#include "translate/openai_anthropic.h"
#include "translate/openai_cohere.h"
#include "translate/openai_gemini.h"

namespace {

using igw::ChatAdapter;
using igw::SseEvent;
using igw::SseParser;
using igw::Status;
using igw::StreamTranslator;
using igw::TranslateContext;

constexpr double kTarget = 1e6;  // events/s
constexpr size_t kPiece = 16 * 1024;
constexpr int kRuns = 3;

struct Event {
  std::string event;  // "event:" name, empty when the provider sends none
  std::string data;
};

struct Provider {
  std::string name;
  std::function<std::unique_ptr<ChatAdapter>()> make;
  std::string model;
  std::vector<Event> prelude;   // sent once before the deltas (not timed)
  std::vector<Event> deltas;    // text deltas, cycled
  std::vector<Event> epilogue;  // ends the stream (not timed)
};

// tests/golden/openai-anthropic/stream_text/upstream_stream.txt
Provider anthropic() {
  auto delta = [](std::string_view text) {
    return Event{
        "content_block_delta",
        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")" +
            std::string(text) + R"("}})"};
  };
  return {
      "anthropic",
      [] { return igw::makeAnthropicAdapter(); },
      "claude-sonnet-4-5",
      {{"message_start",
        R"({"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",)"
        R"("type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929",)"
        R"("stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,)"
        R"("cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}})"},
       {"content_block_start",
        R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"},
       {"ping", R"({"type":"ping"})"}},
      {delta("Hello"), delta("!"), delta(R"( \"Quoted\" \\ line\nbreak é漢😀)"),
       delta(R"( caf\u00e9 \ud83d\ude00)")},
      {{"content_block_stop", R"({"type":"content_block_stop","index":0})"},
       {"message_delta",
        R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
        R"("usage":{"output_tokens":15}})"},
       {"message_stop", R"({"type":"message_stop"})"}},
  };
}

// tests/golden/openai-gemini/stream_text/upstream_stream.txt (the finishReason of the last
// chunk dropped: these are all mid-stream chunks).
Provider gemini() {
  auto chunk = [](std::string_view text, int candidates, int total, bool last = false) {
    return Event{
        "", R"({"candidates": [{"content": {"parts": [{"text": ")" + std::string(text) +
                R"("}],"role": "model"},)" + (last ? R"("finishReason": "STOP",)" : "") +
                R"("index": 0}],"usageMetadata": {)"
                R"("promptTokenCount": 4,"candidatesTokenCount": )" +
                std::to_string(candidates) + R"(,"totalTokenCount": )" + std::to_string(total) +
                R"(,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 4}]},)"
                R"("modelVersion": "gemini-2.0-flash","responseId": "eHJvaPm3Hfv1nvgPkavJ2Ao"})"};
  };
  return {
      "gemini",
      [] { return igw::makeGeminiAdapter(); },
      "gemini-2.0-flash",
      {chunk("Hello", 1, 5)},
      {chunk(R"(, wörld \"quoted\"\n)", 6, 10), chunk("Bye 👋", 9, 13), chunk("Hello", 10, 14)},
      {chunk("Bye 👋", 13, 17, true)},
  };
}

// tests/golden/openai-cohere/streaming_text/upstream_stream.txt
Provider cohere() {
  auto delta = [](std::string_view text) {
    return Event{"content-delta",
                 R"({"type":"content-delta","index":0,"delta":{"message":{"content":{"text":")" +
                     std::string(text) + R"("}}}})"};
  };
  return {
      "cohere",
      [] { return igw::makeCohereAdapter(); },
      "command-a-03-2025",
      {{"message-start",
        R"({"type":"message-start","id":"29f14a5a-11de-4cae-9800-25e4747408ea","delta":{"message":)"
        R"({"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}})"},
       {"content-start",
        R"({"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}})"}},
      {delta("Hello"), delta(" there"), delta(R"(! \"quoted\"\né€😀)")},
      {{"content-end", R"({"type":"content-end","index":0})"},
       {"message-end",
        R"({"type":"message-end","delta":{"finish_reason":"COMPLETE","usage":{"billed_units":)"
        R"({"input_tokens":2,"output_tokens":6},"tokens":{"input_tokens":495,"output_tokens":6}}}})"}},
  };
}

[[noreturn]] void fail(const Provider& p, const std::string& what) {
  std::fprintf(stderr, "translate_bench: %s: %s\n", p.name.c_str(), what.c_str());
  std::exit(1);
}

void check(const Provider& p, const Status& s, const char* where) {
  if (!s.isOk()) fail(p, std::string(where) + " failed: " + s.message());
}

bool isChunk(const std::string& out) {
  return out.size() > 6 && out.starts_with("data: {");
}

std::unique_ptr<StreamTranslator> openStream(const Provider& p, const ChatAdapter& adapter) {
  TranslateContext ctx;
  ctx.model = p.model;
  ctx.response_id = "chatcmpl-bench0000000000000000000001";
  ctx.created = 1700000000;
  auto tr = adapter.newStream(ctx);
  std::string out;
  for (const Event& e : p.prelude) check(p, tr->onEvent(e.event, e.data, out), "prelude");
  return tr;
}

void closeStream(const Provider& p, StreamTranslator& tr) {
  std::string out;
  for (const Event& e : p.epilogue) check(p, tr.onEvent(e.event, e.data, out), "epilogue");
  check(p, tr.finish(out), "finish");
  if (!out.ends_with("data: [DONE]\n\n")) fail(p, "stream did not end with [DONE]: " + out);
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Events/s of `n` deltas straight into onEvent.
double translatorOnly(const Provider& p, const ChatAdapter& adapter, int64_t n) {
  auto tr = openStream(p, adapter);
  std::string out;
  out.reserve(4096);
  const size_t k = p.deltas.size();
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < n; ++i) {
    const Event& e = p.deltas[static_cast<size_t>(i) % k];
    out.clear();
    Status s = tr->onEvent(e.event, e.data, out);
    if (!s.isOk() || !isChunk(out)) [[unlikely]] {
      fail(p, "delta " + std::to_string(i) + ": " + s.message() + " out: " + out.substr(0, 200));
    }
  }
  double secs = seconds(t0);
  closeStream(p, *tr);
  return static_cast<double>(n) / secs;
}

std::string sseText(const Event& e) {
  std::string s;
  if (!e.event.empty()) s += "event: " + e.event + "\n";
  s += "data: " + e.data + "\n\n";
  return s;
}

// Events/s of `n` deltas as SSE text through SseParser + onEvent. The transcript body is a
// block of `block_events` deltas, fed back to back until `n` events went through.
double parserAndTranslator(const Provider& p, const ChatAdapter& adapter, const std::string& block,
                           int64_t block_events, int64_t n) {
  std::string prelude;
  for (const Event& e : p.prelude) prelude += sseText(e);
  auto tr = openStream(p, adapter);  // prelude once through onEvent, not timed
  SseParser parser;
  std::string out;
  out.reserve(2 * kPiece);
  int64_t events = 0;
  Status st;
  auto on_event = [&](const SseEvent& ev) {
    if (!ev.has_data || !st.isOk()) return;
    ++events;
    st = tr->onEvent(ev.event, ev.data, out);
  };
  const int64_t blocks = (n + block_events - 1) / block_events;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t b = 0; b < blocks; ++b) {
    for (size_t off = 0; off < block.size(); off += kPiece) {
      out.clear();
      Status s = parser.feed(std::string_view(block).substr(off, kPiece), on_event);
      if (!s.isOk() || !st.isOk() || !isChunk(out)) [[unlikely]] {
        fail(p, "piece at " + std::to_string(off) + ": " + s.message() + st.message() +
                    " out: " + out.substr(0, 200));
      }
    }
  }
  double secs = seconds(t0);
  if (parser.bufferedBytes() != 0) fail(p, "parser holds a partial event at the end");
  if (events != blocks * block_events) {
    fail(p, "parsed " + std::to_string(events) + " events, expected " +
                std::to_string(blocks * block_events));
  }
  closeStream(p, *tr);
  return static_cast<double>(events) / secs;
}

// Events/s of the parser alone over the same transcript (information: how the parser + translator
// figure splits).
double parserOnly(const Provider& p, const std::string& block, int64_t block_events, int64_t n) {
  SseParser parser;
  int64_t events = 0;
  size_t bytes = 0;
  auto on_event = [&](const SseEvent& ev) {
    events += ev.has_data;
    bytes += ev.data.size();
  };
  const int64_t blocks = (n + block_events - 1) / block_events;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t b = 0; b < blocks; ++b) {
    for (size_t off = 0; off < block.size(); off += kPiece) {
      if (!parser.feed(std::string_view(block).substr(off, kPiece), on_event).isOk()) {
        fail(p, "parser failed");
      }
    }
  }
  double secs = seconds(t0);
  if (events != blocks * block_events || bytes == 0) fail(p, "parser-only event count mismatch");
  return static_cast<double>(events) / secs;
}

std::string withCommas(double v) {
  auto n = static_cast<int64_t>(v + 0.5);
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 2000000;
  if (argc > 2 || (argc == 2 && (n = std::atoll(argv[1])) <= 0)) {
    std::fprintf(stderr, "usage: %s [EVENTS]   (text-delta events per run, default 2000000)\n",
                 argv[0]);
    return 2;
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  std::string pinned = "unpinned";
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) == 1) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &cpus)) pinned = "CPU " + std::to_string(c);
    }
  }
  std::fprintf(stderr, "translate_bench: %lld events per run, best of %d, %s\n",
               static_cast<long long>(n), kRuns, pinned.c_str());

  struct Row {
    std::string name;
    double only, parsed, parser;
    size_t avg_bytes;
  };
  std::vector<Row> rows;
  for (const Provider& p : {anthropic(), gemini(), cohere()}) {
    auto adapter = p.make();
    // ~1 MB transcript block: whole cycles of the deltas, so the stream stays realistic.
    std::string cycle;
    for (const Event& e : p.deltas) cycle += sseText(e);
    const int64_t cycles = std::max<int64_t>(1, (1 << 20) / static_cast<int64_t>(cycle.size()));
    std::string block;
    block.reserve(cycle.size() * static_cast<size_t>(cycles));
    for (int64_t i = 0; i < cycles; ++i) block += cycle;
    const int64_t block_events = cycles * static_cast<int64_t>(p.deltas.size());

    double best_only = 0, best_parsed = 0, best_parser = 0;
    for (int r = 0; r < kRuns; ++r) {
      best_only = std::max(best_only, translatorOnly(p, *adapter, n));
      best_parsed = std::max(best_parsed, parserAndTranslator(p, *adapter, block, block_events, n));
      best_parser = std::max(best_parser, parserOnly(p, block, block_events, n));
    }
    std::fprintf(stderr,
                 "  %-10s translator %10s ev/s   parser+translator %10s ev/s   parser %10s ev/s\n",
                 p.name.c_str(), withCommas(best_only).c_str(), withCommas(best_parsed).c_str(),
                 withCommas(best_parser).c_str());
    rows.push_back({p.name, best_only, best_parsed, best_parser, cycle.size() / p.deltas.size()});
  }

  std::printf(
      "| provider | native event (avg) | translator only, events/s | parser + translator, "
      "events/s | target | result | parser alone, events/s (info) |\n");
  std::printf("|---|---:|---:|---:|---|---|---:|\n");
  for (const Row& r : rows) {
    bool pass = r.only >= kTarget && r.parsed >= kTarget;
    std::printf("| %s | %zu B | %s | %s | ≥ 1,000,000/s | %s | %s |\n", r.name.c_str(), r.avg_bytes,
                withCommas(r.only).c_str(), withCommas(r.parsed).c_str(), pass ? "PASS" : "MISS",
                withCommas(r.parser).c_str());
  }
  std::printf(
      "\n%lld text-delta events per run (the golden transcripts' deltas, cycled), best of "
      "%d; the parser columns feed the events as SSE text in 16 KB pieces. The target applies "
      "to both columns (so in effect to parser + translator, the gateway's path). "
      "Single thread, %s.\n",
      static_cast<long long>(n), kRuns, pinned.c_str());
  return 0;  // a miss is a result, not an error
}
