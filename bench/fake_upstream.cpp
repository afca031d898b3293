// fake_upstream: a tiny, deliberately fast fake OpenAI upstream for benchmarks.
//
// It has to be much cheaper than whatever proxy sits in front of it, so every
// response is pre-rendered at start-up and a request costs one parse plus one
// send(). Single-threaded epoll, HTTP/1.1 keep-alive, pipelining-safe.
//
//   build: g++ -O2 -std=c++20 -o fake_upstream fake_upstream.cpp
//   run:   fake_upstream PORT        (PORT 0 = ephemeral, printed on stdout)
//
//   POST .../chat/completions  -> chat.completion JSON (Content-Length), or,
//                                 with "stream":true, 20 SSE chunks (chunked
//                                 transfer encoding) + optional usage chunk
//                                 (when the body mentions include_usage)
//                                 + "data: [DONE]", all in a single write.
//                                 With "hold-stream" in the body (model
//                                 "openai/hold-stream" through the gateway):
//                                 the head and one SSE event at once, then
//                                 one event a second until the peer closes
//                                 (bench/hold_streams.cpp: memory per held
//                                 stream).
//   GET  .../models            -> small model list.
//   POST /v1/traces            -> 200 {} (an OTLP/HTTP trace sink for the
//                                 gateway's exporter; bodies are counted)
//   GET  /v1/traces            -> {"posts":N,"bytes":B} received so far.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace {

constexpr size_t kMaxHeader = 64 * 1024;
constexpr size_t kMaxBody = 16 * 1024 * 1024;

std::string http_response(std::string_view status, std::string_view type, std::string_view body) {
  std::string r = "HTTP/1.1 ";
  r += status;
  r += "\r\nContent-Type: ";
  r += type;
  r += "\r\nContent-Length: " + std::to_string(body.size());
  r += "\r\nConnection: keep-alive\r\n\r\n";
  r += body;
  return r;
}

const char* kChunkHead =
    R"({"id":"chatcmpl-bench00000000000000000000001","object":"chat.completion.chunk",)"
    R"("created":1700000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default",)"
    R"("system_fingerprint":"fp_0ba0d124f1","choices":[)";

const char* kUsage = R"("usage":{"prompt_tokens":9,"completion_tokens":20,"total_tokens":29,)"
                     R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},)"
                     R"("completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,)"
                     R"("accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})";

// Each SSE event goes into its own HTTP chunk, like real upstreams do, so the
// proxy under test has to handle chunk boundaries and not just one big blob.
std::string sse_response(bool with_usage) {
  static const char* tokens[] = {
      "Hello", "!",      " I'm",    " a",   " fake",     " upstream", " used",
      " for",  " bench", "marking", " LLM", " gateways", ".",         " How",
      " can",  " I",     " help",   " you", " today?",
  };
  std::string r =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
      "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n"
      "Connection: keep-alive\r\n\r\n";
  auto add_event = [&r](const std::string& data) {
    std::string ev = "data: " + data + "\n\n";
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", ev.size());
    r += size;
    r += ev;
    r += "\r\n";
  };
  const std::string usage_null = with_usage ? R"(,"usage":null)" : "";
  for (int i = 0; i < 20; ++i) {
    std::string delta;
    if (i == 0)
      delta =
          std::string(R"({"role":"assistant","content":")") + tokens[0] + R"(","refusal":null})";
    else if (i < 19)
      delta = std::string(R"({"content":")") + tokens[i] + R"("})";
    else
      delta = "{}";
    std::string finish = i == 19 ? R"("stop")" : "null";
    add_event(std::string(kChunkHead) + R"({"index":0,"delta":)" + delta +
              R"(,"logprobs":null,"finish_reason":)" + finish + "}]" + usage_null + "}");
  }
  if (with_usage) add_event(std::string(kChunkHead) + "]," + kUsage + "}");
  add_event("[DONE]");
  r += "0\r\n\r\n";
  return r;
}

// A held stream: the head and first event now, then kHeldEvent once a second.
const std::string kHeldHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
    "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n";

std::string chunk(const std::string& data) {
  std::string ev = "data: " + data + "\n\n";
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", ev.size());
  return size + ev + "\r\n";
}

struct Responses {
  std::string chat, stream, stream_usage, models, traces_ok, not_found, bad_request;
  std::string held_start, held_event;
  Responses() {
    chat = http_response(
        "200 OK", "application/json",
        R"({"id":"chatcmpl-bench00000000000000000000001","object":"chat.completion",)"
        R"("created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,)"
        R"("message":{"role":"assistant","content":"Hello! I'm a fake upstream used for )"
        R"(benchmarking LLM gateways. How can I help you today?","refusal":null},)"
        R"("logprobs":null,"finish_reason":"stop"}],)" +
            std::string(kUsage) +
            R"(,"service_tier":"default","system_fingerprint":"fp_0ba0d124f1"})");
    stream = sse_response(false);
    held_event =
        chunk(std::string(kChunkHead) + R"({"index":0,"delta":{"content":" tick"},"logprobs":null,)"
                                        R"("finish_reason":null}]})");
    held_start = kHeldHead + chunk(std::string(kChunkHead) +
                                   R"({"index":0,"delta":{"role":"assistant","content":"")"
                                   R"(},"logprobs":null,"finish_reason":null}]})");
    stream_usage = sse_response(true);
    models = http_response(
        "200 OK", "application/json",
        R"({"object":"list","data":[)"
        R"({"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"},)"
        R"({"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"}]})");
    traces_ok = http_response("200 OK", "application/json", "{}");
    not_found =
        http_response("404 Not Found", "application/json",
                      R"({"error":{"message":"not found","type":"invalid_request_error"}})");
    bad_request =
        http_response("400 Bad Request", "application/json",
                      R"({"error":{"message":"bad request","type":"invalid_request_error"}})");
  }
};
const Responses* g_resp;
struct Conn;
std::unordered_set<Conn*> g_held;  // connections with a held stream
uint64_t g_trace_posts = 0, g_trace_bytes = 0;

