#include <gtest/gtest.h>

#include "mcp/jsonrpc_codec.h"

namespace igw::mcp {
namespace {

using nlohmann::json;

TEST(McpJsonRpc, BuildsRequestsAndNotifications) {
  EXPECT_EQ(json::parse(buildRequest(7, "tools/list")),
            json::parse(R"({"jsonrpc":"2.0","id":7,"method":"tools/list"})"));
  EXPECT_EQ(
      json::parse(buildRequest(1, "tools/list", json{{"cursor", "c"}})),
      json::parse(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"c"}})"));
  EXPECT_EQ(json::parse(buildNotification("notifications/initialized")),
            json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_EQ(json::parse(buildResult("abc", json::object())),
            json::parse(R"({"jsonrpc":"2.0","id":"abc","result":{}})"));
  EXPECT_EQ(
      json::parse(buildError(3, kMethodNotFound, "method not found: x")),
      json::parse(
          R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"method not found: x"}})"));
}

TEST(McpJsonRpc, InitializeParams) {
  json p = initializeParams("1.2.3");
  EXPECT_EQ(p["protocolVersion"], "2025-11-25");
  EXPECT_EQ(p["capabilities"], json::object());
  EXPECT_EQ(p["clientInfo"]["name"], "inference-gateway");
  EXPECT_EQ(p["clientInfo"]["version"], "1.2.3");
}

TEST(McpJsonRpc, InvalidUtf8IsReplacedNotThrown) {
  std::string bad = "a\xff";
  EXPECT_NO_THROW(buildRequest(1, "tools/call", json{{"name", bad}}));
}

TEST(McpJsonRpc, ParsesEveryMessageKind) {
  auto r = parseMessages(R"({"jsonrpc":"2.0","id":5,"result":{"x":1}})");
  ASSERT_TRUE(r.isOk());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].kind, MessageKind::kResult);
  EXPECT_EQ((*r)[0].intId(), 5);
  EXPECT_EQ((*r)[0].result["x"], 1);

  r = parseMessages(R"({"jsonrpc":"2.0","id":"6","error":{"code":-32602,"message":"bad"}})");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ((*r)[0].kind, MessageKind::kError);
  EXPECT_EQ((*r)[0].intId(), 6);  // numeric string ids are accepted
  EXPECT_EQ((*r)[0].error_code, -32602);
  EXPECT_EQ((*r)[0].error_message, "bad");

  r = parseMessages(R"({"jsonrpc":"2.0","id":"srv-1","method":"ping"})");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ((*r)[0].kind, MessageKind::kRequest);
  EXPECT_EQ((*r)[0].method, "ping");
  EXPECT_EQ((*r)[0].id, "srv-1");
  EXPECT_FALSE((*r)[0].intId().has_value());

  r = parseMessages(R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ((*r)[0].kind, MessageKind::kNotification);
  EXPECT_EQ((*r)[0].method, "notifications/tools/list_changed");
}

TEST(McpJsonRpc, ParsesBatches) {
  auto r = parseMessages(
      R"([{"jsonrpc":"2.0","method":"notifications/message","params":{}},{"jsonrpc":"2.0","id":1,"result":{}}])");
  ASSERT_TRUE(r.isOk());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].kind, MessageKind::kResult);
  EXPECT_FALSE(parseMessages("[]").isOk());
  EXPECT_FALSE(parseMessages(R"([{"jsonrpc":"2.0","id":1,"result":{}}, 3])").isOk());
}

TEST(McpJsonRpc, ErrorWithNullIdIsAccepted) {
  auto r =
      parseMessages(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse"}})");
  ASSERT_TRUE(r.isOk());
  EXPECT_FALSE((*r)[0].intId().has_value());
}

