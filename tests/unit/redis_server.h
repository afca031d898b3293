// Test support: a real Redis server (Debian's redis-server), started by the test binary on a free
// port in a temporary directory, without persistence.
//
//   auto redis = igw::testing::RedisServer::start({.password = "s3cret"}, &error);
//   redis->port(), redis->url()      redis://:s3cret@127.0.0.1:PORT
//   redis->cli({"GET", "k"})        redis-cli's output (trailing newline removed)
//   redis->kill()                    SIGKILL, as a crash; redis->start() again on the same port
//
// Readiness is the server answering PING on its port (connection attempts polled with a short,
// growing wait; a server that exits early fails at once with its log). The server is killed
// when the object goes away, and the directory removed. A missing binary is a failure with a
// clear message, never a skip.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace igw::testing {

inline constexpr const char* kRedisServerBin = "/usr/bin/redis-server";
inline constexpr const char* kRedisCliBin = "/usr/bin/redis-cli";

struct RedisServerOptions {
  std::string password;  // --requirepass when not empty
};

namespace redis_detail {

// A TCP port nobody listens on right now (bound and released).
inline int freeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// Connects to 127.0.0.1:port, sends an inline PING and reads the first reply line: "+PONG",
// "-NOAUTH ..." (password required: it is up) or "" when nothing answered.
inline std::string pingOnce(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string line;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      write(fd, "PING\r\n", 6) == 6) {
    pollfd p{fd, POLLIN, 0};
    char buf[256];
    while (line.find('\n') == std::string::npos && poll(&p, 1, 2000) == 1) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return line;
}

// Runs argv (no shell) and returns its stdout; the exit status in *status.
inline std::string capture(const std::vector<std::string>& argv, int* status) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    const int null_fd = ::open("/dev/null", O_RDWR);
    dup2(null_fd, 0);
    dup2(null_fd, 2);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  int st = 0;
  while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

}  // namespace redis_detail

class RedisServer {
 public:
  // Starts a server on a free port; nullptr with `error` set on failure.
  static std::unique_ptr<RedisServer> start(RedisServerOptions opts, std::string* error) {
    if (!std::filesystem::exists(kRedisServerBin)) {
      *error = std::string(kRedisServerBin) +
               " not found: install the Debian package redis-server (scripts/install-deps.sh test)";
      return nullptr;
    }
    char tmpl[] = "/tmp/igw-redis-XXXXXX";
    if (!mkdtemp(tmpl)) {
      *error = "mkdtemp failed";
      return nullptr;
    }
    std::unique_ptr<RedisServer> s(new RedisServer(tmpl, std::move(opts)));
    s->port_ = redis_detail::freeTcpPort();
    if (!s->start(error)) return nullptr;
    return s;
  }

  ~RedisServer() {
    kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  const std::string& password() const { return opts_.password; }
  std::string url() const {
    const std::string auth = opts_.password.empty() ? "" : ":" + opts_.password + "@";
    return "redis://" + auth + "127.0.0.1:" + std::to_string(port_);
  }
  bool running() const { return pid_ > 0; }

  // (Re)starts the server on its port; false with `error` (including its log) on failure.
  bool start(std::string* error) {
    if (pid_ > 0) return true;
    std::vector<std::string> argv = {kRedisServerBin,
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "no",
                                     "--dir",
                                     dir_,
                                     "--logfile",
                                     dir_ + "/log",
                                     "--daemonize",
                                     "no",
                                     "--enable-debug-command",
                                     "local"};
    if (!opts_.password.empty()) {
      argv.push_back("--requirepass");
      argv.push_back(opts_.password);
    }
    const pid_t pid = fork();
    if (pid < 0) {
      *error = "fork failed";
      return false;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives a crashed test binary
      const int null_fd = ::open("/dev/null", O_RDWR);
      dup2(null_fd, 0);
      dup2(null_fd, 1);
      dup2(null_fd, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    pid_ = pid;
    // Poll the port until PING is answered: a short, growing wait between attempts.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int wait_ms = 1;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string line = redis_detail::pingOnce(port_);
      if (line.starts_with("+PONG") || line.starts_with("-NOAUTH")) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        *error = "redis-server exited during start:\n" + log();
        return false;
      }
      poll(nullptr, 0, wait_ms);
      wait_ms = std::min(wait_ms * 2, 50);
    }
    kill();
    *error = "redis-server did not answer PING within 20s:\n" + log();
    return false;
  }

  // SIGKILL, as a crash: open connections break; the port is free again when this returns.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  // redis-cli against this server; its stdout without the trailing newline.
  std::string cli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {kRedisCliBin, "-h", "127.0.0.1", "-p", std::to_string(port_)};
    if (!opts_.password.empty()) {
      argv.insert(argv.end(), {"-a", opts_.password, "--no-auth-warning"});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    int status = 0;
    std::string out = redis_detail::capture(argv, &status);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

  std::string log() const {
    std::ifstream in(dir_ + "/log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  RedisServer(std::string dir, RedisServerOptions opts)
      : dir_(std::move(dir)), opts_(std::move(opts)) {}

  std::string dir_;
  RedisServerOptions opts_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace igw::testing
