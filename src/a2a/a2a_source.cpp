// A2A tool source. Everything runs on the thread of its ServiceHost, with its own DeadlineSweeper
// and UpstreamClient; other threads only read the published snapshots (tools, describe), and
// call() hops onto the source's thread and back with ServiceHost::call().
//
// Agents: every configured or discovered base URL gets a loop that fetches the card
// (/.well-known/agent-card.json, else /.well-known/agent.json), retrying with backoff while the
// agent is down and re-reading it every A2A_RECONNECT_INTERVAL afterwards (health + skill
// changes). An agent's tools exist while its card is known.
//
// A call: SendStreamingMessage / message/stream when the card says streaming, reading events
// until the task ends or waits for input; otherwise a blocking SendMessage / message/send and,
// when the answer is a task still running, GetTask / tasks/get polls. The caller's coroutine
// waits on a timer that either the work or a cancellation (client gone) ends, so a cancelled
// call returns at once while the work sends CancelTask in the background.
#include "a2a/a2a_source.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "a2a/a2a_codec.h"
#include "a2a/k8s_discovery.h"
#include "core/ids.h"
#include "http/sse.h"
#include "net/beast.h"
#include "net/deadline.h"
#include "net/upstream.h"
#include "service/service_host.h"

namespace igw {

using namespace igw::net;  // NOLINT: aliases only
using Clock = std::chrono::steady_clock;

namespace {

// Requests to agents say that they come from a gateway, so an agent that calls back into a
// gateway does not get A2A/MCP tools again (no recursion).
void addCommonHeaders(Headers& h) {
  h.push_back({"X-A2A-Bypass", "true"});
  h.push_back({"X-MCP-Bypass", "true"});
}

struct Agent {
  std::string base_url;  // as configured / discovered (no trailing slash)
  std::string origin;    // "static" or "kubernetes:<ns>/<name>"
  bool discovered = false;
  bool removed = false;
  bool ready = false;  // the card is known: the agent's tools are offered
  bool healthy = false;
  std::string last_error;
  a2a::AgentCard card;
  std::unique_ptr<asio::steady_timer> timer;
};

// What a call needs of its agent, copied so that the agent may disappear meanwhile.
struct Target {
  std::shared_ptr<Agent> agent;
  std::string name;  // card name, for messages to the model
  std::string endpoint;
  a2a::Protocol protocol = a2a::Protocol::kV1;
  bool streaming = false;
};

struct CallState : std::enable_shared_from_this<CallState> {
  explicit CallState(asio::io_context& ioc) : waiter(ioc), timer(ioc) {}

  asio::steady_timer waiter;             // the caller waits on it; done or cancel ends the wait
  asio::steady_timer timer;              // poll interval / stream deadline
  UpstreamResponse* response = nullptr;  // being read, for abort on cancel
  bool done = false;
  bool cancelled = false;
  bool timed_out = false;
  bool task_known = false;  // the agent said which task it runs: it can be cancelled
  a2a::Outcome outcome;

  // The caller is released at once. A stream is cut only once the task id is known; before
  // that it is read on until the first event names the task, so CancelTask can be sent.
  void cancel() {
    if (done || cancelled) return;
    cancelled = true;
    waiter.cancel();
    if (response && task_known) {
      timer.cancel();
      response->abort();
      return;
    }
    // Re-arming ends a poll wait or the stream deadline at once, and bounds how long an agent
    // may take to name the task before the request is dropped.
    timer.expires_after(std::chrono::seconds(5));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->done) return;
      if (self->response) self->response->abort();
    });
  }
};

ToolOutcome toToolOutcome(a2a::Outcome o) {
  return ToolOutcome{std::move(o.content), o.is_error, std::move(o.error_type)};
}

a2a::Outcome failure(std::string content, std::string type) {
  return a2a::Outcome{std::move(content), true, std::move(type)};
}

std::string trimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