TEST(McpJsonRpc, RejectsMalformedMessages) {
  struct Case {
    const char* text;
    const char* why;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"42", "not an object"},
      {R"("x")", "not an object"},
      {R"({"id":1,"result":{}})", "jsonrpc"},
      {R"({"jsonrpc":"1.0","id":1,"result":{}})", "jsonrpc"},
      {R"({"jsonrpc":2,"id":1,"result":{}})", "jsonrpc"},
      {R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})", "both"},
      {R"({"jsonrpc":"2.0","id":1})", "neither result nor error"},
      {R"({"jsonrpc":"2.0"})", "neither method nor id"},
      {R"({"jsonrpc":"2.0","id":1.5,"result":{}})", "id is number"},
      {R"({"jsonrpc":"2.0","id":{},"result":{}})", "id is object"},
      {R"({"jsonrpc":"2.0","id":true,"method":"ping"})", "id is boolean"},
      {R"({"jsonrpc":"2.0","id":null,"result":{}})", "id is null"},
      {R"({"jsonrpc":"2.0","method":5})", "method is not a string"},
      {R"({"jsonrpc":"2.0","method":"x","params":"s"})", "params"},
      {R"({"jsonrpc":"2.0","id":1,"error":"boom"})", "error is not an object"},
      {R"({"jsonrpc":"2.0","id":1,"error":{"message":"m"}})", "integer code"},
      {R"({"jsonrpc":"2.0","id":1,"error":{"code":"1","message":"m"}})", "integer code"},
  };
  for (const auto& c : cases) {
    auto r = parseMessages(c.text);
    ASSERT_FALSE(r.isOk()) << c.text;
    EXPECT_NE(r.status().message().find(c.why), std::string::npos)
        << c.text << " -> " << r.status().message();
  }
}

TEST(McpJsonRpc, InitializeResultVersions) {
  for (const char* v : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    auto r = parseInitializeResult(json{{"protocolVersion", v},
                                        {"capabilities", {{"tools", {{"listChanged", true}}}}},
                                        {"serverInfo", {{"name", "srv"}, {"version", "9"}}}});
    ASSERT_TRUE(r.isOk()) << v;
    EXPECT_EQ(r->protocol_version, v);
    EXPECT_TRUE(r->has_tools);
    EXPECT_EQ(r->server_name, "srv");
  }
  auto old = parseInitializeResult(json{{"protocolVersion", "2023-01-01"}});
  ASSERT_FALSE(old.isOk());
  EXPECT_NE(old.status().message().find("2023-01-01"), std::string::npos);
  EXPECT_FALSE(parseInitializeResult(json::object()).isOk());
  EXPECT_FALSE(parseInitializeResult(json::array()).isOk());
}

TEST(McpJsonRpc, ToolsListPage) {
  auto r = parseToolsListResult(json::parse(R"({
    "tools": [
      {"name": "echo", "description": "Echoes", "inputSchema": {"type":"object","properties":{"m":{"type":"string"}}}},
      {"name": "bare"},
      {"description": "no name"},
      "junk",
      {"name": "bad-schema", "inputSchema": "nope"}
    ],
    "nextCursor": "page2"
  })"));
  ASSERT_TRUE(r.isOk());
  ASSERT_EQ(r->tools.size(), 3u);
  EXPECT_EQ(r->tools[0].name, "echo");
  EXPECT_EQ(r->tools[0].description, "Echoes");
  EXPECT_EQ(json::parse(r->tools[0].input_schema)["properties"]["m"]["type"], "string");
  EXPECT_EQ(json::parse(r->tools[1].input_schema),
            json::parse(R"({"type":"object","properties":{}})"));
  EXPECT_EQ(json::parse(r->tools[2].input_schema)["type"], "object");
  EXPECT_EQ(r->next_cursor, "page2");

  auto last = parseToolsListResult(json::parse(R"({"tools":[]})"));
  ASSERT_TRUE(last.isOk());
  EXPECT_TRUE(last->next_cursor.empty());
  EXPECT_FALSE(parseToolsListResult(json::parse(R"({"tools":{}})")).isOk());
  EXPECT_FALSE(parseToolsListResult(json::parse(R"({})")).isOk());
  EXPECT_FALSE(parseToolsListResult(json::parse(R"([])")).isOk());
}

TEST(McpJsonRpc, RendersTextParts) {
  auto out = renderCallResult(
      json::parse(R"({"content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]})"));
  EXPECT_EQ(out.content, "one\ntwo");
  EXPECT_FALSE(out.is_error);
}

