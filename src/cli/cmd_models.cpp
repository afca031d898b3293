// infer models: the models the gateway serves, one "provider/model" per line.
#include "cli/commands.h"
#include "cli/terminal.h"

namespace igw::cli {

int runModels(Context& ctx) {
  if (!ctx.args.positionals.empty()) {
    return usageError("models", "unexpected argument '" + ctx.args.positionals[0] + "'");
  }
  std::string path = "/v1/models";
  if (ctx.args.given("--provider"))
    path += "?provider=" + queryEscape(ctx.args.value("--provider"));
  GatewayClient client = gatewayClient(ctx);
  JsonReply reply = callJson(client, "GET", path);
  if (reply.error) {
    if (reply.status == 400) reply.error->exit_code = kExitUnknownModel;  // unknown provider
    return fail(*reply.error);
  }
  if (ctx.args.has("--json")) {
    writeOut(reply.body.dump(2) + "\n");
    return kExitOk;
  }
  std::string out;
  auto data = reply.body.find("data");
  if (data != reply.body.end() && data->is_array()) {
    for (const auto& m : *data) {
      auto id = m.find("id");
      if (id != m.end() && id->is_string()) out += terminalSafe(id->get<std::string>()) + "\n";
    }
  }
  writeOut(out);
  return kExitOk;
}

}  // namespace igw::cli
