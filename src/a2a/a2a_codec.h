// The A2A (Agent2Agent) wire format without any I/O, for both protocol generations the gateway
// meets in the wild:
//   1.0: card `supportedInterfaces` [{url, protocolBinding, protocolVersion}]; JSON-RPC methods
//        SendMessage, SendStreamingMessage, GetTask, CancelTask; proto-JSON shapes (parts are
//        {"text"} / {"data"} / {"url"} / {"raw"}, states TASK_STATE_*, results wrapped as
//        {"task"} / {"message"} / {"statusUpdate"} / {"artifactUpdate"}); requests carry the
//        `A2A-Version: 1.0` header.
//   0.3: card `url` + `protocolVersion` (+ `preferredTransport`); methods message/send,
//        message/stream, tasks/get, tasks/cancel; objects tagged with `kind`, states
//        "completed", "input-required", ...
// Parsing is lenient (either shape is accepted wherever it is unambiguous) because agents mix
// them. Pure code: unit-tested and fuzzed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace igw::a2a {

enum class Protocol { kV1, kV03 };
std::string_view protocolName(Protocol p);  // "1.0" | "0.3"

enum class TaskState {
  kSubmitted,
  kWorking,
  kInputRequired,
  kAuthRequired,
  kCompleted,
  kFailed,
  kCanceled,
  kRejected,
  kUnknown,
};
// Accepts "TASK_STATE_COMPLETED" (1.0) and "completed" (0.3); anything else is kUnknown.
TaskState parseTaskState(std::string_view s);
std::string_view taskStateName(TaskState s);  // 0.3 spelling: "input-required", ...
// The task will not change any more.
bool isTerminal(TaskState s);
// The task waits for the caller (input-required, auth-required): the call ends here too.
bool isInterrupted(TaskState s);

struct Skill {
  std::string id;
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  std::vector<std::string> examples;
};

struct AgentCard {
  std::string name;
  std::string description;
  std::string version;
  std::string endpoint;  // absolute URL of the JSON-RPC endpoint
  Protocol protocol = Protocol::kV03;
  bool streaming = false;
  std::vector<Skill> skills;
};

// Parses an agent card of either generation. `base_url` is where the card came from: it
// replaces a missing or relative endpoint, and the host of an endpoint that points at a
// loopback/unspecified address (agents in containers often advertise http://localhost:8080
// or 0.0.0.0 while being reached through a service name).
Result<AgentCard> parseAgentCard(std::string_view json, std::string_view base_url);

// JSON-RPC requests (one line of JSON). `context_id` may be empty.
std::string buildSendMessage(Protocol p, int64_t id, bool streaming, std::string_view text,
                             std::string_view message_id, std::string_view context_id = {});
std::string buildGetTask(Protocol p, int64_t id, std::string_view task_id);
std::string buildCancelTask(Protocol p, int64_t id, std::string_view task_id);

// One result object: the answer of a send/get, or one event of a stream.
enum class EventKind { kMessage, kTask, kStatusUpdate, kArtifactUpdate };

struct Event {
  EventKind kind = EventKind::kMessage;
  std::string task_id;
  std::string context_id;
  TaskState state = TaskState::kUnknown;  // task and status-update
  std::string status_text;                // text of status.message
  std::string text;                       // message: its parts
  // task: every artifact; artifact-update: the one artifact. Pairs of (artifact id, text).
  std::vector<std::pair<std::string, std::string>> artifacts;
  bool append = false;  // artifact-update appends to an artifact seen before
  bool final = false;   // 0.3 status-update "final"
};

struct RpcError {
  int64_t code = 0;
  std::string message;
};

// A JSON-RPC response: either `error` is set or `event` holds the result.
struct Response {
  std::optional<RpcError> error;
  Event event;
};

// Fails (kUnavailable) on anything that is not a JSON-RPC response with a result we recognise.
Result<Response> parseResponse(std::string_view json);

// Text of the parts of a message / artifact (JSON array of parts, either generation): text parts
// verbatim, data parts as JSON, files described briefly. Parts are separated by newlines.
std::string partsText(std::string_view parts_json);

// What a call produced, in the source-independent shape of ToolOutcome.
struct Outcome {
  std::string content;
  bool is_error = false;
  std::string error_type;  // tool_error, timeout, unavailable, cancelled, protocol_error, ...
};

// Folds the results of one call (a send's answer, stream events, polls) into the final answer.
class TaskTracker {
 public:
  void apply(const Event& e);

  bool hasTask() const { return !task_id_.empty(); }
  const std::string& taskId() const { return task_id_; }
  const std::string& contextId() const { return context_id_; }
  TaskState state() const { return state_; }
  bool gotMessage() const { return got_message_; }
  // Nothing more will come: a message, a terminal or interrupted state, or a 0.3 final event.
  bool done() const;

  // The outcome once done(); `agent` names the agent in messages for the model. Says so when
  // the agent's output went past the caps below.
  Outcome outcome(std::string_view agent) const;

  // A remote agent may stream without end: message and artifact text together are kept up to
  // kMaxCollectedBytes, and at most kMaxArtifacts artifacts; the rest is dropped.
  static constexpr size_t kMaxCollectedBytes = 16u << 20;
  static constexpr size_t kMaxArtifacts = 256;
  bool truncated() const { return truncated_; }

 private:
  Outcome untruncatedOutcome(std::string_view agent) const;
  void appendCapped(std::string& dst, std::string_view src);
  void addArtifact(const std::string& id, std::string_view text);

  std::string task_id_;
  std::string context_id_;
  TaskState state_ = TaskState::kUnknown;
  std::string status_text_;
  std::string message_text_;
  bool got_message_ = false;
  bool final_ = false;
  std::vector<std::pair<std::string, std::string>> artifacts_;  // in order of appearance
  std::map<std::string, size_t, std::less<>> artifact_index_;   // id -> index in artifacts_
  size_t collected_ = 0;  // bytes in message_text_ and artifacts_
  bool truncated_ = false;
};

Outcome rpcErrorOutcome(std::string_view agent, const RpcError& e);

// Lower-case, every run of characters outside [a-z0-9_] becomes one '_', leading/trailing '_'
// trimmed; `fallback` when nothing is left.
std::string sanitizeName(std::string_view s, std::string_view fallback);

// Gives out unique tool names: a2a_<agent>_<skill> cut to 64 characters, then _2, _3, ... for
// names already given (the suffix replaces the tail so the name stays within 64).
class ToolNamer {
 public:
  std::string name(std::string_view agent, std::string_view skill);

 private:
  std::set<std::string, std::less<>> used_;
};

inline constexpr size_t kMaxToolName = 64;

// JSON Schema of every A2A tool: {"input": string}.
std::string toolParameters();
// Skill description + " (agent: <name>)" + examples.
std::string toolDescription(const Skill& s, std::string_view agent_name);

// The `input` argument of a call; kInvalidArgument when the JSON is not an object with a string
// `input`.
Result<std::string> parseInput(std::string_view arguments);

}  // namespace igw::a2a
