// OpenAI-shaped error responses: {"error":{"message","type","code"}}, built once at the edge.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

int httpStatus(Code code);

// OpenAI error "type" for an HTTP status (invalid_request_error, authentication_error, ...).
std::string_view errorType(int status);

std::string errorJson(std::string_view message, std::string_view type, std::string_view code = {});
std::string errorJson(const Status& s);

// The message of a provider's error body: OpenAI {"error":{"message"}}, {"error":"..."},
// {"message":"..."} or, failing those, the start of the raw text.
std::string upstreamErrorMessage(std::string_view body);

}  // namespace igw
