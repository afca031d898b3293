// The MCP/A2A agent loop, as a filter around model calls (chat and messages).
//
// When gateway tools are offered (sources up, not bypassed by X-MCP-Bypass / X-A2A-Bypass),
// each turn is an ordinary model call (`next`: the provider call path, native providers
// included) delivering into a TurnSink instead of the client's sink. The TurnSink forwards what
// the client should see at once (text and reasoning deltas), holds what depends on the outcome
// of the turn (tool-call deltas, the finish chunk) and captures whole answers. When the model
// calls only gateway tools, the loop runs them concurrently, appends the assistant turn — as the
// model produced it, reasoning and signatures included — and the results, and asks again, up to
// AGENT_MAX_ITERATIONS turns. When it calls a client tool, or answers, that turn goes to the
// client. A stream stays one valid stream: one response, chunks of every turn, one usage chunk
// with the totals, one [DONE]. All loop state lives in this request's coroutine frame.
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "api/app.h"
#include "core/ids.h"
#include "core/json_parse.h"
#include "filters/filters.h"
#include "http/errors.h"
#include "http/sse.h"
#include "net/parallel.h"
#include "pipeline/chat_sink.h"
#include "pipeline/exchange.h"
#include "tools/loop_codec.h"
#include "tools/registry.h"

namespace igw {

namespace {

using agent::ToolCall;
using agent::UsageTotals;
using nlohmann::json;

// X-MCP-Bypass / X-A2A-Bypass: any value but "false"/"0" skips that source for this request.
bool bypassed(const Request& req, std::string_view header) {
  const std::string* v = req.header(header);
  return v != nullptr && !(iequals(*v, "false") || *v == "0");
}

bool skipped(const ToolSource& source, const Request& req) {
  return (source.kind() == "mcp" && bypassed(req, "X-MCP-Bypass")) ||
         (source.kind() == "a2a" && bypassed(req, "X-A2A-Bypass"));
}

// The gateway tools offered to this request: a snapshot per source, kept alive for the request.
struct ActiveTools {
  std::vector<std::shared_ptr<const std::vector<ToolSpec>>> snapshots;
  std::vector<const ToolSpec*> offered;
  std::unordered_map<std::string_view, std::pair<ToolSource*, const ToolSpec*>> by_name;
};

// The tool lists of source `i`: through the worker's own snapshot readers (no lock), or the
// source's current snapshot when the worker has no view.
std::shared_ptr<const std::vector<ToolSpec>> toolsOf(const Exchange& ex, size_t i) {
  const ToolRegistry& registry = *ex.app.tools;
  ToolView* view = ex.app.tool_views ? ex.app.tool_views->forWorker(ex.ctx.worker) : nullptr;
  if (view != nullptr && view->size() == registry.sources().size()) return view->tools(i);
  return registry.sources()[i]->tools();
}

ActiveTools activeTools(const Exchange& ex) {
  ActiveTools active;
  const auto& sources = ex.app.tools->sources();
  for (size_t i = 0; i < sources.size(); ++i) {
    ToolSource* source = sources[i].get();
    if (skipped(*source, ex.req)) continue;
    auto tools = toolsOf(ex, i);
    if (!tools || tools->empty()) continue;
    for (const auto& t : *tools) {
      if (active.by_name.emplace(t.name, std::make_pair(source, &t)).second) {
        active.offered.push_back(&t);
      }
    }
    active.snapshots.push_back(std::move(tools));
  }
  return active;
}

// Stands between one turn's model call and the client's sink.
class TurnSink final : public ChatSink {
 public:
  explicit TurnSink(ChatSink& client) : client_(client) {}

  void beginTurn() {
    acc_ = agent::StreamAccumulator();
    held_.clear();
    captured_ = false;
    body_.clear();
    headers_.clear();
    status_ = 0;
  }

  net::awaitable<void> answer(int status, const Headers& headers, std::string_view body) override {
    captured_ = true;
    status_ = status;
    headers_ = headers;
    body_.assign(body.data(), body.size());
    co_return;
  }

  net::awaitable<bool> beginStream(int status, const Headers& headers) override {
    if (streaming_) co_return true;  // the client's stream began in an earlier turn
    streaming_ = true;
    const bool ok = co_await client_.beginStream(status, headers);
    if (!ok) client_gone_ = true;
    co_return ok;
  }

  void event(std::string_view data, std::string_view raw) override {
    if (data.empty()) {  // a comment: passes through
      client_.event(data, raw);
      return;
    }
    if (data == "[DONE]") return;  // the loop writes the one [DONE]
    auto action = acc_.onChunk(data, rewritten_, usage_);
    if (action == agent::StreamAccumulator::Action::kDrop) return;
    if (action == agent::StreamAccumulator::Action::kSplit) {  // text now, tool calls held
      client_.event(rewritten_, {});
      held_.emplace_back(acc_.heldPart());
      return;
    }
    if (action == agent::StreamAccumulator::Action::kHold) {
      held_.emplace_back(rewritten_.empty() ? std::string(data) : rewritten_);
      return;
    }
    if (rewritten_.empty()) {
      client_.event(data, raw);
    } else {
      client_.event(rewritten_, {});
    }
  }

