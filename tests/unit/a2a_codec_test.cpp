// A2A codec: both protocol generations, with shapes taken from @a2a-js/sdk 1.3 (1.0 server and
// its 0.3 compatibility layer).
#include "a2a/a2a_codec.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace igw::a2a {
namespace {

using json = nlohmann::json;

const char* kCardV1 = R"({"name":"Calc Agent","description":"adds","version":"1.2.3",
 "supportedInterfaces":[{"url":"http://10.0.0.5:9000/rpc","protocolBinding":"GRPC","protocolVersion":"1.0"},
   {"url":"http://10.0.0.5:9000/","protocolBinding":"JSONRPC","tenant":"","protocolVersion":"1.0"}],
 "capabilities":{"streaming":true},
 "skills":[{"id":"add","name":"Add","description":"Adds numbers","tags":["math"],"examples":["1+1","2+2"]},
   {"name":"No Id"}, {"description":"nameless"}]})";

const char* kCardV03 =
    R"({"name":"Legacy","description":"old","version":"0.1","url":"http://127.0.0.1:8080/a2a",
 "preferredTransport":"JSONRPC","protocolVersion":"0.3","capabilities":{"streaming":false},
 "skills":[{"id":"echo","name":"Echo","description":"Echoes","tags":[]}],
 "supportedInterfaces":[{"url":"http://127.0.0.1:8080","protocolBinding":"JSONRPC","protocolVersion":"1.0"}]})";

TEST(A2aCodec, ParsesV1Card) {
  auto c = parseAgentCard(kCardV1, "http://calc:9000");
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->name, "Calc Agent");
  EXPECT_EQ(c->version, "1.2.3");
  EXPECT_EQ(c->protocol, Protocol::kV1);
  EXPECT_EQ(c->endpoint, "http://10.0.0.5:9000/");
  EXPECT_TRUE(c->streaming);
  ASSERT_EQ(c->skills.size(), 2u);  // the skill without id and name is dropped
  EXPECT_EQ(c->skills[0].id, "add");
  EXPECT_EQ(c->skills[0].examples.size(), 2u);
  EXPECT_EQ(c->skills[0].tags[0], "math");
  EXPECT_EQ(c->skills[1].id, "No Id");
}

TEST(A2aCodec, ParsesV03CardEvenWithSupportedInterfacesHint) {
  auto c = parseAgentCard(kCardV03, "http://legacy.ns.svc.cluster.local:8080");
  ASSERT_TRUE(c.isOk()) << c.status().message();
  EXPECT_EQ(c->protocol, Protocol::kV03);
  EXPECT_FALSE(c->streaming);
  // A loopback endpoint is replaced by the host the card came from.
  EXPECT_EQ(c->endpoint, "http://legacy.ns.svc.cluster.local:8080/a2a");
  auto local = parseAgentCard(kCardV03, "http://127.0.0.1:8080");
  EXPECT_EQ(local->endpoint, "http://127.0.0.1:8080/a2a");
}

TEST(A2aCodec, V1CardWithOnlyLegacyInterfaceIsV03) {
  auto c = parseAgentCard(
      R"({"name":"x","supportedInterfaces":[{"url":"http://a:1","protocolBinding":"JSONRPC","protocolVersion":"0.3"}]})",
      "http://a:1");
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->protocol, Protocol::kV03);
}

