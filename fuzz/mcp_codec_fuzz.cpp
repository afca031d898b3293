// MCP JSON-RPC codec, structure-aware (see fuzz_util.h): server answers of the right shape
// (initialize, tools/list pages, tools/call results with text/image/resource parts, structured
// content, errors, server requests, notifications, batches) with wrong types mixed in.
// Properties: no crash or throw; accepted results/requests have ids, requests a method; rendered
// call text is never empty for an error; error snippets are one line within their limit; every
// message the client builds is valid JSON.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_util.h"
#include "mcp/jsonrpc_codec.h"
#include "mcp/naming_codec.h"

namespace {

using fz::ojson;
namespace mcp = igw::mcp;

ojson id(fz::Gen& g) {
  switch (g.upTo(4)) {
    case 0:
      return g.number();
    case 1:
      return g.pickStr({"1", "7", "x", "-3", "99999999999999999999"});
    case 2:
      return nullptr;
    default:
      return int64_t(g.upTo(5));
  }
}

ojson content(fz::Gen& g) {
  ojson parts = ojson::array();
  for (size_t k = g.upTo(3); k > 0; --k) {
    std::string type =
        g.pickStr({"text", "text", "image", "audio", "resource", "resource_link", "x"});
    ojson p = {{"type", type}};
    if (type == "text") p["text"] = g.orWrong<ojson>(g.coin() ? g.text() : g.jsonText());
    if (type == "image" || type == "audio") {
      p["data"] = g.text();
      p["mimeType"] = g.orWrong<ojson>(g.text());
    }
    if (type == "resource") {
      p["resource"] =
          g.orWrong<ojson>(ojson{{"uri", g.text()}, {"text", g.orWrong<ojson>(g.text())}});
    }
    if (type == "resource_link") p["uri"] = g.orWrong<ojson>(g.text());
    parts.push_back(g.orWrong<ojson>(std::move(p)));
  }
  return g.orWrong<ojson>(std::move(parts));
}

ojson result(fz::Gen& g) {
  switch (g.upTo(3)) {
    case 0: {
      ojson r = {{"protocolVersion",
                  g.orWrong<ojson>(g.pickStr({"2025-11-25", "2025-06-18", "2024-11-05", "1999"}))}};
      if (g.coin()) r["capabilities"] = g.orWrong<ojson>(ojson{{"tools", ojson::object()}});
      if (g.coin()) {
        r["serverInfo"] = g.orWrong<ojson>(
            ojson{{"name", g.orWrong<ojson>(g.text())}, {"version", g.orWrong<ojson>(g.text())}});
      }
      return r;
    }
    case 1: {
      ojson tools = ojson::array();
      for (size_t k = g.upTo(3); k > 0; --k) {
        ojson t = {{"name", g.orWrong<ojson>(g.pickStr({"search", "a b", "", "x/y"}))}};
        if (g.coin()) t["description"] = g.orWrong<ojson>(g.text());
        if (g.coin()) {
          t["inputSchema"] =
              g.rare(4)
                  ? g.deepValue()
                  : g.orWrong<ojson>(ojson{{"type", "object"}, {"properties", g.value<ojson>(3)}});
        }
        tools.push_back(g.orWrong<ojson>(std::move(t)));
      }
      ojson r = {{"tools", g.orWrong<ojson>(std::move(tools))}};
      if (g.coin()) r["nextCursor"] = g.orWrong<ojson>(g.text());
      return r;
    }
    default: {
      ojson r = {{"content", content(g)}};
      if (g.coin()) r["structuredContent"] = g.rare(4) ? g.deepValue() : g.value<ojson>(4);
      if (g.coin()) r["isError"] = g.orWrong<ojson>(g.coin());
      return g.orWrong<ojson>(std::move(r));
    }
  }
}

ojson message(fz::Gen& g) {
  ojson m = {{"jsonrpc", g.orWrong<ojson>("2.0")}};
  switch (g.upTo(4)) {
    case 0:
    case 1:
      m["id"] = id(g);
      m["result"] = result(g);
      break;
    case 2:
      m["id"] = id(g);
      m["error"] = g.orWrong<ojson>(
          ojson{{"code", g.orWrong<ojson>(g.number())}, {"message", g.orWrong<ojson>(g.text())}});
      break;
    case 3:
      if (g.coin()) m["id"] = id(g);
      m["method"] = g.orWrong<ojson>(g.pickStr({"ping", "notifications/tools/list_changed",
                                                "roots/list", "sampling/createMessage", ""}));
      if (g.coin()) m["params"] = g.value<ojson>(2);
      break;
    default:
      m[g.key()] = g.value<ojson>(2);
  }
  return m;
}

void check(const std::string& text) {
  auto msgs = mcp::parseMessages(text);
  if (!msgs) return;
  for (const auto& m : msgs.value()) {
    switch (m.kind) {
      case mcp::MessageKind::kResult: {
        if (m.id.is_null()) std::abort();
        (void)m.intId();
        auto call = mcp::renderCallResult(m.result);
        if (call.is_error && call.error_type.empty()) std::abort();
        if (auto page = mcp::parseToolsListResult(m.result)) {
          for (const auto& t : page->tools) {
            if (t.name.empty() || !fz::validJson(t.input_schema)) std::abort();
            std::string exposed = mcp::sanitizeName(t.name);
            if (exposed.size() != t.name.size()) std::abort();
          }
        }
        (void)mcp::parseInitializeResult(m.result);
        break;
      }
      case mcp::MessageKind::kError: {
        auto call = mcp::renderRpcError(m.error_code, m.error_message);
        if (!call.is_error || call.content.empty()) std::abort();
        break;
      }
      case mcp::MessageKind::kRequest:
        if (m.id.is_null()) std::abort();
        if (!fz::validJson(mcp::buildResult(m.id, nlohmann::json::object()))) std::abort();
        if (!fz::validJson(mcp::buildError(m.id, mcp::kMethodNotFound, "no: " + m.method))) {
          std::abort();
        }
        break;
      case mcp::MessageKind::kNotification:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  if (g.coin()) {
    check(g.dump(message(g)));
  } else {
    ojson batch = ojson::array();
    for (size_t k = g.upTo(3); k > 0; --k) batch.push_back(message(g));
    check(g.dump(batch));
  }
  size_t max = g.upTo(40);
  std::string snippet = mcp::errorSnippet(g.text(), max);
  if (snippet.size() > max + 3 || snippet.find('\n') != std::string::npos ||
      !fz::validJson(nlohmann::json(snippet).dump())) {
    std::abort();
  }
  auto params = nlohmann::json::parse(g.dump(g.value<ojson>(2)), nullptr, false);
  if (!params.is_discarded()) {
    if (!fz::validJson(mcp::buildRequest(1, g.text(), params))) std::abort();
  }
  return 0;
}