  net::awaitable<bool> flush(bool /*last*/) override {
    // Never the client's last write: the loop ends the stream itself.
    if (client_gone_) co_return false;
    const bool ok = co_await client_.flush(false);
    if (!ok) client_gone_ = true;
    co_return ok;
  }

  net::awaitable<void> endStream(const Status& failure) override {
    if (!failure.isOk()) {
      // As the client would have seen it: an error chunk, which marks the turn failed.
      std::string err = errorJson(failure);
      event(err, {});
    }
    co_return;
  }

  // Writes straight to the client (tool progress comments).
  net::awaitable<bool> comment(std::string_view raw) {
    if (client_gone_) co_return false;
    client_.event({}, raw);
    const bool ok = co_await flush(false);
    co_return ok;
  }

  // Ends the client's stream: the held chunks of the last turn, one usage chunk, one [DONE].
  net::awaitable<void> finishStream(std::vector<std::string> tail) {
    if (client_gone_) co_return;
    for (const auto& data : tail) client_.event(data, {});
    if (usage_.seen) client_.event(acc_.usageChunk(usage_), {});
    client_.event("[DONE]", {});
    (void)co_await client_.flush(true);
  }

  bool clientGone() const { return client_gone_; }
  void markClientGone() { client_gone_ = true; }
  bool streaming() const { return streaming_; }
  bool captured() const { return captured_; }
  int capturedStatus() const { return status_; }
  const Headers& capturedHeaders() const { return headers_; }
  const std::string& capturedBody() const { return body_; }
  const agent::StreamAccumulator& stream() const { return acc_; }
  std::vector<std::string>& held() { return held_; }
  UsageTotals& usage() { return usage_; }

 private:
  ChatSink& client_;
  bool streaming_ = false;
  bool client_gone_ = false;
  // Per turn.
  agent::StreamAccumulator acc_;
  std::vector<std::string> held_;
  std::string rewritten_;
  bool captured_ = false;
  int status_ = 0;
  Headers headers_;
  std::string body_;
  // Whole request.
  UsageTotals usage_;
};

std::string toolNames(const std::vector<ToolCall>& calls) {
  std::string names;
  for (const auto& c : calls) names += (names.empty() ? "" : ", ") + c.name;
  return names;
}

// "X-Gateway-Tool-Events: true" (the web UI sends it): a streaming client also gets each gateway
// tool call and its result as SSE comments, one JSON object per line, which other clients
// ignore like any comment:
//   : tool_call {"id":"call_1","name":"mcp_echo","arguments":"{...}"}
//   : tool_result {"id":"call_1","name":"mcp_echo","ok":true,"duration_ms":3.2,"output":"..."}
// The output is cut at kToolEventOutputBytes (UTF-8 boundary); the model still gets all of it.
constexpr size_t kToolEventOutputBytes = 4096;

bool wantsToolEvents(const Request& req) {
  const std::string* v = req.header("X-Gateway-Tool-Events");
  return v != nullptr && (*v == "true" || *v == "1");
}

std::string toolCallEvents(const std::vector<ToolCall>& calls) {
  std::string out;
  for (const auto& c : calls) {
    json e = {{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}};
    out += ": tool_call " + agent::safeDump(e) + "\n\n";
  }
  return out;
}

std::string toolResultEvents(const std::vector<ToolCall>& calls,
                             const std::vector<ToolOutcome>& outcomes,
                             const std::vector<double>& durations) {
  std::string out;
  for (size_t i = 0; i < calls.size() && i < outcomes.size(); ++i) {
    std::string_view text = outcomes[i].content;
    bool cut = text.size() > kToolEventOutputBytes;
    if (cut) {
      size_t n = kToolEventOutputBytes;
      while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
      text = text.substr(0, n);
    }
    json e = {{"id", calls[i].id},
              {"name", calls[i].name},
              {"ok", !outcomes[i].is_error},
              {"duration_ms", i < durations.size() ? durations[i] : 0.0},
              {"output", text},
              {"truncated", cut}};
    if (outcomes[i].is_error) e["error_type"] = outcomes[i].error_type;
    out += ": tool_result " + agent::safeDump(e) + "\n\n";
  }
  return out;
}

class ToolLoopFilter final : public Filter {
 public:
  ToolLoopFilter(const AgentConfig& agent, const RequestLimitsConfig& limits)
      : agent_(agent), limits_(limits) {}

