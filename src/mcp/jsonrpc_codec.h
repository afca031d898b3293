// MCP's JSON-RPC 2.0 wire format, without any I/O: building the client's requests and
// notifications, classifying one incoming message (response, error, server request,
// notification) with a clear error for anything malformed, and turning the results of
// initialize, tools/list and tools/call into plain values. Pure code: unit-tested and fuzzed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace igw::mcp {

// The version the client asks for, and every version whose answer it accepts.
inline constexpr std::string_view kProtocolVersion = "2025-11-25";
bool supportedProtocolVersion(std::string_view version);

// JSON-RPC error codes the client itself sends or recognises.
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;

// At most max_bytes of `body` (an error page, say) as one line of valid UTF-8: cut on a
// character boundary, control characters as spaces, invalid bytes or sequences as '?'.
std::string errorSnippet(std::string_view body, size_t max_bytes);

// Serialised messages (one line of JSON, no trailing newline). A null `params` is left out.
std::string buildRequest(int64_t id, std::string_view method,
                         const nlohmann::json& params = nullptr);
std::string buildNotification(std::string_view method, const nlohmann::json& params = nullptr);
std::string buildResult(const nlohmann::json& id, const nlohmann::json& result);
std::string buildError(const nlohmann::json& id, int code, std::string_view message);
nlohmann::json initializeParams(std::string_view client_version);

enum class MessageKind { kResult, kError, kRequest, kNotification };

struct Message {
  MessageKind kind = MessageKind::kNotification;
  nlohmann::json id;       // string or integer; null only for an error about an unreadable request
  std::string method;      // kRequest, kNotification
  nlohmann::json params;   // kRequest, kNotification: object, array or null
  nlohmann::json result;   // kResult
  int64_t error_code = 0;  // kError
  std::string error_message;

  // The id as the integer the client sent, when it is one (numeric strings are accepted:
  // some servers echo ids as strings).
  std::optional<int64_t> intId() const;
};

// One message from its JSON value / text.
Result<Message> parseMessage(const nlohmann::json& value);
// A body or SSE event: one message or a JSON-RPC batch (an array of them). Malformed members
// of a batch fail the whole batch.
Result<std::vector<Message>> parseMessages(std::string_view text);

struct InitializeResult {
  std::string protocol_version;
  std::string server_name;
  std::string server_version;
  bool has_tools = false;  // capabilities.tools present
};
// Fails when the result is not an object, has no protocolVersion, or one the client does not
// speak (the message says which).
Result<InitializeResult> parseInitializeResult(const nlohmann::json& result);

struct RemoteTool {
  std::string name;
  std::string description;
  std::string input_schema;  // JSON object text; {"type":"object","properties":{}} when absent
};
struct ToolsPage {
  std::vector<RemoteTool> tools;
  std::string next_cursor;  // empty on the last page
};
// Tools without a usable name are skipped; a tools member that is not an array fails.
Result<ToolsPage> parseToolsListResult(const nlohmann::json& result);

// A call's outcome, rendered as text for the model (mirrors igw::ToolOutcome).
struct CallText {
  std::string content;
  bool is_error = false;
  std::string error_type;  // tool_error, invalid_arguments, protocol_error
};
// A tools/call result: text parts joined with newlines, other parts as short descriptions
// (never their base64 payloads), structuredContent when there is no text, isError honoured.
CallText renderCallResult(const nlohmann::json& result);
// A JSON-RPC error answering tools/call.
CallText renderRpcError(int64_t code, std::string_view message);

}  // namespace igw::mcp
