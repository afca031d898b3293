// OpenAI-shaped error responses: {"error":{"message","type","code"}}, built once at the edge.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

int httpStatus(Code code);

// OpenAI error "type" for an HTTP status (invalid_request_error, authentication_error, ...):
// the OpenAI column of the error taxonomy (http/error_taxonomy.h).
std::string_view errorType(int status);

// Longest error message written to a client; longer ones (they may quote a client's 1 MB model
// name or a provider's text) are cut on a character boundary with a note of what was cut.
inline constexpr size_t kMaxErrorMessageBytes = 2048;

// An OpenAI-shaped error body. Always valid JSON (invalid UTF-8 becomes U+FFFD).
std::string errorJson(std::string_view message, std::string_view type, std::string_view code = {});
std::string errorJson(const Status& s);

// The message of a provider's error body: OpenAI {"error":{"message"}}, {"error":"..."},
// {"message":"..."} or, failing those, the start of the raw text.
std::string upstreamErrorMessage(std::string_view body);

}  // namespace igw
