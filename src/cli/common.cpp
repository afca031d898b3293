#include <cstdio>

#include "cli/commands.h"
#include "core/json_parse.h"

namespace igw::cli {

int fail(const CliError& error) {
  std::fprintf(stderr, "infer: %s\n", error.message.c_str());
  return error.exit_code;
}

int usageError(std::string_view command, std::string_view message) {
  std::string cmd = command.empty() ? "infer" : "infer " + std::string(command);
  return fail({kExitUsage, std::string(message) + " (see `" + cmd + " --help`)"});
}

GatewayClient gatewayClient(const Context& ctx, bool admin) {
  const std::string& key =
      admin && !ctx.settings.admin_key.empty() ? ctx.settings.admin_key : ctx.settings.api_key;
  return GatewayClient(ctx.settings.gateway_url, key);
}

JsonReply callJson(GatewayClient& client, std::string_view method, std::string_view path,
                   std::string body, bool model_request) {
  JsonReply out;
  auto reply = client.call(method, path, std::move(body));
  if (!reply) {
    if (reply.status().code() == Code::kInvalidArgument) {
      out.error = CliError{kExitUsage, reply.status().message()};
    } else {
      out.error = transportError(reply.status(), client.baseUrl());
    }
    return out;
  }
  out.status = reply->status;
  if (reply->status >= 400) {
    out.error = httpError(reply->status, reply->body, model_request);
    return out;
  }
  if (reply->body.empty()) return out;
  ParsedJson parsed = parseJson(reply->body);
  if (!parsed.ok()) {
    out.error = CliError{
        kExitError, "the gateway's answer to " + std::string(path) + " is " + parsed.describe()};
    return out;
  }
  out.body = std::move(parsed.value);
  return out;
}

std::string queryEscape(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace igw::cli
