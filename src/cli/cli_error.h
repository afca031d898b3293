// A failure as `infer` reports it: one line for the terminal and an exit code.
#pragma once

#include <string>
#include <string_view>

#include "cli/exit_codes.h"
#include "core/status.h"

namespace igw::cli {

struct CliError {
  int exit_code = kExitError;
  std::string message;  // one line, without the "infer: " prefix
};

// A transport failure talking to `gateway_url` (connection refused, timeout, bad answer).
CliError transportError(const Status& status, std::string_view gateway_url);

// An HTTP error answer (status >= 400) of the gateway; `body` is its OpenAI-shaped error.
// `model_request`: the request named a model (chat), so a 404 means an unknown model.
CliError httpError(int status, std::string_view body, bool model_request = false);

// The `message` of an OpenAI-shaped error body, or a short excerpt of the body.
std::string errorMessageOf(std::string_view body);

}  // namespace igw::cli
