// stdio transport: the server is a child process speaking newline-delimited JSON-RPC on its
// stdin/stdout. It runs in its own process group, with no shell, and with a minimal
// environment (PATH and HOME only): the gateway's provider keys and the callers' credentials
// must never reach a tool server.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>

#include "mcp/transports.h"
#include "net/beast.h"

namespace igw::mcp {

namespace {

using namespace igw::net;  // NOLINT: aliases only
using Descriptor = asio::posix::stream_descriptor;

constexpr size_t kMaxLineBytes = 16u << 20;

std::vector<std::string> childEnvironment() {
  std::vector<std::string> env;
  for (const char* name : {"PATH", "HOME"}) {
    if (const char* v = std::getenv(name)) env.push_back(std::string(name) + "=" + v);
  }
  return env;
}

class StdioTransport : public Transport, public std::enable_shared_from_this<StdioTransport> {
 public:
  StdioTransport(const McpServerConfig& server, const Logger& log, asio::io_context& ioc)
      : server_(server), log_(log), ioc_(ioc) {}

  ~StdioTransport() override { terminateNow(); }

  std::string_view kind() const override { return "stdio"; }

  awaitable<Status> open() override {
    auto self = shared_from_this();
    if (server_.command.empty()) co_return invalidArgument("empty stdio command");
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0) co_return unavailable("pipe failed");
    if (::pipe2(out, O_CLOEXEC) != 0) {
      closeFds({in[0], in[1]});
      co_return unavailable("pipe failed");
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
      closeFds({in[0], in[1], out[0], out[1]});
      co_return unavailable("pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    // Asio (Boost 1.74) opens sockets without SOCK_CLOEXEC: without this the child would inherit
    // the listening socket and the clients' connections. Only 0, 1 and 2 reach the tool server.
    if (int fa = posix_spawn_file_actions_addclosefrom_np(&actions, 3); fa != 0) {
      posix_spawn_file_actions_destroy(&actions);
      closeFds({in[0], in[1], out[0], out[1], err[0], err[1]});
      co_return unavailable(std::string("cannot prepare the stdio server's file descriptors: ") +
                            std::strerror(fa));
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<char*> argv;
    for (const auto& a : server_.command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    auto env_strings = childEnvironment();
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    closeFds({in[0], out[1], err[1]});
    if (rc != 0) {
      closeFds({in[1], out[0], err[0]});
      co_return unavailable("cannot start '" + server_.command[0] + "': " + std::strerror(rc));
    }
    pid_ = pid;
    stdin_ = std::make_unique<Descriptor>(ioc_, in[1]);
    stdout_ = std::make_unique<Descriptor>(ioc_, out[0]);
    stderr_ = std::make_unique<Descriptor>(ioc_, err[0]);
    log_.debug("mcp stdio server started", {{"server", server_.name}, {"pid", int64_t{pid}}});
    asio::co_spawn(ioc_, readStdout(self), asio::detached);
    asio::co_spawn(ioc_, readStderr(self), asio::detached);
    co_return Status::ok();
  }

  awaitable<Status> send(std::string body, std::optional<int64_t> /*expect*/,
                         std::shared_ptr<Exchange> /*exchange*/) override {
    if (closing_ || !stdin_) co_return unavailable("the server process is not running");
    body += '\n';
    queue_.push_back(std::move(body));
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(ioc_, writeLoop(shared_from_this()), asio::detached);
    }
    co_return Status::ok();
  }

  awaitable<void> close() override {
    auto self = shared_from_this();
    if (closing_) co_return;
    closing_ = true;
    error_code ec;
    // Closing stdin is the polite stop the spec asks for; SIGTERM follows for the stubborn.
    if (stdin_) stdin_->close(ec);
    if (pid_ > 0) {
      co_await reap(std::chrono::milliseconds(500));
      if (pid_ > 0) ::kill(-pid_, SIGTERM);
      co_await reap(std::chrono::milliseconds(2000));
      terminateNow();
    }
    if (stdout_) stdout_->close(ec);
    if (stderr_) stderr_->close(ec);
  }

 private:
  static void closeFds(std::initializer_list<int> fds) {
    for (int fd : fds) ::close(fd);
  }

  // Waits up to `limit` for the child to exit, polling (no SIGCHLD handler in a library).
  awaitable<void> reap(std::chrono::milliseconds limit) {
    auto executor = co_await asio::this_coro::executor;
    auto until = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) {
        pid_ = -1;
        break;
      }
      if (std::chrono::steady_clock::now() >= until) break;
      asio::steady_timer t(executor, std::chrono::milliseconds(25));
      error_code ec;
      co_await t.async_wait(useAwaitableEc(ec));
    }
  }