class A2aSource final : public ToolSource {
 public:
  A2aSource(const A2aConfig& cfg, const ClientConfig& client, const Logger& log)
      : cfg_(cfg), client_cfg_(client), log_(log), host_("a2a client", log) {
    // A blocking send answers only when the task is done, and a stream may be quiet for long:
    // agent requests get A2A_CLIENT_TIMEOUT for headers and the whole exchange, and streams may
    // be silent as long as a task may last.
    client_cfg_.timeout = cfg.client_timeout;
    client_cfg_.response_header_timeout = cfg.client_timeout;
    client_cfg_.idle_chunk_timeout = std::max(cfg.client_timeout, cfg.polling_timeout);
    sweeper_ = std::make_unique<DeadlineSweeper>(host_.context(), std::chrono::milliseconds(50));
    upstream_ = std::make_unique<UpstreamClient>(host_.context(), *sweeper_, client_cfg_, log_);
  }

  ~A2aSource() override {
    stop();
    if (host_.abandoned()) {
      // Some exchange did not wind down in time: its suspended coroutine still references the
      // client, the sweeper and discovery, and the host leaks the io_context rather than destroy
      // those frames (an UpstreamResponse calls into its client). At process exit, leaking
      // beats a use-after-free.
      (void)discovery_.release();
      (void)upstream_.release();
      (void)sweeper_.release();
      return;
    }
    // Everything ended: drop what holds timers before the io_context they belong to.
    discovery_.reset();
    active_calls_.clear();
    agents_.clear();
    upstream_.reset();
    sweeper_.reset();
  }

  std::string_view kind() const override { return "a2a"; }

  void start() override {
    if (started_) return;
    started_ = true;
    host_.post([this] {
      sweeper_->start();
      for (const auto& url : cfg_.agents) {
        std::string base = trimSlash(url);
        if (base.empty() || findAgent(base)) continue;
        addAgent(base, "static", false);
      }
      if (cfg_.discovery_enable) {
        discovery_ = std::make_unique<K8sDiscovery>(
            host_, *sweeper_, cfg_, client_cfg_, log_,
            [this](std::vector<a2a::DiscoveredAgent> found) { setDiscovered(std::move(found)); });
        discovery_->start();
      }
      publish();
    });
    host_.start();
  }

  void stop() override {
    // In-flight requests end on their own deadlines; do not let them hold shutdown up.
    host_.stop(std::chrono::seconds(2), [this] { return shutdown(); });
  }

  awaitable<ToolOutcome> call(const ToolSpec& tool, std::string arguments,
                              ToolCallContext ctx) override {
    // The contract: failures are outcomes, never exceptions.
    std::string error;
    try {
      auto input = a2a::parseInput(arguments);
      if (!input) {
        co_return ToolOutcome{"Invalid arguments for " + tool.name + ": " +
                                  input.status().message() +
                                  " (expected {\"input\": \"<message for the agent>\"})",
                              true, "invalid_arguments"};
      }
      // The coroutine is created here but starts on the source's thread; the host then resumes
      // us on our own executor. (An awaitable, not a lambda: g++ 12 destroys the captures of a
      // lambda handed to co_spawn twice.) The agent is found by its URL and the skill id, not by
      // the exposed name, which publish() may have given to another agent since.
      auto task = callOnThread(tool.name, tool.server, tool.remote_name, std::move(input.value()),
                               ctx.request_id, ctx.cancel);
      auto hop = host_.call(std::move(task));
      Result<ToolOutcome> out = co_await std::move(hop);
      if (out) co_return std::move(out.value());
      if (out.status().code() == Code::kUnavailable) {
        co_return ToolOutcome{"The gateway is shutting down", true, "unavailable"};
      }
      error = out.status().message();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown error";
    }
    co_return ToolOutcome{"A2A call failed: " + error, true, "protocol_error"};
  }

 private:
  // Runs on the source's thread when the host stops: end every loop and release every caller.
  awaitable<void> shutdown() {
    stopping_ = true;
    if (discovery_) discovery_->stop();
    for (auto& a : agents_) {
      a->removed = true;
      if (a->timer) a->timer->cancel();
    }
    for (const auto& c : active_calls_) c->cancel();
    sweeper_->stop();
    co_return;
  }

  // --- agents ------------------------------------------------------------------------------

  std::shared_ptr<Agent> findAgent(const std::string& base) const {
    for (const auto& a : agents_) {
      if (a->base_url == base) return a;
    }
    return nullptr;
  }

  void addAgent(const std::string& base, std::string origin, bool discovered) {
    auto a = std::make_shared<Agent>();
    a->base_url = base;
    a->origin = std::move(origin);
    a->discovered = discovered;
    a->timer = std::make_unique<asio::steady_timer>(host_.context());
    agents_.push_back(a);
    host_.spawn(agentLoop(a));
  }