  std::string_view name() const override { return "tool_loop"; }
  bool wrapsModelCall() const override { return true; }

  net::awaitable<bool> aroundModelCall(Exchange& ex, ChatTurn& turn, ChatSink& sink,
                                       const ModelCall& next) const override {
    ActiveTools tools = activeTools(ex);
    if (tools.offered.empty()) co_return false;
    // The loop works on a DOM of the body: the same bounds as for translated requests.
    Result<ChatBodyInfo> info =
        turn.info ? Result<ChatBodyInfo>(*turn.info) : inspectChatBody(turn.body);
    if (info) {
      if (Status s = checkTranslationLimits(*info, limits_.chat_max_messages,
                                            limits_.chat_max_json_values);
          !s) {
        std::string err = errorJson(s);
        co_await sink.answer(httpStatus(s.code()), {}, err);
        co_return true;
      }
    }
    json doc = parseJsonOrDiscarded(turn.body);  // too deep: the provider call says so
    if (!doc.is_object() || !doc.contains("messages") || !doc["messages"].is_array() ||
        agent::offerTools(doc, tools.offered) == 0) {
      co_return false;  // no gateway tools for this request
    }
    std::string().swap(turn.body);
    co_await runLoop(ex, tools, std::move(doc), sink, next);
    co_return true;
  }

 private:
  // Runs the calls concurrently; results in call order. Cancels the tools when the client
  // leaves.
  // `durations`: each call's time in ms, in call order.
  net::awaitable<std::vector<ToolOutcome>> runTools(Exchange& ex, const ActiveTools& tools,
                                                    const std::vector<ToolCall>& calls,
                                                    bool& client_gone,
                                                    std::vector<double>& durations) const {
    RequestInfo& info = ex.info;
    std::vector<ToolOutcome> outcomes(calls.size());
    durations.assign(calls.size(), 0.0);
    auto token = std::make_shared<CancelToken>();
    ex.res.watchDisconnect([&ex, &client_gone, token] {
      client_gone = true;
      ex.client_gone = true;
      token->cancel();
    });
    const unsigned limit = agent_.max_tool_calls;
    std::vector<Task> tasks;
    for (size_t i = 0; i < calls.size(); ++i) {
      tasks.push_back([&, i]() -> net::awaitable<void> {
        const ToolCall& call = calls[i];
        if (i >= limit) {
          outcomes[i] = {"not executed: the model asked for more than AGENT_MAX_TOOL_CALLS (" +
                             std::to_string(limit) + ") tool calls in one turn",
                         true, "limit"};
          co_return;
        }
        auto [source, spec] = tools.by_name.at(call.name);
        auto start = RequestInfo::Clock::now();
        // Named, not temporaries: g++ 12 destroys temporaries of a co_await operand twice.
        std::string arguments = call.arguments;
        ToolCallContext tool_ctx{info.request_id, token};
        outcomes[i] = co_await source->call(*spec, std::move(arguments), std::move(tool_ctx));
        double ms =
            std::chrono::duration<double, std::milli>(RequestInfo::Clock::now() - start).count();
        durations[i] = ms;
        info.tool_executions.push_back(
            {call.name, !outcomes[i].is_error, outcomes[i].error_type, ms});
        ex.app.log.debug("tool executed", {{"request_id", info.request_id},
                                           {"tool", call.name},
                                           {"ok", !outcomes[i].is_error},
                                           {"error_type", outcomes[i].error_type},
                                           {"duration_ms", ms}});
      });
    }
    co_await runConcurrently(std::move(tasks));
    ex.res.stopWatching();
    co_return outcomes;
  }

  // A stream that must end after an error the loop found itself.
  static net::awaitable<void> endWithError(TurnSink& loop, std::string error_json) {
    std::vector<std::string> tail;
    tail.push_back(std::move(error_json));
    co_await loop.finishStream(std::move(tail));
  }