struct Conn {
  int fd = -1;
  std::string in;   // unparsed bytes (may hold several pipelined requests)
  std::string out;  // bytes the kernel has not accepted yet
  bool close_after = false;
  bool watching_out = false;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

enum class Parse { kNeedMore, kDone, kBad };

// Decodes a chunked body starting at `p`. Sets `consumed` to the bytes used
// (including trailers) and `body` to the payload. Proxies may forward
// request bodies chunked, so this is supported even though clients use
// Content-Length.
Parse parse_chunked(std::string_view p, size_t& consumed, std::string& body) {
  size_t pos = 0;
  for (;;) {
    size_t eol = p.find("\r\n", pos);
    if (eol == std::string_view::npos) return Parse::kNeedMore;
    char* end = nullptr;
    std::string line(p.substr(pos, eol - pos));
    unsigned long size = std::strtoul(line.c_str(), &end, 16);
    if (end == line.c_str() || size > kMaxBody || body.size() + size > kMaxBody) return Parse::kBad;
    pos = eol + 2;
    if (size == 0) {
      // Skip optional trailers up to the terminating empty line.
      for (;;) {
        size_t e = p.find("\r\n", pos);
        if (e == std::string_view::npos) return Parse::kNeedMore;
        bool empty = e == pos;
        pos = e + 2;
        if (empty) {
          consumed = pos;
          return Parse::kDone;
        }
      }
    }
    if (p.size() < pos + size + 2) return Parse::kNeedMore;
    body.append(p.substr(pos, size));
    pos += size + 2;
  }
}

// Parses one request at the front of `buf` and appends its response to
// c.out. Sets `consumed` to the request's length.
Parse handle_one(Conn& c, std::string_view buf, size_t& consumed) {
  size_t hdr_end = buf.find("\r\n\r\n");
  if (hdr_end == std::string_view::npos)
    return buf.size() > kMaxHeader ? Parse::kBad : Parse::kNeedMore;
  std::string_view head = buf.substr(0, hdr_end);
  size_t eol = head.find("\r\n");
  std::string_view req_line = head.substr(0, eol);
  size_t sp1 = req_line.find(' ');
  size_t sp2 = req_line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 <= sp1) return Parse::kBad;
  std::string_view method = req_line.substr(0, sp1);
  std::string_view path = req_line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);

  size_t content_length = 0;
  bool chunked = false;
  bool conn_close = req_line.ends_with("HTTP/1.0");
  while (eol != std::string_view::npos) {
    size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      if (content_length > kMaxBody) return Parse::kBad;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = contains_ci(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (contains_ci(value, "close"))
        conn_close = true;
      else if (contains_ci(value, "keep-alive"))
        conn_close = false;
    }
  }

  size_t body_start = hdr_end + 4;
  std::string decoded;
  std::string_view body;
  if (chunked) {
    size_t used = 0;
    Parse r = parse_chunked(buf.substr(body_start), used, decoded);
    if (r != Parse::kDone) return r;
    body = decoded;
    consumed = body_start + used;
  } else {
    if (buf.size() < body_start + content_length) return Parse::kNeedMore;
    body = buf.substr(body_start, content_length);
    consumed = body_start + content_length;
  }

  const std::string* resp = &g_resp->not_found;
  if (method == "POST" && path.ends_with("/chat/completions")) {
    bool stream = body.find("\"stream\":true") != std::string_view::npos ||
                  body.find("\"stream\": true") != std::string_view::npos;
    if (!stream)
      resp = &g_resp->chat;
    else if (body.find("hold-stream") != std::string_view::npos) {
      resp = &g_resp->held_start;
      g_held.insert(&c);
    } else if (body.find("include_usage") != std::string_view::npos)
      resp = &g_resp->stream_usage;
    else
      resp = &g_resp->stream;
  } else if (method == "GET" && path.ends_with("/models")) {
    resp = &g_resp->models;
  } else if (path == "/v1/traces" && method == "POST") {
    ++g_trace_posts;
    g_trace_bytes += body.size();
    resp = &g_resp->traces_ok;
  } else if (path == "/v1/traces" && method == "GET") {
    c.out += http_response("200 OK", "application/json",
                           "{\"posts\":" + std::to_string(g_trace_posts) +
                               ",\"bytes\":" + std::to_string(g_trace_bytes) + "}");
    resp = nullptr;
  }
  if (resp) c.out += *resp;
  if (conn_close) c.close_after = true;
  return Parse::kDone;
}