  // Discovery reports the complete set: add new agents, drop vanished ones (static agents
  // are never dropped; a discovered URL equal to a static one is the same agent).
  void setDiscovered(std::vector<a2a::DiscoveredAgent> found) {
    if (stopping_) return;
    std::set<std::string> urls;
    for (const auto& d : found) urls.insert(trimSlash(d.url));
    std::vector<std::shared_ptr<Agent>> removed;
    std::vector<std::pair<std::string, std::string>> added;
    for (auto it = agents_.begin(); it != agents_.end();) {
      auto& a = *it;
      if (a->discovered && !urls.count(a->base_url)) {
        a->removed = true;
        a->timer->cancel();
        removed.push_back(a);
        it = agents_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& d : found) {
      std::string base = trimSlash(d.url);
      if (base.empty() || findAgent(base)) continue;
      addAgent(base, "kubernetes:" + d.name, true);
      added.emplace_back(base, d.name);
    }
    if (removed.empty() && added.empty()) return;
    publish();
    // Logged once the tool list reflects the change (tests wait for these lines).
    for (const auto& a : removed) {
      log_.info("a2a agent removed", {{"url", a->base_url}, {"origin", a->origin}});
    }
    for (const auto& [url, name] : added) {
      log_.info("a2a agent discovered", {{"url", url}, {"name", name}});
    }
  }

  awaitable<Result<a2a::AgentCard>> fetchCard(const Agent& a) {
    Status last;
    for (const char* path : {"/.well-known/agent-card.json", "/.well-known/agent.json"}) {
      auto url = parseUrl(a.base_url + path);
      if (!url) co_return url.status();
      UpstreamRequest req;
      req.method = "GET";
      req.url = std::move(url.value());
      req.headers = {{"Accept", "application/json"}};
      addCommonHeaders(req.headers);
      auto resp = co_await upstream_->send(req);
      if (!resp) co_return resp.status();  // unreachable: no point trying the other path
      auto body = co_await (*resp)->readAll(client_cfg_.max_response_bytes);
      if (!body) co_return body.status();
      int status = (*resp)->status();
      if (status / 100 != 2) {
        last = unavailable(std::string("GET ") + path + " answered HTTP " + std::to_string(status));
        continue;
      }
      auto card = a2a::parseAgentCard(body.value(), a.base_url);
      if (card) co_return card;
      last = card.status();
    }
    co_return last;
  }

  static bool sameCard(const a2a::AgentCard& x, const a2a::AgentCard& y) {
    if (x.name != y.name || x.description != y.description || x.endpoint != y.endpoint ||
        x.protocol != y.protocol || x.streaming != y.streaming ||
        x.skills.size() != y.skills.size()) {
      return false;
    }
    for (size_t i = 0; i < x.skills.size(); ++i) {
      const auto& s = x.skills[i];
      const auto& t = y.skills[i];
      if (s.id != t.id || s.name != t.name || s.description != t.description ||
          s.examples != t.examples) {
        return false;
      }
    }
    return true;
  }

  // Fetches the card until it is known (backoff from A2A_INITIAL_BACKOFF doubling up to
  // A2A_RETRY_INTERVAL for A2A_MAX_RETRIES attempts, then every A2A_RECONNECT_INTERVAL), then
  // re-reads it every A2A_RECONNECT_INTERVAL as a health check.
  awaitable<void> agentLoop(std::shared_ptr<Agent> a) {
    unsigned failures = 0;
    Millis backoff = cfg_.initial_backoff;
    unsigned max_retries = std::max(1u, cfg_.max_retries);
    while (!a->removed && !stopping_) {
      auto card = co_await fetchCard(*a);
      if (a->removed || stopping_) co_return;
      Millis wait{};
      if (card) {
        bool changed = !a->ready || !sameCard(a->card, card.value());
        bool recovered = !a->healthy;
        a->card = std::move(card.value());
        a->ready = a->healthy = true;
        a->last_error.clear();
        publish();  // before the log line: whoever waits for it sees the tools
        if (changed) {
          log_.info("a2a agent ready", {{"name", a->card.name},
                                        {"url", a->base_url},
                                        {"skills", static_cast<uint64_t>(a->card.skills.size())},
                                        {"protocol", a2a::protocolName(a->card.protocol)},
                                        {"streaming", a->card.streaming}});
        } else if (recovered || !cfg_.disable_healthcheck_logs) {
          log_.info("a2a agent healthy", {{"name", a->card.name}, {"url", a->base_url}});
        }
        failures = 0;
        backoff = cfg_.initial_backoff;
        if (!cfg_.enable_reconnect) co_return;
        wait = cfg_.reconnect_interval;
      } else {
        bool was_healthy = a->healthy;
        a->healthy = false;
        a->last_error = card.status().message();
        ++failures;
        if (failures < max_retries) {
          wait = backoff;
          backoff = std::min(backoff * 2, std::max(cfg_.retry_interval, cfg_.initial_backoff));
        } else if (cfg_.enable_reconnect) {
          wait = cfg_.reconnect_interval;
          failures = 0;
          backoff = cfg_.initial_backoff;
        }
        bool first = was_healthy || (!a->ready && failures == 1);
        auto level = first ? LogLevel::kWarn : LogLevel::kDebug;
        log_.log(level, "a2a agent unavailable",
                 {{"url", a->base_url},
                  {"error", a->last_error},
                  {"retry_in_ms", static_cast<int64_t>(wait.count())}});
        publish();
        if (wait.count() == 0) {
          log_.warn("a2a agent given up", {{"url", a->base_url}});
          co_return;
        }
      }
      a->timer->expires_after(wait);
      error_code ec;
      co_await a->timer->async_wait(useAwaitableEc(ec));
    }
  }

  // Rebuilds the tool list and the description, in agent order (A2A_AGENTS, then discovered
  // agents by name), so names and collision suffixes are deterministic.
  void publish() {
    auto tools = std::make_shared<std::vector<ToolSpec>>();
    nlohmann::json desc = nlohmann::json::array();
    a2a::ToolNamer namer;
    std::set<std::string> ids;
    for (const auto& a : agents_) {
      auto url = parseUrl(a->base_url);
      std::string host = url ? url->host : std::string("agent");
      std::string agent_id = a2a::sanitizeName(a->ready ? a->card.name : host, "agent");
      std::string key = agent_id;
      for (int n = 2; ids.count(key); ++n) key = agent_id + "_" + std::to_string(n);
      ids.insert(key);
      nlohmann::json d = {
          {"id", key},
          {"name", a->ready ? a->card.name : std::string()},
          {"url", a->base_url},
          {"description", a->card.description},
          {"version", a->card.version},
          {"protocol_version", a->ready ? a2a::protocolName(a->card.protocol) : std::string_view()},
          {"endpoint", a->card.endpoint},
          {"streaming", a->card.streaming},
          {"healthy", a->healthy},
          {"ready", a->ready},
          {"origin", a->origin},
          {"last_error",
           a->last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(a->last_error)},
          {"skills", nlohmann::json::array()}};
      if (a->ready) {
        std::vector<a2a::Skill> skills = a->card.skills;
        if (skills.empty()) {
          // An agent without declared skills is still worth one tool: talk to the agent.
          skills.push_back({"message", a->card.name, a->card.description, {}, {}});
        }
        for (const auto& s : skills) {
          std::string tool = namer.name(agent_id, a2a::sanitizeName(s.id, "skill"));
          // `server` is the agent's base URL: calls find the agent by it (stable, unlike the
          // exposed names, which may shift as agents come and go).
          tools->push_back(ToolSpec{tool, s.id, a->base_url, a2a::toolDescription(s, a->card.name),
                                    a2a::toolParameters()});
          d["skills"].push_back(
              {{"id", s.id}, {"name", s.name}, {"description", s.description}, {"tool", tool}});
        }
      }
      desc.push_back(std::move(d));
    }
    std::string text = desc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    publishSnapshot(std::move(tools), std::move(text));
  }

  // --- calls -------------------------------------------------------------------------------

  // The agent behind a tool: its base URL (ToolSpec.server) and a skill it still offers
  // (ToolSpec.remote_name; "message" for an agent without declared skills).
  std::shared_ptr<Agent> routeOf(const std::string& base_url, const std::string& skill) const {
    auto a = findAgent(base_url);
    if (!a || a->removed || !a->ready) return nullptr;
    if (a->card.skills.empty()) return skill == "message" ? a : nullptr;
    for (const auto& s : a->card.skills) {
      if (s.id == skill) return a;
    }
    return nullptr;
  }

  // Runs on the source's thread. The call's state (timers on the source's io_context) is owned
  // here and by active_calls_ only, never by the worker's coroutine or the cancel token, so it
  // never outlives the io_context, whatever happens to the worker.
  awaitable<ToolOutcome> callOnThread(std::string name, std::string base_url, std::string skill,
                                      std::string text, std::string request_id,
                                      std::shared_ptr<CancelToken> cancel) {
    auto st = std::make_shared<CallState>(host_.context());
    if (cancel) {
      std::weak_ptr<CallState> weak = st;
      auto exec = host_.executor();
      cancel->onCancel([weak, exec] {
        if (weak.expired()) return;
        asio::post(exec, [weak] {
          if (auto s = weak.lock()) s->cancel();
        });
      });
    }
    if (stopping_) co_return ToolOutcome{"The gateway is shutting down", true, "unavailable"};
    if (cancel && cancel->cancelled()) {
      co_return ToolOutcome{"The call was cancelled: the client went away", true, "cancelled"};
    }
    auto agent = routeOf(base_url, skill);
    if (!agent) {
      co_return ToolOutcome{"The A2A tool " + name + " is not available (its agent is gone)", true,
                            "unavailable"};
    }
    Target t{agent, agent->card.name, agent->card.endpoint, agent->card.protocol,
             agent->card.streaming};
    log_.debug("a2a call", {{"tool", name},
                            {"agent", t.name},
                            {"url", base_url},
                            {"skill", skill},
                            {"request_id", request_id}});
    active_calls_.insert(st);
    // A failure inside the call still ends the caller's wait.
    asio::co_spawn(host_.context(), runCall(st, std::move(t), std::move(text), request_id),
                   [st](std::exception_ptr e) {
                     if (!e || st->done) return;
                     std::string what = "unknown error";
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& x) {
                       what = x.what();
                     } catch (...) {
                     }
                     st->outcome = failure("A2A call failed: " + what, "protocol_error");
                     st->done = true;
                     st->waiter.cancel();
                   });
    if (!st->done && !st->cancelled) {
      st->waiter.expires_at(asio::steady_timer::time_point::max());
      error_code ec;
      co_await st->waiter.async_wait(useAwaitableEc(ec));
    }
    active_calls_.erase(st);
    if (st->done) co_return toToolOutcome(st->outcome);
    if (stopping_) co_return ToolOutcome{"The gateway is shutting down", true, "unavailable"};
    co_return ToolOutcome{"The call was cancelled: the client went away", true, "cancelled"};
  }