  net::awaitable<void> runLoop(Exchange& ex, const ActiveTools& tools, json doc, ChatSink& client,
                               const ModelCall& next) const {
    RequestInfo& info = ex.info;
    TurnSink loop(client);
    const bool events = wantsToolEvents(ex.req);
    agent::Reasoning earlier;  // reasoning of the tool turns the loop ran, for the client
    const unsigned max_turns = agent_.max_iterations;
    for (unsigned turn = 1;; ++turn) {
      ChatTurn call;
      call.body = agent::safeDump(doc);
      loop.beginTurn();
      info.agent_iterations = static_cast<int>(turn);
      co_await next(ex, call, loop);
      if (loop.clientGone() || ex.client_gone) co_return;

      std::vector<ToolCall> calls;
      std::string content;
      agent::Reasoning reasoning;
      json response;
      if (loop.captured()) {
        // A whole response: the answer of a non-streaming turn, or an error.
        if (loop.capturedStatus() < 400) {
          auto parsed = parseJson(loop.capturedBody());
          if (parsed.overLimit()) {  // the model's answer is beyond the limits: a broken upstream
            Status s = jsonStatus(parsed, Code::kUnavailable, "the model's answer");
            if (loop.streaming()) {
              std::string error = errorJson(s);
              co_await endWithError(loop, std::move(error));
            } else {
              std::string err = errorJson(s);
              co_await client.answer(httpStatus(s.code()), {}, err);
            }
            co_return;
          }
          response = std::move(parsed.value);
        }
        auto completion = response.is_object() ? agent::readCompletion(response)
                                               : Result<agent::Completion>(invalidArgument(""));
        if (!completion || loop.streaming()) {
          // An error (or something unreadable): the client gets it as it came.
          if (loop.streaming()) {
            std::string_view body = loop.capturedBody();
            std::string error = std::string(body);
            if (body.rfind("{\"error\"", 0) != 0) {
              error = errorJson("the model returned HTTP " + std::to_string(loop.capturedStatus()),
                                errorType(loop.capturedStatus()));
            }
            co_await endWithError(loop, std::move(error));
          } else {
            co_await client.answer(loop.capturedStatus(), loop.capturedHeaders(),
                                   loop.capturedBody());
          }
          co_return;
        }
        if (auto u = response.find("usage"); u != response.end()) loop.usage().add(*u);
        calls = std::move(completion->calls);
        content = std::move(completion->content);
        reasoning = std::move(completion->reasoning);
      } else {
        calls = loop.stream().calls();
        content = loop.stream().content();
        reasoning = loop.stream().reasoning();
      }

      bool ours = !calls.empty();
      for (const auto& c : calls) ours = ours && tools.by_name.count(c.name) > 0;
      const bool failed = !loop.captured() && loop.stream().failed();
      if (!ours || failed || turn >= max_turns) {
        if (ours && turn >= max_turns) {
          ex.app.log.warn("agent loop stopped at AGENT_MAX_ITERATIONS; returning the last answer",
                          {{"request_id", info.request_id}, {"iterations", turn}});
        }
        if (loop.usage().seen) {
          const auto& u = loop.usage();
          info.usage = TokenUsage{u.prompt, u.completion, u.total};
        }
        if (loop.captured()) {
          if (loop.usage().seen) response["usage"] = loop.usage().toJson();
          agent::surfaceReasoning(response, earlier);
          // The last turn's headers (rate limits, retry hints) with the summed body.
          std::string body = agent::safeDump(response);
          co_await client.answer(loop.capturedStatus(), loop.capturedHeaders(), body);
        } else {
          co_await loop.finishStream(std::move(loop.held()));
        }
        co_return;
      }

      // Only gateway tools: run them and ask the model again.
      for (auto& c : calls) {
        if (c.id.empty()) c.id = "call_" + ex.ctx.ids.hex(12);
      }
      if (loop.streaming()) {
        // An SSE comment: keeps the stream (and proxies in between) alive while tools run;
        // clients ignore it. Named, not a temporary inside co_await: g++ 12 destroys those twice.
        std::string note = ": running tools: " + toolNames(calls) + "\n\n";
        if (events) note += toolCallEvents(calls);
        const bool sent = co_await loop.comment(note);
        if (!sent) co_return;
      }
      bool gone = false;
      std::vector<double> durations;
      auto outcomes = co_await runTools(ex, tools, calls, gone, durations);
      if (gone) {
        loop.markClientGone();
        co_return;
      }
      if (events) {
        std::string results = toolResultEvents(calls, outcomes, durations);
        const bool sent = co_await loop.comment(results);
        if (!sent) co_return;
      }
      json& messages = doc["messages"];
      messages.push_back(agent::assistantMessage(content, calls, reasoning));
      earlier = agent::joinReasoning(earlier, reasoning);
      for (size_t i = 0; i < calls.size(); ++i) {
        messages.push_back(agent::toolMessage(calls[i], outcomes[i], agent_.max_tool_result_bytes));
      }
    }
  }

  AgentConfig agent_;
  RequestLimitsConfig limits_;
};

}  // namespace

bool offersGatewayTools(const Exchange& ex) {
  const ToolRegistry* registry = ex.app.tools;
  if (registry == nullptr) return false;
  for (size_t i = 0; i < registry->sources().size(); ++i) {
    if (skipped(*registry->sources()[i], ex.req)) continue;
    auto tools = toolsOf(ex, i);
    if (tools && !tools->empty()) return true;
  }
  return false;
}

std::unique_ptr<Filter> makeToolLoopFilter(const Config& config, const ToolRegistry* tools) {
  if (tools == nullptr || tools->empty()) return nullptr;
  return std::make_unique<ToolLoopFilter>(config.agent, config.limits);
}

}  // namespace igw
