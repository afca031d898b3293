// hold_streams: memory a proxy spends per held SSE stream, and whether it gives it back.
//
// Opens N client connections to a proxy, each asking for a streaming chat completion that the
// fake upstream holds open ("model":"openai/hold-stream": the head and one event at once, then
// one event a second until the connection closes). Once every stream has its first event, the
// proxy's RSS is read; the streams are held a while longer, closed, and the RSS is read again as
// it settles. Single-threaded epoll; pin it to the load CPU.
//
//   build: g++ -O2 -std=c++20 -o hold_streams hold_streams.cpp
//   run:   hold_streams PORT PID STREAMS [HOLD_MS] [SETTLE_MS]
//   prints one line:  streams=N rss_before_kb=A rss_held_kb=B rss_after_kb=C per_stream_bytes=D
//                     settle_ms=T
//
// rss_after is the lowest RSS seen within SETTLE_MS (default 3000) after the last close; the
// proxy may free memory a moment after its connections end.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

long rssKb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

struct Stream {
  int fd = -1;
  bool first_event = false;
  std::string seen;  // response bytes until the first event
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PORT PID STREAMS [HOLD_MS] [SETTLE_MS]\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const int pid = std::atoi(argv[2]);
  const int n = std::atoi(argv[3]);
  const int hold_ms = argc > 4 ? std::atoi(argv[4]) : 2000;
  const int settle_ms = argc > 5 ? std::atoi(argv[5]) : 3000;

  const std::string body =
      R"({"model":"openai/hold-stream","stream":true,"messages":[{"role":"user","content":"Hello"}]})";
  const std::string request =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\n"
      "Content-Type: application/json\r\nAuthorization: Bearer bench\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;

  const long before = rssKb(pid);
  if (before < 0) {
    std::fprintf(stderr, "no process %d\n", pid);
    return 1;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Stream> streams(static_cast<size_t>(n));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Connect in batches so the proxy's listen backlog never overflows.
  int opened = 0, with_event = 0;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  char buf[16384];
  epoll_event events[256];
  while (with_event < n) {
    while (opened < n && opened - with_event < 256) {
      Stream& s = streams[static_cast<size_t>(opened)];
      s.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (s.fd < 0 || connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("connect");
        return 1;
      }
      int one = 1;
      setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(request.size())) {
        std::perror("send");
        return 1;
      }
      fcntl(s.fd, F_SETFL, O_NONBLOCK);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<uint32_t>(opened);
      epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &ev);
      ++opened;
    }
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "only %d of %d streams started within 60 s\n", with_event, n);
      return 1;
    }
    int k = epoll_wait(ep, events, 256, 1000);
    for (int i = 0; i < k; ++i) {
      Stream& s = streams[events[i].data.u32];
      ssize_t got = recv(s.fd, buf, sizeof buf, 0);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        std::fprintf(stderr, "stream %u closed before its first event: %.200s\n",
                     events[i].data.u32, s.seen.c_str());
        return 1;
      }
      if (s.first_event) continue;
      s.seen.append(buf, static_cast<size_t>(got));
      if (s.seen.rfind("HTTP/1.1 200", 0) != 0 && s.seen.size() >= 12) {
        std::fprintf(stderr, "unexpected answer: %.300s\n", s.seen.c_str());
        return 1;
      }
      if (s.seen.find("data: {") != std::string::npos) {
        s.first_event = true;
        std::string().swap(s.seen);
        ++with_event;
      }
    }
  }
  const long held = rssKb(pid);
  // Keep reading the one-a-second events while holding: live streams, not parked ones.
  auto hold_until = Clock::now() + std::chrono::milliseconds(hold_ms);
  long held_max = held;
  while (Clock::now() < hold_until) {
    int k = epoll_wait(ep, events, 256, 100);
    for (int i = 0; i < k; ++i) {
      ssize_t got = recv(streams[events[i].data.u32].fd, buf, sizeof buf, 0);
      if (got == 0) {
        std::fprintf(stderr, "a held stream ended early\n");
        return 1;
      }
    }
    held_max = std::max(held_max, rssKb(pid));
  }
  for (auto& s : streams) close(s.fd);
  auto closed = Clock::now();
  long after = rssKb(pid);
  long settle = 0;
  while (Clock::now() - closed < std::chrono::milliseconds(settle_ms)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // sampling, not synchronising
    long r = rssKb(pid);
    if (r < after) {
      after = r;
      settle = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - closed).count();
    }
  }
  std::printf(
      "streams=%d rss_before_kb=%ld rss_held_kb=%ld rss_held_max_kb=%ld rss_after_kb=%ld "
      "per_stream_bytes=%ld settle_ms=%ld\n",
      n, before, held, held_max, after, (held_max - before) * 1024 / n, settle);
  return 0;
}