TEST(A2aCodec, CardErrors) {
  EXPECT_FALSE(parseAgentCard("nope", "http://a").isOk());
  EXPECT_FALSE(parseAgentCard("[]", "http://a").isOk());
  EXPECT_FALSE(
      parseAgentCard(R"({"supportedInterfaces":[{"url":"http://a","protocolBinding":"GRPC"}]})",
                     "http://a")
          .isOk());
  EXPECT_FALSE(
      parseAgentCard(R"({"url":"http://a","preferredTransport":"GRPC"})", "http://a").isOk());
  auto alt = parseAgentCard(
      R"({"url":"http://a/grpc","preferredTransport":"GRPC","additionalInterfaces":[{"url":"http://a/rpc","transport":"JSONRPC"}]})",
      "http://a");
  ASSERT_TRUE(alt.isOk());
  EXPECT_EQ(alt->endpoint, "http://a/rpc");
  // No URL at all: the base URL; no name: the host.
  auto bare = parseAgentCard(R"({"skills":[]})", "http://agent-host:7000/");
  ASSERT_TRUE(bare.isOk());
  EXPECT_EQ(bare->endpoint, "http://agent-host:7000");
  EXPECT_EQ(bare->name, "agent-host");
}

TEST(A2aCodec, BuildsRequestsForBothGenerations) {
  auto v1 = json::parse(buildSendMessage(Protocol::kV1, 7, false, "hi", "m-1", "ctx"));
  EXPECT_EQ(v1["method"], "SendMessage");
  EXPECT_EQ(v1["id"], 7);
  EXPECT_EQ(v1["params"]["message"]["role"], "ROLE_USER");
  EXPECT_EQ(v1["params"]["message"]["parts"][0]["text"], "hi");
  EXPECT_EQ(v1["params"]["message"]["contextId"], "ctx");
  EXPECT_EQ(json::parse(buildSendMessage(Protocol::kV1, 1, true, "x", "m"))["method"],
            "SendStreamingMessage");
  auto v03 = json::parse(buildSendMessage(Protocol::kV03, 2, true, "hi", "m-2"));
  EXPECT_EQ(v03["method"], "message/stream");
  EXPECT_EQ(v03["params"]["message"]["kind"], "message");
  EXPECT_EQ(v03["params"]["message"]["role"], "user");
  EXPECT_EQ(v03["params"]["message"]["parts"][0]["kind"], "text");
  EXPECT_FALSE(v03["params"]["message"].contains("contextId"));
  auto send03 = json::parse(buildSendMessage(Protocol::kV03, 2, false, "", "m"));
  EXPECT_EQ(send03["method"], "message/send");
  EXPECT_EQ(send03["params"]["configuration"]["blocking"], true);
  EXPECT_FALSE(v03["params"].contains("configuration"));
  EXPECT_FALSE(v1["params"].contains("configuration"));
  EXPECT_EQ(json::parse(buildGetTask(Protocol::kV1, 3, "t"))["method"], "GetTask");
  EXPECT_EQ(json::parse(buildGetTask(Protocol::kV03, 3, "t"))["params"]["id"], "t");
  EXPECT_EQ(json::parse(buildCancelTask(Protocol::kV1, 4, "t"))["method"], "CancelTask");
  EXPECT_EQ(json::parse(buildCancelTask(Protocol::kV03, 4, "t"))["method"], "tasks/cancel");
}

TEST(A2aCodec, States) {
  EXPECT_EQ(parseTaskState("TASK_STATE_INPUT_REQUIRED"), TaskState::kInputRequired);
  EXPECT_EQ(parseTaskState("input-required"), TaskState::kInputRequired);
  EXPECT_EQ(parseTaskState("TASK_STATE_AUTH_REQUIRED"), TaskState::kAuthRequired);
  EXPECT_EQ(parseTaskState("completed"), TaskState::kCompleted);
  EXPECT_EQ(parseTaskState("TASK_STATE_CANCELED"), TaskState::kCanceled);
  EXPECT_EQ(parseTaskState("rejected"), TaskState::kRejected);
  EXPECT_EQ(parseTaskState("TASK_STATE_UNSPECIFIED"), TaskState::kUnknown);
  EXPECT_EQ(parseTaskState(""), TaskState::kUnknown);
  EXPECT_TRUE(isTerminal(TaskState::kFailed));
  EXPECT_FALSE(isTerminal(TaskState::kWorking));
  EXPECT_TRUE(isInterrupted(TaskState::kAuthRequired));
}

Outcome run(std::initializer_list<const char*> responses, std::string_view agent = "A") {
  TaskTracker t;
  for (const char* r : responses) {
    auto p = parseResponse(r);
    EXPECT_TRUE(p.isOk()) << r;
    if (!p) continue;
    if (p->error) return rpcErrorOutcome(agent, *p->error);
    t.apply(p->event);
  }
  EXPECT_TRUE(t.done());
  return t.outcome(agent);
}

TEST(A2aCodec, V1MessageResult) {
  auto o = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"message":{"messageId":"x","contextId":"c","role":"ROLE_AGENT","parts":[{"text":"echo: hi","mediaType":"text/plain"}]}}})"});
  EXPECT_FALSE(o.is_error);
  EXPECT_EQ(o.content, "echo: hi");
}

TEST(A2aCodec, V1CompletedTaskWithArtifact) {
  auto o = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t1","contextId":"c","status":{"state":"TASK_STATE_COMPLETED"},"artifacts":[{"artifactId":"a","name":"result","parts":[{"text":"sum=5"},{"data":{"x":1}},{"url":"http://f/x.png","filename":"x.png","mediaType":"image/png"}]}]}}})"});
  EXPECT_FALSE(o.is_error);
  EXPECT_EQ(o.content, "sum=5\n{\"x\":1}\n[file x.png (image/png): http://f/x.png]");
}

