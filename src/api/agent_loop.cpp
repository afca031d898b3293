// POST /v1/chat/completions with gateway tools (MCP servers, A2A agents): the agent loop.
//
// The loop sits above the provider layer. Each turn is an ordinary chat request handed to
// handleChatDirect() (so OpenAI-compatible providers and native adapters behave the same), with
// a LoopResponder in place of the client's Responder. The LoopResponder forwards what the client
// should see at once (text deltas), holds what depends on the outcome of the turn (tool-call
// deltas, the finish chunk) and captures whole responses. When the model calls only gateway
// tools, the loop runs them concurrently, appends the assistant turn and the results to the
// conversation and asks the model again, up to AGENT_MAX_ITERATIONS turns. When it calls a tool
// of the client's, or answers, that turn goes to the client as it is. A stream stays one valid
// stream throughout: one response, chunks of every turn, one usage chunk with the totals, one
// [DONE]. All loop state lives in this request's coroutine frame.
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "api/app.h"
#include "api/chat_body.h"
#include "api/relay.h"
#include "core/ids.h"
#include "core/json_parse.h"
#include "http/errors.h"
#include "http/sse.h"
#include "net/parallel.h"
#include "tools/loop_codec.h"

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

// The gateway tools offered to this request: a snapshot per source, kept alive for the request.
struct ActiveTools {
  std::vector<std::pair<ToolSource*, std::shared_ptr<const std::vector<ToolSpec>>>> snapshots;
  std::vector<const ToolSpec*> offered;
  std::unordered_map<std::string_view, std::pair<ToolSource*, const ToolSpec*>> by_name;
};

ActiveTools activeTools(const ToolRegistry& registry, const Request& req) {
  ActiveTools active;
  for (const auto& source : registry.sources()) {
    if (source->kind() == "mcp" && bypassed(req, "X-MCP-Bypass")) continue;
    if (source->kind() == "a2a" && bypassed(req, "X-A2A-Bypass")) continue;
    auto tools = source->tools();
    if (!tools || tools->empty()) continue;
    for (const auto& t : *tools) {
      if (active.by_name.emplace(t.name, std::make_pair(source.get(), &t)).second) {
        active.offered.push_back(&t);
      }
    }
    active.snapshots.emplace_back(source.get(), std::move(tools));
  }
  return active;
}

// Stands in for the client's Responder during one turn of the loop.
class LoopResponder final : public Responder {
 public:
  explicit LoopResponder(Responder& client) : client_(client) {}

  void beginTurn() {
    acc_ = agent::StreamAccumulator();
    parser_ = SseParser();
    held_.clear();
    captured_ = false;
    body_.clear();
    headers_.clear();
    status_ = 0;
  }

  net::awaitable<Status> send(int status, const Headers& headers, std::string_view body) override {
    captured_ = true;
    status_ = status;
    headers_ = headers;
    body_.assign(body.data(), body.size());
    co_return Status::ok();
  }

  net::awaitable<Status> beginStream(int status, const Headers& headers) override {
    if (streaming_) co_return Status::ok();  // the client's stream began in an earlier turn
    streaming_ = true;
    Status s = co_await client_.beginStream(status, headers);
    if (!s) client_gone_ = true;
    co_return s;
  }

  net::awaitable<Status> writeChunk(std::string_view data, bool /*last*/) override {
    out_.clear();
    Status fed = parser_.feed(data, [this](const SseEvent& ev) { onEvent(ev); });
    if (!fed) co_return fed;
    co_return co_await toClient(out_);
  }

  // The turn's stream ended; the loop decides what comes next.
  net::awaitable<Status> endStream() override {
    out_.clear();
    parser_.finish([this](const SseEvent& ev) { onEvent(ev); });
    co_return co_await toClient(out_);
  }

  // The turn's relay learns of a disconnect through this; so does the loop, which then stops.
  void watchDisconnect(std::function<void()> on_gone) override {
    client_.watchDisconnect([this, f = std::move(on_gone)] {
      client_gone_ = true;
      f();
    });
  }
  void stopWatching() override { client_.stopWatching(); }
  bool started() const override { return client_.started(); }
  int status() const override { return client_.status(); }
  void addHeader(std::string name, std::string value) override {
    client_.addHeader(std::move(name), std::move(value));
  }

