// A2A and Kubernetes discovery codecs, structure-aware (see fuzz_util.h): agent cards of both
// protocol generations, JSON-RPC answers and stream events (tasks, messages, status and artifact
// updates with text/data/file parts, errors), ServiceLists and AgentLists.
// Properties: no crash; an accepted card has an absolute http(s) endpoint; a finished tracker's
// outcome has content, and an error outcome a type; discovered agents have names and URLs; tool
// names stay within 64 characters and are unique.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "a2a/a2a_codec.h"
#include "a2a/k8s_codec.h"
#include "fuzz_util.h"

namespace {

using fz::ojson;
namespace a2a = igw::a2a;

ojson parts(fz::Gen& g, bool v1) {
  ojson ps = ojson::array();
  for (size_t k = g.upTo(3); k > 0; --k) {
    ojson p = ojson::object();
    switch (g.upTo(3)) {
      case 0:
      case 1:
        if (!v1) p["kind"] = "text";
        p["text"] = g.orWrong<ojson>(g.text());
        break;
      case 2:
        if (!v1) p["kind"] = "data";
        p["data"] = g.rare(4) ? g.deepValue() : g.value<ojson>(3);
        break;
      default:
        if (v1) {
          p[g.coin() ? "url" : "raw"] = g.text();
          p["mediaType"] = g.text();
        } else {
          p["kind"] = "file";
          p["file"] = {
              {"name", g.text()}, {g.coin() ? "uri" : "bytes", g.text()}, {"mimeType", g.text()}};
        }
    }
    ps.push_back(g.orWrong<ojson>(std::move(p)));
  }
  return g.orWrong<ojson>(std::move(ps));
}

std::string state(fz::Gen& g, bool v1) {
  std::string s = g.pickStr({"submitted", "working", "input-required", "auth-required", "completed",
                             "failed", "canceled", "rejected", "unknown", "x"});
  if (!v1) return s;
  for (auto& c : s) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return "TASK_STATE_" + s;
}

ojson status(fz::Gen& g, bool v1) {
  ojson st = {{"state", g.orWrong<ojson>(state(g, v1))}};
  if (g.coin()) st["message"] = g.orWrong<ojson>(ojson{{"role", "agent"}, {"parts", parts(g, v1)}});
  return st;
}

ojson artifact(fz::Gen& g, bool v1) {
  return g.orWrong<ojson>(ojson{{"artifactId", g.orWrong<ojson>(g.pickStr({"a1", "a2", ""}))},
                                {"parts", parts(g, v1)}});
}

ojson result(fz::Gen& g, bool v1) {
  std::string kind = g.pickStr({"task", "message", "status-update", "artifact-update"});
  ojson r = ojson::object();
  if (!v1) r["kind"] = kind;
  if (kind == "message") {
    r["messageId"] = g.text();
    r["role"] = "agent";
    r["parts"] = parts(g, v1);
  } else {
    r[kind == "task" ? "id" : "taskId"] = g.orWrong<ojson>(g.pickStr({"t1", "t2", ""}));
    r["contextId"] = g.orWrong<ojson>(g.text());
    r["status"] = g.orWrong<ojson>(status(g, v1));
    if (kind == "task") {
      ojson arts = ojson::array();
      for (size_t k = g.upTo(2); k > 0; --k) arts.push_back(artifact(g, v1));
      r["artifacts"] = g.orWrong<ojson>(std::move(arts));
    }
    if (kind == "artifact-update") {
      r["artifact"] = artifact(g, v1);
      r["append"] = g.orWrong<ojson>(g.coin());
    }
    if (kind == "status-update") r["final"] = g.orWrong<ojson>(g.coin());
  }
  if (!v1) return r;
  std::string wrap = kind == "status-update"     ? "statusUpdate"
                     : kind == "artifact-update" ? "artifactUpdate"
                                                 : kind;
  return ojson{{wrap, std::move(r)}};
}

std::string response(fz::Gen& g, bool v1) {
  ojson m = {{"jsonrpc", "2.0"}, {"id", g.orWrong<ojson>(int64_t(1))}};
  if (g.rare(6)) {
    m["error"] = g.orWrong<ojson>(
        ojson{{"code", g.orWrong<ojson>(g.number())}, {"message", g.orWrong<ojson>(g.text())}});
  } else {
    m["result"] = result(g, v1);
  }
  return g.dump(m);
}

std::string card(fz::Gen& g) {
  ojson c = {{"name", g.orWrong<ojson>(g.text())},
             {"description", g.orWrong<ojson>(g.text())},
             {"version", g.orWrong<ojson>(g.text())}};
  std::string url = g.pickStr({"http://localhost:9999/", "https://agent.example/a2a", "/rpc",
                               "http://0.0.0.0:1/x", "http://[::1]:2/", "ftp://x", ""});
  if (g.coin()) {
    c["url"] = g.orWrong<ojson>(url + (g.rare(3) ? g.text() : ""));
    c["protocolVersion"] = g.orWrong<ojson>(g.pickStr({"0.3.0", "0.2.5", "1.0"}));
    if (g.coin()) c["preferredTransport"] = g.pickStr({"JSONRPC", "GRPC", "HTTP+JSON"});
  } else {
    ojson ifs = ojson::array();
    for (size_t k = g.upTo(2); k > 0; --k) {
      ifs.push_back(
          g.orWrong<ojson>(ojson{{"url", g.orWrong<ojson>(url)},
                                 {"protocolBinding", g.pickStr({"JSONRPC", "GRPC", "HTTP+JSON"})},
                                 {"protocolVersion", g.pickStr({"1.0", "0.3"})}}));
    }
    c["supportedInterfaces"] = g.orWrong<ojson>(std::move(ifs));
  }
  if (g.coin())
    c["capabilities"] = g.orWrong<ojson>(ojson{{"streaming", g.orWrong<ojson>(g.coin())}});
  ojson skills = ojson::array();
  for (size_t k = g.upTo(3); k > 0; --k) {
    skills.push_back(
        g.orWrong<ojson>(ojson{{"id", g.orWrong<ojson>(g.text())},
                               {"name", g.orWrong<ojson>(g.text())},
                               {"description", g.text()},
                               {"tags", ojson::array({g.text()})},
                               {"examples", g.orWrong<ojson>(ojson::array({g.text()}))}}));
  }
  c["skills"] = g.orWrong<ojson>(std::move(skills));
  return g.dump(c);
}

std::string k8sList(fz::Gen& g, bool services) {
  ojson items = ojson::array();
  for (size_t k = g.upTo(3); k > 0; --k) {
    ojson meta = {{"name", g.orWrong<ojson>(g.pickStr({"agent", "b", "", "a.b"}))}};
    if (g.coin()) meta["namespace"] = g.orWrong<ojson>(g.pickStr({"ns", "default", ""}));
    if (g.rare(3)) {
      meta["annotations"] = {{std::string(a2a::kUrlAnnotation), g.orWrong<ojson>(g.text())}};
    }
    ojson spec = ojson::object();
    if (services) {
      ojson ports = ojson::array();
      for (size_t j = g.upTo(3); j > 0; --j) {
        ports.push_back(g.orWrong<ojson>(ojson{{"name", g.pickStr({"a2a", "http", "grpc"})},
                                               {"port", g.orWrong<ojson>(g.number())}}));
      }
      spec["ports"] = g.orWrong<ojson>(std::move(ports));
    } else if (g.coin()) {
      spec["port"] = g.orWrong<ojson>(g.number());
    }
    items.push_back(g.orWrong<ojson>(ojson{{"metadata", g.orWrong<ojson>(std::move(meta))},
                                           {"spec", g.orWrong<ojson>(std::move(spec))}}));
  }
  return g.dump(ojson{{"kind", services ? "ServiceList" : "AgentList"},
                      {"items", g.orWrong<ojson>(std::move(items))}});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  fz::Gen g(fdp);
  switch (g.upTo(2)) {
    case 0: {
      auto c = a2a::parseAgentCard(card(g), "http://agent.example:8080/.well-known/agent.json");
      if (c && !c->endpoint.starts_with("http://") && !c->endpoint.starts_with("https://")) {
        std::abort();
      }
      if (c) {
        a2a::ToolNamer namer;
        std::string agent = a2a::sanitizeName(c->name, "agent");
        std::string prev;
        for (const auto& s : c->skills) {
          std::string n = namer.name(agent, a2a::sanitizeName(s.id, "skill"));
          if (n.size() > a2a::kMaxToolName || n == prev) std::abort();
          prev = n;
          (void)a2a::toolDescription(s, c->name);
        }
      }
      break;
    }
    case 1: {
      bool v1 = g.coin();
      a2a::TaskTracker tracker;
      while (g.more()) {
        auto r = a2a::parseResponse(response(g, v1));
        if (!r) continue;
        if (r->error) {
          if (a2a::rpcErrorOutcome("a", *r->error).error_type.empty()) std::abort();
          continue;
        }
        tracker.apply(r->event);
      }
      auto o = tracker.outcome("agent");
      if (o.content.empty() || (o.is_error && o.error_type.empty())) std::abort();
      break;
    }
    default: {
      bool services = g.coin();
      auto list = services ? a2a::parseServiceList(k8sList(g, true), "ns")
                           : a2a::parseAgentList(k8sList(g, false), "ns");
      if (list) {
        for (const auto& a : *list) {
          if (a.name.empty() || a.url.empty()) std::abort();
        }
      }
      (void)a2a::parseInput(g.dump(fz::ojson{{"input", g.orWrong<fz::ojson>(g.text())}}));
      break;
    }
  }
  return 0;
}
