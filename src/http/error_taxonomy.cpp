// The error taxonomy table and its lookups (see error_taxonomy.h and docs/errors.md).
#include "http/error_taxonomy.h"

#include <array>

namespace igw {

namespace {

// status, OpenAI type, Anthropic type, google.rpc status, Cohere SDK error.
//
// Documented choices: 502 and 504 have no Anthropic type of their own in the types this
// gateway writes, so they are api_error; 413 is request_too_large for Anthropic and
// invalid_request_error for OpenAI; 503 and 529 are overloaded_error for both; 402 is
// Anthropic's billing_error. A status without a row takes the generic 4xx/5xx row.
constexpr std::array<ErrorClass, 17> kTable{{
    {400, "invalid_request_error", "invalid_request_error", "INVALID_ARGUMENT", "BadRequestError"},
    {401, "authentication_error", "authentication_error", "UNAUTHENTICATED", "UnauthorizedError"},
    {402, "invalid_request_error", "billing_error", "FAILED_PRECONDITION", "ApiError"},
    {403, "permission_error", "permission_error", "PERMISSION_DENIED", "ForbiddenError"},
    {404, "not_found_error", "not_found_error", "NOT_FOUND", "NotFoundError"},
    {409, "invalid_request_error", "invalid_request_error", "ABORTED", "ApiError"},
    {413, "invalid_request_error", "request_too_large", "INVALID_ARGUMENT", "ApiError"},
    {422, "invalid_request_error", "invalid_request_error", "INVALID_ARGUMENT",
     "UnprocessableEntityError"},
    {429, "rate_limit_error", "rate_limit_error", "RESOURCE_EXHAUSTED", "TooManyRequestsError"},
    {431, "invalid_request_error", "invalid_request_error", "INVALID_ARGUMENT", "ApiError"},
    {499, "invalid_request_error", "invalid_request_error", "CANCELLED",
     "ClientClosedRequestError"},
    {500, "server_error", "api_error", "INTERNAL", "InternalServerError"},
    {501, "server_error", "api_error", "UNIMPLEMENTED", "NotImplementedError"},
    {502, "upstream_error", "api_error", "UNAVAILABLE", "ApiError"},
    {503, "overloaded_error", "overloaded_error", "UNAVAILABLE", "ServiceUnavailableError"},
    {504, "timeout_error", "api_error", "DEADLINE_EXCEEDED", "GatewayTimeoutError"},
    {529, "overloaded_error", "overloaded_error", "UNAVAILABLE", "ServiceUnavailableError"},
}};

constexpr ErrorClass kGeneric4xx{0, "invalid_request_error", "invalid_request_error",
                                 "FAILED_PRECONDITION", "ApiError"};
constexpr ErrorClass kGeneric5xx{0, "server_error", "api_error", "UNKNOWN", "ApiError"};

// google.rpc codes whose HTTP status (google/rpc/code.proto) is another row's; they win over a
// row that borrows the name (402 has no google.rpc code of its own and borrows
// FAILED_PRECONDITION, which google maps to 400).
struct Alias {
  std::string_view name;
  int status;
};
constexpr std::array<Alias, 5> kGoogleAliases{{{"FAILED_PRECONDITION", 400},
                                               {"OUT_OF_RANGE", 400},
                                               {"ALREADY_EXISTS", 409},
                                               {"UNKNOWN", 500},
                                               {"DATA_LOSS", 500}}};

template <class Field>
int statusFor(std::string_view name, Field field) {
  if (name.empty()) return 0;
  for (const auto& row : kTable) {
    if (row.*field == name) return row.status;
  }
  return 0;
}

}  // namespace

std::span<const ErrorClass> errorTable() {
  return kTable;
}

const ErrorClass& errorClass(int status) {
  for (const auto& row : kTable) {
    if (row.status == status) return row;
  }
  return status >= 400 && status < 500 ? kGeneric4xx : kGeneric5xx;
}

int providerErrorStatus(int status) {
  return status >= 400 && status <= 599 ? status : 502;
}

std::string_view openAiErrorType(int status) {
  return errorClass(status).openai;
}
std::string_view anthropicErrorType(int status) {
  return errorClass(status).anthropic;
}
std::string_view googleRpcStatus(int status) {
  return errorClass(status).google;
}
std::string_view cohereErrorName(int status) {
  return errorClass(status).cohere;
}

int statusForOpenAiType(std::string_view type) {
  return statusFor(type, &ErrorClass::openai);
}

int statusForAnthropicType(std::string_view type) {
  if (type == "overloaded_error") return 529;  // Anthropic's own status for it
  return statusFor(type, &ErrorClass::anthropic);
}

int statusForGoogleRpcStatus(std::string_view rpc_status) {
  if (rpc_status == "UNAVAILABLE") return 503;  // 502 and 529 share the name; 503 is google's
  for (const auto& a : kGoogleAliases) {        // google.rpc's own HTTP mapping comes first
    if (a.name == rpc_status) return a.status;
  }
  return statusFor(rpc_status, &ErrorClass::google);
}

Code codeForStatus(int status) {
  switch (status) {
    case 400:
      return Code::kInvalidArgument;
    case 401:
      return Code::kUnauthenticated;
    case 402:
      return Code::kPaymentRequired;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 413:
      return Code::kPayloadTooLarge;
    case 429:
      return Code::kRateLimited;
    case 500:
      return Code::kInternal;
    case 503:
    case 529:
      return Code::kServiceUnavailable;
    case 504:
      return Code::kDeadlineExceeded;
    default:
      break;
  }
  if (status >= 400 && status < 500) return Code::kInvalidArgument;
  return Code::kUnavailable;  // 502, other 5xx, and anything that is not an error status
}

}  // namespace igw
