// infer keys create|list|revoke: the gateway's API keys through /admin/keys (docs/auth.md).
#include <charconv>

#include "cli/commands.h"
#include "cli/terminal.h"

namespace igw::cli {

namespace {

using nlohmann::json;

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string models(const json& o) {
  std::string out;
  auto it = o.find("models");
  if (it != o.end() && it->is_array()) {
    for (const auto& m : *it) {
      if (m.is_string()) out += (out.empty() ? "" : ",") + m.get<std::string>();
    }
  }
  return out.empty() ? "*" : out;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

json listOf(const std::string& s) {
  json out = json::array();
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(start, comma - start);
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

int create(Context& ctx, GatewayClient& client) {
  if (!ctx.args.given("--name")) return usageError("keys", "keys create needs --name");
  json body = {{"name", ctx.args.value("--name")}};
  if (ctx.args.given("--team")) body["team"] = ctx.args.value("--team");
  if (ctx.args.given("--models")) body["models"] = listOf(ctx.args.value("--models"));
  if (ctx.args.given("--expires-at")) {
    std::string v = ctx.args.value("--expires-at");
    int64_t t = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), t);
    if (ec != std::errc() || end != v.data() + v.size()) {
      return usageError("keys", "--expires-at must be a Unix timestamp, not '" + v + "'");
    }
    body["expires_at"] = t;
  }
  JsonReply r = callJson(client, "POST", "/admin/keys", body.dump());
  if (r.error) return fail(*r.error);
  if (ctx.args.has("--json")) {
    writeOut(r.body.dump(2) + "\n");
    return kExitOk;
  }
  std::string out = "id      " + str(r.body, "id") + "\n" + "name    " + str(r.body, "name") +
                    "\n" + "team    " + str(r.body, "team") + "\n" + "models  " + models(r.body) +
                    "\n" + "key     " + str(r.body, "key") + "\n";
  writeOut(terminalSafe(out));
  std::fprintf(stderr, "The key is shown only this once: store it now.\n");
  return kExitOk;
}

int list(Context& ctx, GatewayClient& client) {
  JsonReply r = callJson(client, "GET", "/admin/keys");
  if (r.error) return fail(*r.error);
  if (ctx.args.has("--json")) {
    writeOut(r.body.dump(2) + "\n");
    return kExitOk;
  }
  std::string out =
      pad("ID", 28) + pad("NAME", 16) + pad("TEAM", 12) + pad("MODELS", 20) + "STATE\n";
  auto data = r.body.find("data");
  if (data != r.body.end() && data->is_array()) {
    for (const auto& k : *data) {
      auto revoked = k.find("revoked");
      bool is_revoked = revoked != k.end() && revoked->is_boolean() && revoked->get<bool>();
      out += pad(str(k, "id"), 28) + pad(str(k, "name"), 16) + pad(str(k, "team"), 12) +
             pad(models(k), 20) + (is_revoked ? "revoked" : "active") + "\n";
    }
  }
  writeOut(terminalSafe(out));
  return kExitOk;
}

int revoke(Context& ctx, GatewayClient& client) {
  if (ctx.args.positionals.size() != 2) return usageError("keys", "keys revoke needs one key id");
  const std::string& id = ctx.args.positionals[1];
  JsonReply r = callJson(client, "DELETE", "/admin/keys/" + queryEscape(id));
  if (r.error) {
    if (r.status == 404) r.error->message = "no key with id '" + id + "' (`infer keys list`)";
    return fail(*r.error);
  }
  writeOut("revoked " + terminalSafe(id) + "\n");
  return kExitOk;
}

}  // namespace

int runKeys(Context& ctx) {
  if (ctx.args.positionals.empty()) return usageError("keys", "say create, list or revoke");
  const std::string& sub = ctx.args.positionals[0];
  if (sub != "revoke" && ctx.args.positionals.size() > 1) {
    return usageError("keys", "unexpected argument '" + ctx.args.positionals[1] + "'");
  }
  GatewayClient client = gatewayClient(ctx, true);
  if (sub == "create") return create(ctx, client);
  if (sub == "list") return list(ctx, client);
  if (sub == "revoke") return revoke(ctx, client);
  return usageError("keys", "unknown keys command '" + sub + "' (create, list, revoke)");
}

}  // namespace igw::cli