  // Writes straight to the client's stream (tool progress comments, the end of the stream).
  net::awaitable<Status> toClient(std::string_view data, bool last = false) {
    if (client_gone_) co_return unavailable("client went away");
    if (data.empty() && !last) co_return Status::ok();
    Status s = co_await client_.writeChunk(data, last);
    if (!s) client_gone_ = true;
    co_return s;
  }

  bool clientGone() const { return client_gone_; }
  void markClientGone() { client_gone_ = true; }
  bool streaming() const { return streaming_; }
  bool captured() const { return captured_; }
  int capturedStatus() const { return status_; }
  const Headers& capturedHeaders() const { return headers_; }
  const std::string& capturedBody() const { return body_; }
  const agent::StreamAccumulator& stream() const { return acc_; }
  const std::string& held() const { return held_; }
  UsageTotals& usage() { return usage_; }

 private:
  void onEvent(const SseEvent& ev) {
    if (!ev.has_data) {
      append(out_, ev.raw);
      return;
    }
    if (ev.data == "[DONE]") return;  // the loop writes the one [DONE]
    auto action = acc_.onChunk(ev.data, rewritten_, usage_);
    if (action == agent::StreamAccumulator::Action::kDrop) return;
    if (action == agent::StreamAccumulator::Action::kSplit) {  // text now, tool calls held
      appendSseData(out_, rewritten_);
      appendSseData(held_, acc_.heldPart());
      return;
    }
    std::string& to = action == agent::StreamAccumulator::Action::kHold ? held_ : out_;
    if (rewritten_.empty()) {
      append(to, ev.raw);
    } else {
      appendSseData(to, rewritten_);
    }
  }

  static void append(std::string& to, std::string_view raw) {
    to.append(raw);
    if (!raw.empty() && raw.back() != '\n') to += "\n\n";
  }

  Responder& client_;
  bool streaming_ = false;
  bool client_gone_ = false;
  // Per turn.
  agent::StreamAccumulator acc_;
  SseParser parser_;
  std::string held_;
  std::string out_;
  std::string rewritten_;
  bool captured_ = false;
  int status_ = 0;
  Headers headers_;
  std::string body_;
  // Whole request.
  UsageTotals usage_;
};

// Runs the calls concurrently; results in call order. Cancels the tools when the client leaves.
net::awaitable<std::vector<ToolOutcome>> runTools(const App& app, Responder& client,
                                                  const ActiveTools& tools,
                                                  const std::vector<ToolCall>& calls,
                                                  RequestInfo& info, bool& client_gone) {
  std::vector<ToolOutcome> outcomes(calls.size());
  auto token = std::make_shared<CancelToken>();
  client.watchDisconnect([&client_gone, token] {
    client_gone = true;
    token->cancel();
  });
  const unsigned limit = app.config->agent.max_tool_calls;
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
      info.tool_executions.push_back(
          {call.name, !outcomes[i].is_error, outcomes[i].error_type, ms});
      app.log.debug("tool executed", {{"request_id", info.request_id},
                                      {"tool", call.name},
                                      {"ok", !outcomes[i].is_error},
                                      {"error_type", outcomes[i].error_type},
                                      {"duration_ms", ms}});
    });
  }
  co_await runConcurrently(std::move(tasks));
  client.stopWatching();
  co_return outcomes;
}

std::string toolNames(const std::vector<ToolCall>& calls) {
  std::string names;
  for (const auto& c : calls) names += (names.empty() ? "" : ", ") + c.name;
  return names;
}

// Ends a client stream: the held chunks of the last turn, one usage chunk, one [DONE].
net::awaitable<void> finishStream(LoopResponder& loop, std::string tail) {
  const UsageTotals& usage = loop.usage();
  if (usage.seen) appendSseData(tail, loop.stream().usageChunk(usage));
  appendSseData(tail, "[DONE]");
  co_await loop.toClient(tail, /*last=*/true);
}

