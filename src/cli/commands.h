// The commands of `infer` and what they share: the parsed options, the resolved settings, and
// helpers that turn gateway answers into output or into one-line errors with an exit code.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/cli_error.h"
#include "cli/gateway_client.h"
#include "cli/settings.h"

namespace igw::cli {

struct Context {
  const Args& args;
  Settings settings;
};

using Handler = int (*)(Context&);

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `infer --help`
  std::string_view help;     // `infer CMD --help`: usage, options, examples
  OptionSpec options;
  Handler run;
};

std::span<const Command> commands();
const Command* findCommand(std::string_view name);

// Prints "infer: <message>" to stderr and returns its exit code.
int fail(const CliError& error);
int usageError(std::string_view command, std::string_view message);

// A client with the API key, or with the admin key (falling back to the API key).
GatewayClient gatewayClient(const Context& ctx, bool admin = false);

// One JSON exchange: the parsed 2xx answer, or the error to report.
struct JsonReply {
  nlohmann::json body;
  std::optional<CliError> error;
  int status = 0;
};
JsonReply callJson(GatewayClient& client, std::string_view method, std::string_view path,
                   std::string body = {}, bool model_request = false);

// Percent-encodes a query parameter value.
std::string queryEscape(std::string_view v);

int runInit(Context& ctx);
int runStatus(Context& ctx);
int runModels(Context& ctx);
int runAsk(Context& ctx);
int runChat(Context& ctx);
int runKeys(Context& ctx);
int runSpend(Context& ctx);
int runCompletion(Context& ctx);

}  // namespace igw::cli