  void terminateNow() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  static awaitable<void> writeLoop(std::shared_ptr<StdioTransport> self) {
    while (!self->queue_.empty() && !self->closing_ && self->stdin_) {
      std::string line = std::move(self->queue_.front());
      self->queue_.pop_front();
      error_code ec;
      co_await asio::async_write(*self->stdin_, asio::buffer(line), useAwaitableEc(ec));
      if (ec) {
        self->queue_.clear();
        break;  // the read side sees the process go away and reports it
      }
    }
    self->writing_ = false;
  }

  static awaitable<void> readStdout(std::shared_ptr<StdioTransport> self) {
    std::string buf;
    std::array<char, 16384> chunk;
    std::string reason = "the server process exited";
    while (!self->closing_) {
      error_code ec;
      size_t n = co_await self->stdout_->async_read_some(asio::buffer(chunk), useAwaitableEc(ec));
      if (ec) break;
      buf.append(chunk.data(), n);
      size_t start = 0;
      for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(buf.data() + start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        auto msgs = parseMessages(line);
        if (!msgs) {
          self->log_.warn("mcp server wrote a line that is not JSON-RPC",
                          {{"server", self->server_.name}, {"error", msgs.status().message()}});
          continue;
        }
        for (auto& m : msgs.value()) self->deliver(std::move(m));
      }
      buf.erase(0, start);
      if (buf.size() > kMaxLineBytes) {
        reason = "the server wrote a line longer than 16 MiB";
        break;
      }
    }
    if (self->closing_) co_return;
    co_await self->reap(std::chrono::milliseconds(200));
    if (self->closing_) co_return;
    self->closing_ = true;
    error_code ec;
    if (self->stdin_) self->stdin_->close(ec);
    if (self->pid_ > 0) {
      ::kill(-self->pid_, SIGTERM);
      co_await self->reap(std::chrono::milliseconds(1000));
      self->terminateNow();
    }
    self->closed(reason);
  }

  static awaitable<void> readStderr(std::shared_ptr<StdioTransport> self) {
    std::string buf;
    std::array<char, 4096> chunk;
    while (true) {
      error_code ec;
      size_t n = co_await self->stderr_->async_read_some(asio::buffer(chunk), useAwaitableEc(ec));
      if (ec) break;
      buf.append(chunk.data(), n);
      size_t start = 0;
      for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(buf.data() + start, nl - start);
        if (!line.empty()) {
          self->log_.debug("mcp server stderr", {{"server", self->server_.name}, {"line", line}});
        }
      }
      buf.erase(0, start);
      if (buf.size() > 64 * 1024) buf.clear();
    }
  }

  const McpServerConfig& server_;
  const Logger& log_;
  asio::io_context& ioc_;
  pid_t pid_ = -1;
  std::unique_ptr<Descriptor> stdin_, stdout_, stderr_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closing_ = false;
};

}  // namespace

std::shared_ptr<Transport> makeStdioTransport(const McpServerConfig& server, const Logger& log,
                                              asio::io_context& ioc) {
  return std::make_shared<StdioTransport>(server, log, ioc);
}

}  // namespace igw::mcp