net::awaitable<void> runAgentLoop(const App& app, const Request& req, Responder& client,
                                  WorkerContext& ctx, RequestInfo& info, const ActiveTools& tools,
                                  json doc) {
  LoopResponder loop(client);
  agent::Reasoning earlier;  // reasoning of the tool turns the loop ran, for the client
  const unsigned max_turns = app.config->agent.max_iterations;
  for (unsigned turn = 1;; ++turn) {
    Request next;
    next.method = "POST";
    next.target = req.target;
    next.headers = req.headers;
    next.body = agent::safeDump(doc);
    loop.beginTurn();
    info.agent_iterations = static_cast<int>(turn);
    co_await handleChatDirect(app, next, loop, ctx, info);
    if (loop.clientGone()) co_return;

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
            std::string tail;
            appendSseData(tail, errorJson(s));
            co_await finishStream(loop, std::move(tail));
          } else {
            co_await respondError(client, s);
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
          std::string tail;
          std::string_view body = loop.capturedBody();
          appendSseData(tail, body.rfind("{\"error\"", 0) == 0
                                  ? std::string(body)
                                  : errorJson("the model returned HTTP " +
                                                  std::to_string(loop.capturedStatus()),
                                              errorType(loop.capturedStatus())));
          co_await finishStream(loop, std::move(tail));
        } else {
          co_await client.send(loop.capturedStatus(), loop.capturedHeaders(), loop.capturedBody());
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
        app.log.warn("agent loop stopped at AGENT_MAX_ITERATIONS; returning the last answer",
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
        std::string body = agent::safeDump(response);  // named: see the co_await note below
        co_await client.send(loop.capturedStatus(), loop.capturedHeaders(), body);
      } else {
        co_await finishStream(loop, loop.held());
      }
      co_return;
    }

    // Only gateway tools: run them and ask the model again.
    for (auto& c : calls) {
      if (c.id.empty()) c.id = "call_" + ctx.ids.hex(12);
    }
    if (loop.streaming()) {
      // An SSE comment: keeps the stream (and proxies in between) alive while tools run;
      // clients ignore it.
      // Named, not a temporary inside co_await: g++ 12 destroys those twice.
      std::string note = ": running tools: " + toolNames(calls) + "\n\n";
      if (!(co_await loop.toClient(note))) co_return;
    }
    bool gone = false;
    auto outcomes = co_await runTools(app, client, tools, calls, info, gone);
    if (gone) {
      loop.markClientGone();
      co_return;
    }
    json& messages = doc["messages"];
    messages.push_back(agent::assistantMessage(content, calls, reasoning));
    earlier = agent::joinReasoning(earlier, reasoning);
    for (size_t i = 0; i < calls.size(); ++i) {
      messages.push_back(
          agent::toolMessage(calls[i], outcomes[i], app.config->agent.max_tool_result_bytes));
    }
  }
}

}  // namespace

bool offersGatewayTools(const App& app, const Request& req) {
  if (app.tools == nullptr) return false;
  for (const auto& source : app.tools->sources()) {
    if (source->kind() == "mcp" && bypassed(req, "X-MCP-Bypass")) continue;
    if (source->kind() == "a2a" && bypassed(req, "X-A2A-Bypass")) continue;
    auto tools = source->tools();
    if (tools && !tools->empty()) return true;
  }
  return false;
}

net::awaitable<void> handleChat(const App& app, Request& req, Responder& res, WorkerContext& ctx,
                                RequestInfo& info) {
  if (app.tools == nullptr || app.tools->empty()) {
    co_await handleChatDirect(app, req, res, ctx, info);
    co_return;
  }
  ActiveTools tools = activeTools(*app.tools, req);
  json doc;
  if (!tools.offered.empty()) {
    // The loop works on a DOM of the body: the same bounds as for translated requests.
    auto info = inspectChatBody(req.body);
    const RequestLimitsConfig& limits = app.config->limits;
    Status s =
        info ? checkTranslationLimits(*info, limits.chat_max_messages, limits.chat_max_json_values)
             : Status::ok();
    if (!s) {
      co_await respondError(res, s);
      co_return;
    }
    doc = parseJsonOrDiscarded(req.body);  // too deep: the direct path's scanner says so
  }
  if (!doc.is_object() || !doc.contains("messages") || !doc["messages"].is_array() ||
      agent::offerTools(doc, tools.offered) == 0) {
    // No gateway tools for this request (or a body the direct path will explain is wrong).
    co_await handleChatDirect(app, req, res, ctx, info);
    co_return;
  }
  co_await runAgentLoop(app, req, res, ctx, info, tools, std::move(doc));
}

}  // namespace igw