TEST(McpJsonRpc, RendersBinaryPartsWithoutPayload) {
  std::string big(1 << 20, 'A');
  auto out =
      renderCallResult(json{{"content",
                             {{{"type", "text"}, {"text", "here"}},
                              {{"type", "image"}, {"mimeType", "image/png"}, {"data", big}},
                              {{"type", "audio"}, {"mimeType", "audio/wav"}, {"data", "AAAA"}}}}});
  EXPECT_EQ(out.content,
            "here\n[image image/png, 1048576 bytes base64]\n[audio audio/wav, 4 bytes base64]");
  EXPECT_LT(out.content.size(), 200u);
}

TEST(McpJsonRpc, RendersResources) {
  auto out = renderCallResult(json::parse(R"({"content":[
    {"type":"resource","resource":{"uri":"file:///a.txt","mimeType":"text/plain","text":"hello"}},
    {"type":"resource","resource":{"uri":"file:///b.bin","mimeType":"application/octet-stream","blob":"AAAAAAAA"}},
    {"type":"resource_link","uri":"file:///c","name":"c","mimeType":"text/plain"},
    {"type":"weird"}
  ]})"));
  EXPECT_EQ(out.content,
            "[resource file:///a.txt (text/plain)]\nhello\n"
            "[resource file:///b.bin application/octet-stream, 8 bytes base64]\n"
            R"({"mimeType":"text/plain","name":"c","type":"resource_link","uri":"file:///c"})"
            "\n[weird content]");
}

TEST(McpJsonRpc, StructuredContentWhenNoText) {
  auto out = renderCallResult(json::parse(R"({"content":[],"structuredContent":{"sum":3}})"));
  EXPECT_EQ(out.content, R"({"sum":3})");
  auto with_text = renderCallResult(
      json::parse(R"({"content":[{"type":"text","text":"3"}],"structuredContent":{"sum":3}})"));
  EXPECT_EQ(with_text.content, "3");
  auto only = renderCallResult(json::parse(R"({"structuredContent":[1,2]})"));
  EXPECT_EQ(only.content, "[1,2]");
}

TEST(McpJsonRpc, ToolErrors) {
  auto out = renderCallResult(
      json::parse(R"({"content":[{"type":"text","text":"Access denied"}],"isError":true})"));
  EXPECT_TRUE(out.is_error);
  EXPECT_EQ(out.error_type, "tool_error");
  EXPECT_EQ(out.content, "Access denied");
  auto empty = renderCallResult(json::parse(R"({"isError":true})"));
  EXPECT_TRUE(empty.is_error);
  EXPECT_FALSE(empty.content.empty());

  auto rpc = renderRpcError(-32602, "Unknown tool: x");
  EXPECT_TRUE(rpc.is_error);
  EXPECT_EQ(rpc.error_type, "invalid_arguments");
  EXPECT_EQ(rpc.content, "MCP error -32602: Unknown tool: x");
  EXPECT_EQ(renderRpcError(-32603, "boom").error_type, "tool_error");

  auto bad = renderCallResult(json("text"));
  EXPECT_TRUE(bad.is_error);
  EXPECT_EQ(bad.error_type, "protocol_error");
}

}  // namespace
}  // namespace igw::mcp

namespace igw::mcp {
namespace {

// A tools/call result nested 80,000 levels: the waiting call gets a JSON-RPC error for its id at
// once (the model then sees an error result), instead of a crash or a wait for the timeout.
TEST(McpJsonRpc, DeeplyNestedResultBecomesAnErrorForItsId) {
  std::string deep;
  for (int i = 0; i < 80000; ++i) deep += "{\"a\":";
  deep += "1" + std::string(80000, '}');
  for (
      const std::string& text :
      {R"({"jsonrpc":"2.0","result":{"structuredContent":)" + deep + R"(},"id":7})",
       R"({"id":7,"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"x \"}]"}],"structuredContent":)" +
           deep + "}}"}) {
    auto r = parseMessages(text);
    ASSERT_TRUE(r.isOk()) << r.status().message();
    ASSERT_EQ(r->size(), 1u);
    const Message& m = (*r)[0];
    EXPECT_EQ(m.kind, MessageKind::kError);
    EXPECT_EQ(m.intId(), 7);
    EXPECT_NE(m.error_message.find("JSON_MAX_DEPTH"), std::string::npos) << m.error_message;
  }
  // Without an id there is nobody to tell: an error.
  auto r = parseMessages("{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":" + deep + "}");
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("JSON_MAX_DEPTH"), std::string::npos);
}

}  // namespace
}  // namespace igw::mcp
