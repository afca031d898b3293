// The gateway's one error taxonomy: HTTP status <-> OpenAI error type <-> Anthropic error type
// <-> Gemini (google.rpc status name) <-> Cohere (its SDKs' error class per status). Every
// translation of an error between APIs goes through this table; docs/errors.md shows it and
// how each client API sees each provider's errors.
//
// Provider statuses pass through unchanged (a 529 stays a 529). The only mappings that change a
// status are written here and in docs/errors.md:
//   - a status that is not an HTTP error (1xx, 2xx, 3xx, below 100, 600 and above) in an error
//     path becomes 502: the provider failed in a way the client cannot act on;
//   - Gemini answers a bad API key with 400 INVALID_ARGUMENT ("API key not valid",
//     API_KEY_INVALID); that becomes 401, the status every other provider uses for it.
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"

namespace igw {

struct ErrorClass {
  int status;                  // HTTP status
  std::string_view openai;     // OpenAI error "type"
  std::string_view anthropic;  // Anthropic error "type"
  std::string_view google;     // google.rpc.Code name in Gemini's error "status"
  std::string_view cohere;     // Cohere SDK error class for the status (Cohere bodies have no type)
};

// The table, one row per status the APIs name. Statuses without a row use the generic 4xx or
// 5xx row (status 0 in the result's `status`).
std::span<const ErrorClass> errorTable();

// The row for a status: its own, else the generic 4xx row (400-499) or 5xx row (anything else).
const ErrorClass& errorClass(int status);

// The documented mapping above for a provider's status in an error path: 400-599 unchanged,
// anything else 502.
int providerErrorStatus(int status);

// Names for a status.
std::string_view openAiErrorType(int status);     // == errorType(status)
std::string_view anthropicErrorType(int status);  // == messagesErrorType(status)
std::string_view googleRpcStatus(int status);
std::string_view cohereErrorName(int status);

// Statuses for names; 0 when the name is unknown. A name several rows share gives the first
// (invalid_request_error -> 400, overloaded_error -> 529 for Anthropic and 503 for OpenAI).
int statusForOpenAiType(std::string_view type);
int statusForAnthropicType(std::string_view type);
int statusForGoogleRpcStatus(std::string_view rpc_status);  // also FAILED_PRECONDITION, ...

// The Status code for a status, for the paths that carry a Status (stream errors, local
// failures): the inverse of httpStatus() where one exists (529 -> kServiceUnavailable).
Code codeForStatus(int status);

}  // namespace igw