TEST(A2aCodec, V03Results) {
  auto msg = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"kind":"message","messageId":"m","role":"agent","parts":[{"kind":"text","text":"echo: hi"}]}})"});
  EXPECT_EQ(msg.content, "echo: hi");
  auto done = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t","contextId":"c","status":{"state":"completed"},"artifacts":[{"artifactId":"a","parts":[{"kind":"text","text":"sum=5"},{"kind":"file","file":{"name":"r.pdf","mimeType":"application/pdf","bytes":"QUJD"}}]}]}})"});
  EXPECT_EQ(done.content, "sum=5\n[file r.pdf (application/pdf), 4 bytes base64]");
}

TEST(A2aCodec, FailedAndRejectedAndCanceledAreErrors) {
  auto f = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","status":{"state":"TASK_STATE_FAILED","message":{"role":"ROLE_AGENT","parts":[{"text":"boom"}]}}}}})"},
      "Calc");
  EXPECT_TRUE(f.is_error);
  EXPECT_EQ(f.error_type, "tool_error");
  EXPECT_EQ(f.content, "The agent \"Calc\" failed the task: boom");
  auto r = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t","status":{"state":"rejected"}}})"});
  EXPECT_TRUE(r.is_error);
  EXPECT_NE(r.content.find("rejected"), std::string::npos);
  auto c = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t","status":{"state":"canceled"}}})"});
  EXPECT_TRUE(c.is_error);
  EXPECT_EQ(c.error_type, "cancelled");
}

TEST(A2aCodec, InputRequiredQuotesTheQuestion) {
  auto o = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"kind":"task","id":"t9","status":{"state":"input-required","message":{"kind":"message","parts":[{"kind":"text","text":"Which city?"}]}}}})"});
  EXPECT_FALSE(o.is_error);
  EXPECT_NE(o.content.find("needs more input"), std::string::npos);
  EXPECT_NE(o.content.find("\"Which city?\""), std::string::npos);
  EXPECT_NE(o.content.find("t9"), std::string::npos);
  auto a = run(
      {R"({"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","status":{"state":"TASK_STATE_AUTH_REQUIRED"}}}})"});
  EXPECT_NE(a.content.find("needs authorization"), std::string::npos);
}

TEST(A2aCodec, JsonRpcError) {
  auto o =
      run({R"({"jsonrpc":"2.0","id":2,"error":{"code":-32001,"message":"Task not found: nope"}})"});
  EXPECT_TRUE(o.is_error);
  EXPECT_NE(o.content.find("-32001"), std::string::npos);
  EXPECT_NE(o.content.find("Task not found"), std::string::npos);
}

TEST(A2aCodec, V1StreamEvents) {
  auto o = run({
      R"({"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","contextId":"c","status":{"state":"TASK_STATE_SUBMITTED"}}}})",
      R"({"jsonrpc":"2.0","id":1,"result":{"statusUpdate":{"taskId":"t","status":{"state":"TASK_STATE_WORKING","message":{"parts":[{"text":"progress"}]}}}}})",
      R"({"jsonrpc":"2.0","id":1,"result":{"artifactUpdate":{"taskId":"t","artifact":{"artifactId":"a","parts":[{"text":"part one"}]}}}})",
      R"({"jsonrpc":"2.0","id":1,"result":{"artifactUpdate":{"taskId":"t","append":true,"artifact":{"artifactId":"a","parts":[{"text":", part two"}]}}}})",
      R"({"jsonrpc":"2.0","id":1,"result":{"statusUpdate":{"taskId":"t","status":{"state":"TASK_STATE_COMPLETED","message":{"parts":[{"text":"all done"}]}}}}})",
  });
  EXPECT_FALSE(o.is_error);
  EXPECT_EQ(o.content, "part one, part two\nall done");
}

TEST(A2aCodec, V03StreamEventsAndFinal) {
  TaskTracker t;
  for (
      const char* r : {
          R"({"id":1,"jsonrpc":"2.0","result":{"kind":"task","id":"t","contextId":"c","status":{"state":"submitted"}}})",
          R"({"id":1,"jsonrpc":"2.0","result":{"kind":"status-update","taskId":"t","status":{"state":"working"},"final":false}})",
          R"({"id":1,"jsonrpc":"2.0","result":{"kind":"artifact-update","taskId":"t","artifact":{"artifactId":"a","parts":[{"kind":"text","text":"streamed"}]},"append":false,"lastChunk":true}})",
      }) {
    auto p = parseResponse(r);
    ASSERT_TRUE(p.isOk());
    t.apply(p->event);
    EXPECT_FALSE(t.done());
  }
  EXPECT_EQ(t.taskId(), "t");
  EXPECT_EQ(t.contextId(), "c");
  EXPECT_EQ(t.state(), TaskState::kWorking);
  auto fin = parseResponse(
      R"({"id":1,"jsonrpc":"2.0","result":{"kind":"status-update","taskId":"t","status":{"state":"completed"},"final":true}})");
  t.apply(fin->event);
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.outcome("A").content, "streamed");
}

