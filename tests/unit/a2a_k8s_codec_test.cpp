// Kubernetes discovery lists: ServiceList and the operator's AgentList, as the API server sends
// them.
#include "a2a/k8s_codec.h"

#include <gtest/gtest.h>

namespace igw::a2a {
namespace {

TEST(A2aK8sCodec, Targets) {
  EXPECT_EQ(
      servicesTarget("agents", "inference-gateway.com/a2a-agent=true"),
      "/api/v1/namespaces/agents/services?labelSelector=inference-gateway.com%2Fa2a-agent%3Dtrue");
  EXPECT_EQ(servicesTarget("ns", ""), "/api/v1/namespaces/ns/services");
  EXPECT_EQ(agentsTarget("ns"), "/apis/core.inference-gateway.com/v1alpha1/namespaces/ns/agents");
  EXPECT_EQ(urlEncode("a b,c!~"), "a%20b%2Cc%21~");
}

TEST(A2aK8sCodec, ServiceList) {
  auto r = parseServiceList(
      R"({"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[
    {"metadata":{"name":"calc","namespace":"agents","labels":{"inference-gateway.com/a2a-agent":"true"}},
     "spec":{"ports":[{"name":"metrics","port":9090},{"name":"http","port":8080},{"name":"a2a","port":8443}]}},
    {"metadata":{"name":"web","namespace":"agents"},"spec":{"ports":[{"name":"metrics","port":9090},{"name":"http","port":80}]}},
    {"metadata":{"name":"first"},"spec":{"ports":[{"port":7000},{"port":7001}]}},
    {"metadata":{"name":"custom","namespace":"agents","annotations":{"inference-gateway.com/a2a-url":"https://custom.example.com/a2a"}},"spec":{}},
    {"metadata":{"name":"noports","namespace":"agents"},"spec":{"ports":[]}},
    {"metadata":{},"spec":{"ports":[{"port":1}]}}
  ]})",
      "fallback");
  ASSERT_TRUE(r.isOk()) << r.status().message();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].url, "http://calc.agents.svc.cluster.local:8443");
  EXPECT_EQ((*r)[0].name, "agents/calc");
  EXPECT_EQ((*r)[1].url, "http://web.agents.svc.cluster.local:80");
  EXPECT_EQ((*r)[2].url, "http://first.fallback.svc.cluster.local:7000");
  EXPECT_EQ((*r)[3].url, "https://custom.example.com/a2a");
}

TEST(A2aK8sCodec, EmptyAndBadLists) {
  auto empty = parseServiceList(R"({"kind":"ServiceList","items":[]})", "ns");
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->empty());
  auto null_items = parseServiceList(R"({"kind":"ServiceList","items":null})", "ns");
  ASSERT_TRUE(null_items.isOk());
  EXPECT_FALSE(parseServiceList("nope", "ns").isOk());
  EXPECT_FALSE(parseServiceList(R"({"kind":"Status","status":"Failure"})", "ns").isOk());
  EXPECT_FALSE(parseServiceList(R"({"kind":"ServiceList"})", "ns").isOk());
  EXPECT_FALSE(parseAgentList(R"({"kind":"ServiceList","items":[]})", "ns").isOk());
}

TEST(A2aK8sCodec, AgentList) {
  auto r = parseAgentList(
      R"({"apiVersion":"core.inference-gateway.com/v1alpha1","kind":"AgentList","metadata":{"resourceVersion":"7"},"items":[
    {"apiVersion":"core.inference-gateway.com/v1alpha1","kind":"Agent","metadata":{"name":"google-calendar-agent","namespace":"agents"},"spec":{"image":"x","port":8081}},
    {"apiVersion":"core.inference-gateway.com/v1alpha1","kind":"Agent","metadata":{"name":"browser"},"spec":{"image":"y"}}
  ]})",
      "default");
  ASSERT_TRUE(r.isOk()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].url, "http://google-calendar-agent.agents.svc.cluster.local:8081");
  EXPECT_EQ((*r)[1].url, "http://browser.default.svc.cluster.local:8080");
  EXPECT_EQ((*r)[1].name, "default/browser");
}

}  // namespace
}  // namespace igw::a2a
