// infer spend: totals from GET /admin/spend?key=&team=&model=&from=&to=&group_by=, answered as
// {"totals": {"usd", "requests", "tokens"}, "groups": [{"<group_by>": ..., "usd", ...}]}.
// Lenient about where the groups are ("groups" or "data") and what names them.
#include <cstdio>

#include "cli/commands.h"
#include "cli/terminal.h"

namespace igw::cli {

namespace {

using nlohmann::json;

std::string number(const json& o, const char* key, bool money) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number()) return "-";
  char buf[64];
  if (money) {
    std::snprintf(buf, sizeof buf, "%.4f", it->get<double>());
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", it->get<double>());
  }
  return buf;
}

std::string label(const json& g, const std::string& group_by) {
  for (const std::string& key : {group_by, std::string("group"), std::string("name"),
                                 std::string("id"), std::string("key")}) {
    auto it = g.find(key);
    if (it != g.end() && it->is_string()) return it->get<std::string>();
    if (it != g.end() && it->is_number()) return it->dump();
  }
  return "?";
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

std::string row(const std::string& name, const json& o) {
  return pad(name, 30) + pad(number(o, "usd", true), 12) + pad(number(o, "requests", false), 10) +
         number(o, "tokens", false) + "\n";
}

}  // namespace

int runSpend(Context& ctx) {
  if (!ctx.args.positionals.empty()) {
    return usageError("spend", "unexpected argument '" + ctx.args.positionals[0] + "'");
  }
  std::string group_by = ctx.args.value("--group-by");
  if (!group_by.empty() && group_by != "key" && group_by != "team" && group_by != "model" &&
      group_by != "day") {
    return usageError("spend", "--group-by takes key, team, model or day");
  }
  std::string query;
  auto add = [&](const char* param, const std::string& value) {
    if (value.empty()) return;
    query += (query.empty() ? "?" : "&") + std::string(param) + "=" + queryEscape(value);
  };
  add("key", ctx.args.value("--key"));
  add("team", ctx.args.value("--team"));
  // --model is the global option: here it filters.
  add("model", ctx.args.value("--model"));
  add("from", ctx.args.value("--from"));
  add("to", ctx.args.value("--to"));
  add("group_by", group_by);
  GatewayClient client = gatewayClient(ctx, true);
  JsonReply r = callJson(client, "GET", "/admin/spend" + query);
  if (r.error) return fail(*r.error);
  if (ctx.args.has("--json")) {
    writeOut(r.body.dump(2) + "\n");
    return kExitOk;
  }
  std::string out =
      pad(group_by.empty() ? "" : group_by, 30) + pad("USD", 12) + pad("REQUESTS", 10) + "TOKENS\n";
  for (const char* where : {"groups", "data"}) {
    auto groups = r.body.find(where);
    if (groups == r.body.end() || !groups->is_array()) continue;
    for (const auto& g : *groups) {
      if (g.is_object()) out += row(label(g, group_by), g);
    }
    break;
  }
  auto totals = r.body.find("totals");
  out += row("total", totals != r.body.end() && totals->is_object() ? *totals : r.body);
  writeOut(terminalSafe(out));
  return kExitOk;
}

}  // namespace igw::cli