TEST(A2aCodec, CapsAppendedArtifactText) {
  TaskTracker t;
  Event start;
  start.kind = EventKind::kTask;
  start.task_id = "t";
  start.state = TaskState::kWorking;
  t.apply(start);
  Event chunk;
  chunk.kind = EventKind::kArtifactUpdate;
  chunk.task_id = "t";
  chunk.append = true;
  chunk.artifacts = {{"a", std::string(1 << 20, 'x')}};
  for (int i = 0; i < 40; ++i) t.apply(chunk);  // 40 MiB offered
  EXPECT_TRUE(t.truncated());
  Event end;
  end.kind = EventKind::kStatusUpdate;
  end.task_id = "t";
  end.state = TaskState::kCompleted;
  t.apply(end);
  ASSERT_TRUE(t.done());
  auto o = t.outcome("A");
  EXPECT_FALSE(o.is_error);
  EXPECT_LE(o.content.size(), TaskTracker::kMaxCollectedBytes + 200);
  EXPECT_EQ(o.content.compare(0, 1000, std::string(1000, 'x')), 0);
  EXPECT_NE(o.content.find("truncated"), std::string::npos);
}

TEST(A2aCodec, CapsArtifactCountAndMessages) {
  TaskTracker t;
  Event art;
  art.kind = EventKind::kArtifactUpdate;
  art.task_id = "t";
  for (size_t i = 0; i < TaskTracker::kMaxArtifacts + 50; ++i) {
    art.artifacts = {{"a" + std::to_string(i), "y"}};
    t.apply(art);
  }
  EXPECT_TRUE(t.truncated());
  Event end;
  end.kind = EventKind::kStatusUpdate;
  end.task_id = "t";
  end.state = TaskState::kCompleted;
  t.apply(end);
  auto o = t.outcome("A");
  // 256 artifacts of "y" joined by newlines, then the note.
  auto note = o.content.find("\n[The agent's output was truncated");
  ASSERT_NE(note, std::string::npos);
  EXPECT_EQ(std::count(o.content.begin(), o.content.begin() + static_cast<long>(note), 'y'),
            static_cast<long>(TaskTracker::kMaxArtifacts));

  // Replacing an artifact frees its bytes: no truncation for a stream of replacements.
  TaskTracker r;
  Event rep;
  rep.kind = EventKind::kArtifactUpdate;
  rep.artifacts = {{"a", std::string(1 << 20, 'z')}};
  for (int i = 0; i < 40; ++i) r.apply(rep);
  EXPECT_FALSE(r.truncated());

  // Messages count too; a cut does not split a UTF-8 sequence.
  TaskTracker m;
  Event msg;
  msg.kind = EventKind::kMessage;
  msg.text = std::string(TaskTracker::kMaxCollectedBytes - 1, 'm');
  m.apply(msg);
  EXPECT_FALSE(m.truncated());
  msg.text = "\xC3\xA9\xC3\xA9";  // "éé": the separator fits, no whole "é" does
  m.apply(msg);
  EXPECT_TRUE(m.truncated());
  auto mo = m.outcome("A");
  EXPECT_EQ(mo.content.compare(0, TaskTracker::kMaxCollectedBytes,
                               std::string(TaskTracker::kMaxCollectedBytes - 1, 'm') + "\n"),
            0);
  EXPECT_EQ(mo.content.find('\xC3'), std::string::npos);
  EXPECT_NE(mo.content.find("truncated"), std::string::npos);
}

TEST(A2aCodec, BareTaskFromGetTask) {
  auto p = parseResponse(
      R"({"jsonrpc":"2.0","id":3,"result":{"id":"t","contextId":"c","status":{"state":"TASK_STATE_WORKING"}}})");
  ASSERT_TRUE(p.isOk());
  EXPECT_EQ(p->event.kind, EventKind::kTask);
  EXPECT_EQ(p->event.state, TaskState::kWorking);
  TaskTracker t;
  t.apply(p->event);
  EXPECT_FALSE(t.done());
  EXPECT_NE(t.outcome("A").content.find("still working"), std::string::npos);
}