  UpstreamRequest rpcRequest(const Target& t, std::string body, bool stream) {
    UpstreamRequest req;
    req.method = "POST";
    if (auto url = parseUrl(t.endpoint)) req.url = std::move(url.value());
    req.headers = {{"Content-Type", "application/json"},
                   {"Accept", stream ? "text/event-stream" : "application/json"}};
    // 1.0 servers treat a request without A2A-Version as 0.3.
    if (t.protocol == a2a::Protocol::kV1) req.headers.push_back({"A2A-Version", "1.0"});
    addCommonHeaders(req.headers);
    req.body = std::move(body);
    req.stream = stream;
    return req;
  }

  void markHealth(const Target& t, const Status& s) {
    if (t.agent->removed) return;
    bool healthy = s.isOk() || s.code() == Code::kInvalidArgument;
    if (healthy == t.agent->healthy && (healthy || t.agent->last_error == s.message())) return;
    t.agent->healthy = healthy;
    t.agent->last_error = healthy ? std::string() : s.message();
    publish();
  }

  a2a::Outcome transportFailure(const Target& t, const Status& s) {
    markHealth(t, s);
    bool timeout = s.code() == Code::kDeadlineExceeded;
    return failure("Could not reach the agent \"" + t.name + "\": " + s.message(),
                   timeout ? "timeout" : "unavailable");
  }