void close_conn(int ep, Conn* c) {
  g_held.erase(c);
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
  close(c->fd);
  delete c;
}

// Returns false when the connection should be closed.
bool flush(int ep, Conn* c) {
  size_t off = 0;
  while (off < c->out.size()) {
    ssize_t n = send(c->fd, c->out.data() + off, c->out.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  c->out.erase(0, off);
  bool want_out = !c->out.empty();
  if (!want_out && c->close_after) return false;
  if (want_out != c->watching_out) {
    epoll_event ev{};
    ev.events = want_out ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->watching_out = want_out;
  }
  return true;
}

// Returns false when the connection should be closed.
bool on_readable(int ep, Conn* c) {
  static char buf[64 * 1024];
  for (;;) {
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
      c->in.append(buf, n);
      if (static_cast<size_t>(n) < sizeof buf) break;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }
  // Answer every complete request in the buffer (pipelining), then send once.
  size_t off = 0;
  while (off < c->in.size() && !c->close_after) {
    size_t used = 0;
    Parse r = handle_one(*c, std::string_view(c->in).substr(off), used);
    if (r == Parse::kNeedMore) break;
    if (r == Parse::kBad) {
      c->out += g_resp->bad_request;
      c->close_after = true;
      break;
    }
    off += used;
  }
  c->in.erase(0, off);
  return flush(ep, c);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  Responses responses;
  g_resp = &responses;

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(lfd, 4096) < 0) {
    std::perror("bind/listen");
    return 1;
  }
  socklen_t alen = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
  std::printf("%u\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.ptr = nullptr;  // nullptr marks the listening socket
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);

  epoll_event events[256];
  using Clock = std::chrono::steady_clock;
  auto next_tick = Clock::now() + std::chrono::seconds(1);
  for (;;) {
    int timeout = -1;
    if (!g_held.empty()) {
      auto now = Clock::now();
      if (now >= next_tick) {
        std::vector<Conn*> dead;
        for (Conn* c : g_held) {
          c->out += g_resp->held_event;
          if (!flush(ep, c)) dead.push_back(c);
        }
        for (Conn* c : dead) close_conn(ep, c);
        next_tick = now + std::chrono::seconds(1);
      }
      timeout = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now).count());
      if (timeout < 0) timeout = 0;
    } else {
      next_tick = Clock::now() + std::chrono::seconds(1);
    }
    int n = epoll_wait(ep, events, 256, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        for (;;) {
          int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;  // EAGAIN, or transient errors such as EMFILE
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto* c = new Conn;
          c->fd = fd;
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.ptr = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        }
        continue;
      }
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      bool ok = true;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) ok = false;
      if (ok && (events[i].events & EPOLLOUT)) ok = flush(ep, c);
      if (ok && (events[i].events & EPOLLIN)) ok = on_readable(ep, c);
      if (!ok) close_conn(ep, c);
    }
  }
}