TEST(A2aCodec, ResponseErrors) {
  EXPECT_FALSE(parseResponse("").isOk());
  EXPECT_FALSE(parseResponse("{}").isOk());
  EXPECT_FALSE(parseResponse(R"({"result":42})").isOk());
  EXPECT_FALSE(parseResponse(R"({"result":{"foo":1}})").isOk());
  auto e = parseResponse(R"({"error":{"message":"x"}})");
  ASSERT_TRUE(e.isOk());
  ASSERT_TRUE(e->error.has_value());
  EXPECT_EQ(e->error->message, "x");
}

TEST(A2aCodec, CompletedWithoutOutput) {
  auto o = run({R"({"result":{"kind":"task","id":"t","status":{"state":"completed"}}})"}, "Z");
  EXPECT_EQ(o.content, "The agent \"Z\" completed the task without any output.");
}

TEST(A2aCodec, SanitizeAndNames) {
  EXPECT_EQ(sanitizeName("Calc Agent!", "agent"), "calc_agent");
  EXPECT_EQ(sanitizeName("  --Weird__Name--  ", "agent"), "weird_name");
  EXPECT_EQ(sanitizeName("Ünïcode", "agent"), "n_code");
  EXPECT_EQ(sanitizeName("***", "agent"), "agent");
  ToolNamer n;
  EXPECT_EQ(n.name("calc", "add"), "a2a_calc_add");
  EXPECT_EQ(n.name("calc", "add"), "a2a_calc_add_2");
  EXPECT_EQ(n.name("calc", "add"), "a2a_calc_add_3");
  std::string long_skill(100, 'x');
  auto a = n.name("calc", long_skill);
  EXPECT_EQ(a.size(), kMaxToolName);
  auto b = n.name("calc", long_skill);
  EXPECT_EQ(b.size(), kMaxToolName);
  EXPECT_TRUE(b.ends_with("_2"));
  EXPECT_NE(a, b);
}

TEST(A2aCodec, ToolDescriptionAndParameters) {
  Skill s{"add", "Add", "Adds numbers", {}, {"1+1", "2+2"}};
  EXPECT_EQ(toolDescription(s, "Calc"), "Adds numbers (agent: Calc) Examples: 1+1; 2+2");
  Skill bare{"id", "", "", {}, {}};
  EXPECT_EQ(toolDescription(bare, "Calc"), "id (agent: Calc)");
  auto p = json::parse(toolParameters());
  EXPECT_EQ(p["required"][0], "input");
  EXPECT_EQ(p["properties"]["input"]["type"], "string");
}

TEST(A2aCodec, ParseInput) {
  EXPECT_EQ(parseInput(R"({"input":"hi"})").value(), "hi");
  EXPECT_FALSE(parseInput("not json").isOk());
  EXPECT_FALSE(parseInput(R"({"input":3})").isOk());
  EXPECT_FALSE(parseInput(R"(["input"])").isOk());
  EXPECT_EQ(parseInput(R"({"input":"x"})").status().code(), Code::kOk);
  EXPECT_EQ(parseInput("{}").status().code(), Code::kInvalidArgument);
}

TEST(A2aCodec, PartsText) {
  EXPECT_EQ(partsText(R"([{"text":"a"},{"kind":"text","text":"b"},{"raw":"AAAA","filename":"f"}])"),
            "a\nb\n[file f, 4 bytes base64]");
  EXPECT_EQ(partsText("garbage"), "");
}

}  // namespace
}  // namespace igw::a2a

namespace igw::a2a {
namespace {

// An artifact nested 80,000 levels: the agent's answer is refused (the loop turns that into an
// error result for the model) instead of overflowing the stack when the data part is dumped.
TEST(A2aCodec, DeeplyNestedArtifactIsAnErrorNotACrash) {
  std::string deep = std::string(80000, '[') + std::string(80000, ']');
  std::string answer =
      R"({"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t1","contextId":"c","status":{"state":"TASK_STATE_COMPLETED"},"artifacts":[{"artifactId":"a","parts":[{"data":)" +
      deep + "}]}]}}}";
  auto p = parseResponse(answer);
  ASSERT_FALSE(p.isOk());
  EXPECT_EQ(p.status().code(), Code::kUnavailable);
  EXPECT_NE(p.status().message().find("JSON_MAX_DEPTH"), std::string::npos) << p.status().message();
  EXPECT_EQ(partsText("[{\"data\":" + deep + "}]"), "");
  auto in = parseInput("{\"input\":" + deep + "}");
  ASSERT_FALSE(in.isOk());
  EXPECT_NE(in.status().message().find("JSON_MAX_DEPTH"), std::string::npos);
}

}  // namespace
}  // namespace igw::a2a