  // One non-streaming JSON-RPC exchange. The response being read is registered in `st` so a
  // cancellation aborts it.
  awaitable<Result<a2a::Response>> rpc(const Target& t, std::string body, CallState* st) {
    auto req = rpcRequest(t, std::move(body), false);
    auto resp = co_await upstream_->send(req);
    if (!resp) co_return resp.status();
    if (st) st->response = resp->get();
    auto text = co_await (*resp)->readAll(client_cfg_.max_response_bytes);
    if (st) st->response = nullptr;
    if (!text) co_return text.status();
    int status = (*resp)->status();
    auto parsed = a2a::parseResponse(text.value());
    // Some servers send JSON-RPC errors with a 4xx/5xx status: the error says more.
    if (status / 100 != 2 && !(parsed && parsed->error)) {
      co_return unavailable("the agent answered HTTP " + std::to_string(status));
    }
    co_return parsed;
  }

  // Reads a SendStreamingMessage / message/stream answer into `tr` until the task ends, waits
  // for input, the stream ends, or the call is cancelled / times out.
  awaitable<std::optional<a2a::Outcome>> stream(CallState& st, const Target& t, std::string body,
                                                a2a::TaskTracker& tr) {
    auto req = rpcRequest(t, std::move(body), true);
    auto resp = co_await upstream_->send(req);
    if (!resp) co_return transportFailure(t, resp.status());
    markHealth(t, Status::ok());
    auto& r = **resp;
    const std::string* ctype = findHeader(r.headers(), "content-type");
    bool sse = ctype && ctype->find("text/event-stream") != std::string::npos;
    if (!sse) {
      // Not a stream after all (an error, or an agent that answers at once).
      st.response = &r;
      auto text = co_await r.readAll(client_cfg_.max_response_bytes);
      st.response = nullptr;
      if (!text) co_return transportFailure(t, text.status());
      auto parsed = a2a::parseResponse(text.value());
      if (!parsed) {
        co_return failure("The agent \"" + t.name + "\" answered HTTP " +
                              std::to_string(r.status()) + " with no usable result",
                          "protocol_error");
      }
      if (parsed->error) co_return a2a::rpcErrorOutcome(t.name, *parsed->error);
      tr.apply(parsed->event);
      co_return std::nullopt;
    }
    SseParser parser;
    std::optional<a2a::Outcome> result;
    auto onEvent = [&](const SseEvent& e) {
      if (!e.has_data || result || tr.done()) return;
      auto parsed = a2a::parseResponse(e.data);
      if (!parsed) {
        result = failure("The agent \"" + t.name +
                             "\" sent an unusable stream event: " + parsed.status().message(),
                         "protocol_error");
      } else if (parsed->error) {
        result = a2a::rpcErrorOutcome(t.name, *parsed->error);
      } else {
        tr.apply(parsed->event);
        st.task_known = tr.hasTask();
      }
    };
    st.response = &r;
    while (!result && !tr.done() && !st.timed_out && !(st.cancelled && tr.hasTask())) {
      auto piece = co_await r.read();
      if (!piece) {
        if (!st.cancelled && !st.timed_out) result = transportFailure(t, piece.status());
        break;
      }
      if (piece->empty()) {
        parser.finish(onEvent);
        break;
      }
      auto fed = parser.feed(*piece, onEvent);
      if (!fed) result = failure(fed.message(), "protocol_error");
    }
    st.response = nullptr;
    co_return result;
  }

