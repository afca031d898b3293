#include "a2a/a2a_codec.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "core/json_parse.h"
#include "net/url.h"

namespace igw::a2a {

using json = nlohmann::json;

namespace {

using jsonf::boolean;
using jsonf::field;
using jsonf::str;

std::vector<std::string> strings(const json& j, std::string_view key) {
  std::vector<std::string> out;
  const json* v = field(j, key);
  if (!v || !v->is_array()) return out;
  for (const auto& e : *v) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::string dumpJson(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool isLoopbackHost(std::string_view h) {
  return h == "localhost" || h == "127.0.0.1" || h == "0.0.0.0" || h == "::" || h == "::1";
}

// The card's endpoint, made absolute and reachable (see parseAgentCard).
std::string resolveEndpoint(const std::string& endpoint, std::string_view base_url) {
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (endpoint.empty()) return base;
  if (endpoint.front() == '/') return base + endpoint;
  auto ep = parseUrl(endpoint);
  if (!ep) return base;  // relative or garbage: the base is the best guess
  auto b = parseUrl(base);
  if (b && isLoopbackHost(ep->host) && !isLoopbackHost(b->host)) {
    std::string path = ep->target == "/" ? std::string() : ep->target;
    return base + path;
  }
  return endpoint;
}

bool isJsonRpc(std::string_view binding) {
  return binding == "JSONRPC" || binding == "jsonrpc" || binding == "JSON-RPC";
}

std::string describeFile(std::string_view name, std::string_view mime, std::string_view uri,
                         size_t bytes) {
  std::string out = "[file";
  if (!name.empty()) out += " " + std::string(name);
  if (!mime.empty()) out += " (" + std::string(mime) + ")";
  if (!uri.empty()) out += ": " + std::string(uri);
  if (bytes) out += ", " + std::to_string(bytes) + " bytes base64";
  return out + "]";
}

std::string partText(const json& p) {
  if (!p.is_object()) return {};
  std::string kind = str(p, "kind");
  if (kind.empty()) kind = str(p, "type");
  if (const json* t = field(p, "text"); t && t->is_string() && (kind.empty() || kind == "text")) {
    return t->get<std::string>();
  }
  if (const json* d = field(p, "data"); d && (kind.empty() || kind == "data")) return dumpJson(*d);
  // 0.3 file part: {"kind":"file","file":{"name","mimeType","uri"|"bytes"}}
  if (const json* f = field(p, "file"); f && f->is_object()) {
    const json* bytes = field(*f, "bytes");
    return describeFile(
        str(*f, "name"), str(*f, "mimeType"), str(*f, "uri"),
        bytes && bytes->is_string() ? bytes->get_ref<const std::string&>().size() : 0);
  }
  // 1.0 file parts: {"url"} or {"raw"} with filename and mediaType.
  if (field(p, "url") || field(p, "raw")) {
    const json* raw = field(p, "raw");
    return describeFile(str(p, "filename"), str(p, "mediaType"), str(p, "url"),
                        raw && raw->is_string() ? raw->get_ref<const std::string&>().size() : 0);
  }
  return {};
}

std::string partsOf(const json& parts) {
  std::string out;
  if (!parts.is_array()) return out;
  for (const auto& p : parts) {
    std::string t = partText(p);
    if (t.empty()) continue;
    if (!out.empty()) out += "\n";
    out += t;
  }
  return out;
}

std::string messageText(const json& msg) {
  const json* parts = field(msg, "parts");
  return parts ? partsOf(*parts) : std::string();
}

void readStatus(const json& obj, Event& e) {
  const json* st = field(obj, "status");
  if (!st) return;
  e.state = parseTaskState(str(*st, "state"));
  if (const json* m = field(*st, "message")) e.status_text = messageText(*m);
}

std::pair<std::string, std::string> readArtifact(const json& a) {
  std::string id = str(a, "artifactId");
  if (id.empty()) id = str(a, "name");
  return {id, messageText(a)};
}

Event taskEvent(const json& t) {
  Event e;
  e.kind = EventKind::kTask;
  e.task_id = str(t, "id");
  e.context_id = str(t, "contextId");
  readStatus(t, e);
  if (const json* arts = field(t, "artifacts"); arts && arts->is_array()) {
    for (const auto& a : *arts) e.artifacts.push_back(readArtifact(a));
  }
  return e;
}

Event messageEvent(const json& m) {
  Event e;
  e.kind = EventKind::kMessage;
  e.task_id = str(m, "taskId");
  e.context_id = str(m, "contextId");
  e.text = messageText(m);
  return e;
}

Event statusEvent(const json& s) {
  Event e;
  e.kind = EventKind::kStatusUpdate;
  e.task_id = str(s, "taskId");
  e.context_id = str(s, "contextId");
  readStatus(s, e);
  e.final = boolean(s, "final");
  return e;
}

Event artifactEvent(const json& a) {
  Event e;
  e.kind = EventKind::kArtifactUpdate;
  e.task_id = str(a, "taskId");
  e.context_id = str(a, "contextId");
  if (const json* art = field(a, "artifact")) e.artifacts.push_back(readArtifact(*art));
  e.append = boolean(a, "append");
  return e;
}

std::optional<Event> resultEvent(const json& r) {
  if (!r.is_object()) return std::nullopt;
  // 1.0: a wrapper with exactly one payload.
  if (const json* t = field(r, "task"); t && t->is_object()) return taskEvent(*t);
  if (const json* m = field(r, "message"); m && m->is_object()) return messageEvent(*m);
  if (const json* s = field(r, "statusUpdate"); s && s->is_object()) return statusEvent(*s);
  if (const json* a = field(r, "artifactUpdate"); a && a->is_object()) return artifactEvent(*a);
  // 0.3: tagged with kind.
  std::string kind = str(r, "kind");
  if (kind == "task") return taskEvent(r);
  if (kind == "message") return messageEvent(r);
  if (kind == "status-update") return statusEvent(r);
  if (kind == "artifact-update") return artifactEvent(r);
  // 1.0 GetTask / CancelTask answer a bare Task; some agents answer a bare Message.
  if (field(r, "status") && field(r, "id")) return taskEvent(r);
  if (field(r, "parts")) return messageEvent(r);
  return std::nullopt;
}

std::string rpc(int64_t id, std::string_view method, json params) {
  json req = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  return dumpJson(req);
}

}  // namespace

std::string_view protocolName(Protocol p) {
  return p == Protocol::kV1 ? "1.0" : "0.3";
}

TaskState parseTaskState(std::string_view s) {
  if (s.starts_with("TASK_STATE_")) s.remove_prefix(11);
  std::string n;
  for (char c : s) n.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(c)));
  if (n == "submitted") return TaskState::kSubmitted;
  if (n == "working") return TaskState::kWorking;
  if (n == "input-required") return TaskState::kInputRequired;
  if (n == "auth-required") return TaskState::kAuthRequired;
  if (n == "completed") return TaskState::kCompleted;
  if (n == "failed") return TaskState::kFailed;
  if (n == "canceled" || n == "cancelled") return TaskState::kCanceled;
  if (n == "rejected") return TaskState::kRejected;
  return TaskState::kUnknown;
}

std::string_view taskStateName(TaskState s) {
  switch (s) {
    case TaskState::kSubmitted:
      return "submitted";
    case TaskState::kWorking:
      return "working";
    case TaskState::kInputRequired:
      return "input-required";
    case TaskState::kAuthRequired:
      return "auth-required";
    case TaskState::kCompleted:
      return "completed";
    case TaskState::kFailed:
      return "failed";
    case TaskState::kCanceled:
      return "canceled";
    case TaskState::kRejected:
      return "rejected";
    case TaskState::kUnknown:
      break;
  }
  return "unknown";
}

bool isTerminal(TaskState s) {
  return s == TaskState::kCompleted || s == TaskState::kFailed || s == TaskState::kCanceled ||
         s == TaskState::kRejected;
}

bool isInterrupted(TaskState s) {
  return s == TaskState::kInputRequired || s == TaskState::kAuthRequired;
}

Result<AgentCard> parseAgentCard(std::string_view text, std::string_view base_url) {
  auto parsed = parseJson(text);
  if (parsed.overLimit()) return jsonStatus(parsed, Code::kUnavailable, "the agent card");
  const json& doc = parsed.value;
  if (!doc.is_object()) return unavailable("the agent card is not a JSON object");
  AgentCard card;
  card.name = str(doc, "name");
  card.description = str(doc, "description");
  card.version = str(doc, "version");
  if (const json* caps = field(doc, "capabilities")) card.streaming = boolean(*caps, "streaming");

  // A card is 0.3-shaped when it says so at the top (protocolVersion 0.x): some 1.0 servers
  // add supportedInterfaces to the 0.3 card they serve to header-less clients, and then the
  // document's own generation is the one the server expects from us.
  std::string top_version = str(doc, "protocolVersion");
  bool legacy_doc = top_version.starts_with("0.");
  std::string endpoint;
  const json* ifaces = field(doc, "supportedInterfaces");
  if (!legacy_doc && ifaces && ifaces->is_array() && !ifaces->empty()) {
    const json* v1 = nullptr;
    const json* v03 = nullptr;
    for (const auto& i : *ifaces) {
      if (!isJsonRpc(str(i, "protocolBinding"))) continue;
      std::string v = str(i, "protocolVersion");
      if (v.starts_with("0.")) {
        if (!v03) v03 = &i;
      } else if (!v1) {
        v1 = &i;
      }
    }
    if (!v1 && !v03) return unavailable("the agent offers no JSONRPC interface");
    card.protocol = v1 ? Protocol::kV1 : Protocol::kV03;
    endpoint = str(v1 ? *v1 : *v03, "url");
  } else {
    card.protocol = Protocol::kV03;
    std::string preferred = str(doc, "preferredTransport");
    endpoint = str(doc, "url");
    if (!preferred.empty() && !isJsonRpc(preferred)) {
      // The main URL speaks another transport: look for a JSON-RPC one among the others.
      endpoint.clear();
      if (const json* more = field(doc, "additionalInterfaces"); more && more->is_array()) {
        for (const auto& i : *more) {
          if (isJsonRpc(str(i, "transport"))) {
            endpoint = str(i, "url");
            break;
          }
        }
      }
      if (endpoint.empty()) return unavailable("the agent offers no JSONRPC interface");
    }
  }
  card.endpoint = resolveEndpoint(endpoint, base_url);
  if (!parseUrl(card.endpoint)) return unavailable("the agent card has no usable URL");

  if (const json* skills = field(doc, "skills"); skills && skills->is_array()) {
    for (const auto& s : *skills) {
      Skill sk;
      sk.id = str(s, "id");
      sk.name = str(s, "name");
      if (sk.id.empty()) sk.id = sk.name;
      if (sk.id.empty()) continue;
      sk.description = str(s, "description");
      sk.tags = strings(s, "tags");
      sk.examples = strings(s, "examples");
      card.skills.push_back(std::move(sk));
    }
  }
  if (card.name.empty()) {
    auto u = parseUrl(base_url);
    card.name = u ? u->host : std::string("agent");
  }
  return card;
}

std::string buildSendMessage(Protocol p, int64_t id, bool streaming, std::string_view text,
                             std::string_view message_id, std::string_view context_id) {
  json msg;
  if (p == Protocol::kV1) {
    msg = {{"messageId", message_id},
           {"role", "ROLE_USER"},
           {"parts", json::array({{{"text", text}}})}};
  } else {
    msg = {{"kind", "message"},
           {"messageId", message_id},
           {"role", "user"},
           {"parts", json::array({{{"kind", "text"}, {"text", text}}})}};
  }
  if (!context_id.empty()) msg["contextId"] = context_id;
  const char* method = p == Protocol::kV1 ? (streaming ? "SendStreamingMessage" : "SendMessage")
                                          : (streaming ? "message/stream" : "message/send");
  json params = {{"message", std::move(msg)}};
  // 0.3 servers differ on the default; 1.0 blocks unless told otherwise (returnImmediately).
  if (p == Protocol::kV03 && !streaming) params["configuration"] = {{"blocking", true}};
  return rpc(id, method, std::move(params));
}

std::string buildGetTask(Protocol p, int64_t id, std::string_view task_id) {
  return rpc(id, p == Protocol::kV1 ? "GetTask" : "tasks/get", json{{"id", task_id}});
}

std::string buildCancelTask(Protocol p, int64_t id, std::string_view task_id) {
  return rpc(id, p == Protocol::kV1 ? "CancelTask" : "tasks/cancel", json{{"id", task_id}});
}

Result<Response> parseResponse(std::string_view text) {
  auto parsed = parseJson(text);
  if (parsed.overLimit()) return jsonStatus(parsed, Code::kUnavailable, "the agent's answer");
  const json& doc = parsed.value;
  if (!doc.is_object()) return unavailable("the agent answered something that is not JSON-RPC");
  Response r;
  if (const json* err = field(doc, "error"); err && !err->is_null()) {
    RpcError e;
    if (const json* c = field(*err, "code"); c && c->is_number_integer())
      e.code = c->get<int64_t>();
    e.message = str(*err, "message");
    if (e.message.empty()) e.message = err->is_string() ? err->get<std::string>() : "unknown error";
    r.error = std::move(e);
    return r;
  }
  const json* result = field(doc, "result");
  if (!result) return unavailable("the agent's JSON-RPC response has neither result nor error");
  auto ev = resultEvent(*result);
  if (!ev) return unavailable("the agent's result is neither a task, a message nor a task event");
  r.event = std::move(*ev);
  return r;
}

std::string partsText(std::string_view parts_json) {
  return partsOf(parseJsonOrDiscarded(parts_json));
}

void TaskTracker::appendCapped(std::string& dst, std::string_view src) {
  size_t room = collected_ >= kMaxCollectedBytes ? 0 : kMaxCollectedBytes - collected_;
  size_t n = std::min(src.size(), room);
  if (n < src.size()) {
    truncated_ = true;
    // Do not cut a UTF-8 sequence in half.
    while (n > 0 && (static_cast<unsigned char>(src[n]) & 0xC0) == 0x80) --n;
  }
  dst.append(src.data(), n);
  collected_ += n;
}

void TaskTracker::addArtifact(const std::string& id, std::string_view text) {
  if (artifacts_.size() >= kMaxArtifacts) {
    truncated_ = true;
    return;
  }
  artifact_index_.emplace(id, artifacts_.size());  // a repeated id: updates go to the first
  artifacts_.emplace_back(id, std::string());
  appendCapped(artifacts_.back().second, text);
}

void TaskTracker::apply(const Event& e) {
  if (!e.task_id.empty()) task_id_ = e.task_id;
  if (!e.context_id.empty()) context_id_ = e.context_id;
  switch (e.kind) {
    case EventKind::kMessage:
      got_message_ = true;
      if (!message_text_.empty() && !e.text.empty()) appendCapped(message_text_, "\n");
      appendCapped(message_text_, e.text);
      return;
    case EventKind::kTask:
      // A task snapshot is complete: its artifacts replace what we had.
      if (!e.artifacts.empty()) {
        artifacts_.clear();
        artifact_index_.clear();
        collected_ = message_text_.size();
        for (const auto& [id, text] : e.artifacts) addArtifact(id, text);
      }
      break;
    case EventKind::kArtifactUpdate:
      for (const auto& [id, text] : e.artifacts) {
        auto it = artifact_index_.find(id);
        if (it == artifact_index_.end()) {
          addArtifact(id, text);
          continue;
        }
        auto& dst = artifacts_[it->second].second;
        if (!e.append) {
          collected_ -= dst.size();
          dst.clear();
        }
        appendCapped(dst, text);
      }
      return;
    case EventKind::kStatusUpdate:
      if (e.final) final_ = true;
      break;
  }
  if (e.state != TaskState::kUnknown) {
    state_ = e.state;
    status_text_ = e.status_text;
  }
}

bool TaskTracker::done() const {
  return got_message_ || final_ || isTerminal(state_) || isInterrupted(state_);
}

Outcome TaskTracker::outcome(std::string_view agent) const {
  Outcome o = untruncatedOutcome(agent);
  if (truncated_) {
    o.content += "\n[The agent's output was truncated: only the first " +
                 std::to_string(kMaxCollectedBytes >> 20) + " MiB and " +
                 std::to_string(kMaxArtifacts) + " artifacts were kept.]";
  }
  return o;
}

Outcome TaskTracker::untruncatedOutcome(std::string_view agent) const {
  Outcome o;
  std::string who = "The agent \"" + std::string(agent) + "\"";
  if (got_message_ && !hasTask()) {
    o.content = message_text_.empty() ? who + " answered with an empty message." : message_text_;
    return o;
  }
  std::string artifacts;
  for (const auto& a : artifacts_) {
    if (a.second.empty()) continue;
    if (!artifacts.empty()) artifacts += "\n";
    artifacts += a.second;
  }
  switch (state_) {
    case TaskState::kCompleted: {
      o.content = artifacts;
      if (!status_text_.empty() && status_text_ != artifacts) {
        if (!o.content.empty()) o.content += "\n";
        o.content += status_text_;
      }
      if (!message_text_.empty() && o.content.empty()) o.content = message_text_;
      if (o.content.empty()) o.content = who + " completed the task without any output.";
      return o;
    }
    case TaskState::kInputRequired:
    case TaskState::kAuthRequired: {
      bool auth = state_ == TaskState::kAuthRequired;
      o.content = who + (auth ? " needs authorization" : " needs more input") +
                  " before it can continue (task " + task_id_ + ", state " +
                  std::string(taskStateName(state_)) + ").";
      std::string q = status_text_.empty() ? artifacts : status_text_;
      if (!q.empty()) o.content += " The agent asks: \"" + q + "\"";
      return o;
    }
    case TaskState::kFailed:
    case TaskState::kRejected:
    case TaskState::kCanceled: {
      o.is_error = true;
      o.error_type = state_ == TaskState::kCanceled ? "cancelled" : "tool_error";
      std::string verb = state_ == TaskState::kFailed     ? " failed the task"
                         : state_ == TaskState::kRejected ? " rejected the task"
                                                          : " cancelled the task";
      o.content = who + verb;
      std::string why = status_text_.empty() ? artifacts : status_text_;
      o.content += why.empty() ? "." : ": " + why;
      return o;
    }
    default:
      break;
  }
  // Not finished (the caller decides whether that is a timeout or an accepted background task).
  o.content = who + " is still working on the task (task " + task_id_ + ", state " +
              std::string(taskStateName(state_)) + ")";
  if (!status_text_.empty()) o.content += ": " + status_text_;
  if (got_message_ && !message_text_.empty()) o.content += "\n" + message_text_;
  return o;
}

Outcome rpcErrorOutcome(std::string_view agent, const RpcError& e) {
  Outcome o;
  o.is_error = true;
  o.error_type = "tool_error";
  o.content = "The agent \"" + std::string(agent) + "\" returned an error (" +
              std::to_string(e.code) + "): " + e.message;
  return o;
}

std::string sanitizeName(std::string_view s, std::string_view fallback) {
  std::string out;
  bool gap = false;
  for (unsigned char c : s) {
    char l = static_cast<char>(std::tolower(c));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_';
    if (!ok || l == '_') {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out.push_back('_');
    gap = false;
    out.push_back(l);
  }
  if (out.empty()) return std::string(fallback);
  return out;
}

std::string ToolNamer::name(std::string_view agent, std::string_view skill) {
  std::string base = "a2a_" + std::string(agent) + "_" + std::string(skill);
  if (base.size() > kMaxToolName) base.resize(kMaxToolName);
  std::string candidate = base;
  for (int n = 2; used_.count(candidate); ++n) {
    std::string suffix = "_" + std::to_string(n);
    candidate = base.substr(0, std::min(base.size(), kMaxToolName - suffix.size())) + suffix;
  }
  used_.insert(candidate);
  return candidate;
}

std::string toolParameters() {
  return R"({"type":"object","properties":{"input":{"type":"string","description":"The message to send to the agent"}},"required":["input"]})";
}

std::string toolDescription(const Skill& s, std::string_view agent_name) {
  std::string d = s.description.empty() ? s.name : s.description;
  if (d.empty()) d = s.id;
  d += " (agent: " + std::string(agent_name) + ")";
  if (!s.examples.empty()) {
    d += " Examples: ";
    for (size_t i = 0; i < s.examples.size(); ++i) {
      if (i) d += "; ";
      d += s.examples[i];
    }
  }
  return d;
}

Result<std::string> parseInput(std::string_view arguments) {
  auto parsed = parseJson(arguments);
  if (parsed.overLimit()) return invalidArgument("arguments " + parsed.describe());
  const json& doc = parsed.value;
  if (!doc.is_object()) return invalidArgument("arguments must be a JSON object with \"input\"");
  const json* in = field(doc, "input");
  if (!in || !in->is_string()) return invalidArgument("\"input\" must be a string");
  return in->get<std::string>();
}

}  // namespace igw::a2a