  awaitable<void> runCall(std::shared_ptr<CallState> st, Target t, std::string text,
                          std::string request_id) {
    auto started = Clock::now();
    auto deadline = started + cfg_.polling_timeout;
    a2a::TaskTracker tr;
    std::optional<a2a::Outcome> result;
    std::string message_id = ids_.hex(16);
    if (t.streaming) {
      // The whole stream must end within A2A_POLLING_TIMEOUT.
      st->timer.expires_at(deadline);
      st->timer.async_wait([st](error_code ec) {
        if (ec || st->done || st->cancelled) return;
        st->timed_out = true;
        if (st->response) st->response->abort();
      });
      std::string body = a2a::buildSendMessage(t.protocol, nextId(), true, text, message_id);
      result = co_await stream(*st, t, std::move(body), tr);
      st->timer.cancel();
      if (!result && !st->cancelled && st->timed_out) {
        result = failure("The agent \"" + t.name + "\" did not finish within " +
                             formatDuration(cfg_.polling_timeout) + " (task " + tr.taskId() + ")",
                         "timeout");
      }
    } else {
      std::string body = a2a::buildSendMessage(t.protocol, nextId(), false, text, message_id);
      auto resp = co_await rpc(t, std::move(body), st.get());
      if (!resp) {
        if (!st->cancelled) result = transportFailure(t, resp.status());
      } else if (resp->error) {
        markHealth(t, Status::ok());
        result = a2a::rpcErrorOutcome(t.name, *resp->error);
      } else {
        markHealth(t, Status::ok());
        tr.apply(resp->event);
      }
    }
    st->timed_out = false;

    // Not finished yet: poll the task (also after a stream that ended early).
    if (!result && !st->cancelled && !tr.done()) {
      if (!tr.hasTask()) {
        result = failure("The agent \"" + t.name + "\" answered without a task or a message",
                         "protocol_error");
      } else if (!cfg_.polling_enable) {
        auto o = tr.outcome(t.name);
        o.content += ". The task continues in the background (polling is disabled).";
        result = o;
      } else {
        result = co_await poll(*st, t, tr, deadline);
      }
    }

    if (st->cancelled) {
      log_.debug("a2a call cancelled", {{"agent", t.name},
                                        {"task", tr.taskId()},
                                        {"state", a2a::taskStateName(tr.state())},
                                        {"request_id", request_id}});
    }
    if (st->cancelled && !stopping_ && tr.hasTask() && !a2a::isTerminal(tr.state())) {
      // The client went away: the agent should stop working for nobody. (Not when the gateway
      // stops: that must not wait for another exchange.)
      std::string cancel_body = a2a::buildCancelTask(t.protocol, nextId(), tr.taskId());
      auto resp = co_await rpc(t, std::move(cancel_body), nullptr);
      log_.info("a2a task cancelled", {{"agent", t.name},
                                       {"task", tr.taskId()},
                                       {"request_id", request_id},
                                       {"ok", resp.isOk() && !resp->error}});
    }
    if (!result) result = tr.outcome(t.name);
    st->outcome = std::move(*result);
    st->done = true;
    st->waiter.cancel();
  }

  awaitable<std::optional<a2a::Outcome>> poll(CallState& st, const Target& t, a2a::TaskTracker& tr,
                                              Clock::time_point deadline) {
    for (unsigned attempt = 0; attempt < cfg_.max_poll_attempts; ++attempt) {
      auto now = Clock::now();
      if (now >= deadline) break;
      auto wake = std::min(deadline, now + cfg_.polling_interval);
      st.timer.expires_at(wake);
      error_code ec;
      co_await st.timer.async_wait(useAwaitableEc(ec));
      if (st.cancelled) co_return std::nullopt;
      std::string get_body = a2a::buildGetTask(t.protocol, nextId(), tr.taskId());
      auto resp = co_await rpc(t, std::move(get_body), &st);
      if (st.cancelled) co_return std::nullopt;
      if (!resp) co_return transportFailure(t, resp.status());
      if (resp->error) co_return a2a::rpcErrorOutcome(t.name, *resp->error);
      tr.apply(resp->event);
      if (tr.done()) co_return std::nullopt;
    }
    co_return failure("The agent \"" + t.name + "\" did not finish the task in time (task " +
                          tr.taskId() + ", state " + std::string(a2a::taskStateName(tr.state())) +
                          ", polled for at most " + formatDuration(cfg_.polling_timeout) + " / " +
                          std::to_string(cfg_.max_poll_attempts) + " attempts)",
                      "timeout");
  }

  int64_t nextId() { return ++rpc_id_; }

  // Configuration (read-only after construction).
  A2aConfig cfg_;
  ClientConfig client_cfg_;
  Logger log_;

  // Before everything bound to its io_context, so it is destroyed after them.
  ServiceHost host_;
  // Pointers so that they can be leaked when a stop times out (see ~A2aSource).
  std::unique_ptr<DeadlineSweeper> sweeper_;
  std::unique_ptr<UpstreamClient> upstream_;
  std::unique_ptr<K8sDiscovery> discovery_;
  bool started_ = false;  // owner's thread

  // Source thread only.
  bool stopping_ = false;
  std::vector<std::shared_ptr<Agent>> agents_;
  std::set<std::shared_ptr<CallState>> active_calls_;
  IdGenerator ids_;
  int64_t rpc_id_ = 0;
};

}  // namespace

std::unique_ptr<ToolSource> makeA2aSource(const A2aConfig& cfg, const ClientConfig& client,
                                          const Logger& log) {
  return std::make_unique<A2aSource>(cfg, client, log);
}

}  // namespace igw
