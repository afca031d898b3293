// Test support: a real PostgreSQL 15 server (Debian's postgresql-15 package), started by the test
// binary itself in a temporary directory and reached over a Unix socket in that directory.
//
//   igw::testing::PgServer* pg = igw::testing::sharedPgServer(&error);  // started on first use
//   pg->url("postgres")    postgresql://postgres@/postgres?host=DIR&port=PORT
//   pg->createDatabase()   a fresh, empty database; returns its URL
//   pg->restart()          pg_ctl restart (connections of the test are broken)
//
// The shared server starts once per test binary, on the first call, and is stopped by a gtest
// global environment when the binary ends (and, failing that, by its destructor at exit).
// Missing binaries are a failure with a clear message, never a skip: the store must be tested
// against a real server. initdb refuses to run as root, so as root every server command runs as
// the `postgres` user (runuser) and the directory is handed to that user.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

namespace igw::testing {

inline constexpr const char* kPgBinDir = "/usr/lib/postgresql/15/bin";

// Runs argv (no shell), output (stdout and stderr) into `out_file`; returns the exit status
// (-1 if it could not run) and appends the output to `output`.
inline int runCommand(const std::vector<std::string>& argv, const std::string& out_file,
                      std::string* output) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  std::ifstream in(out_file);
  std::stringstream ss;
  ss << in.rdbuf();
  if (output) *output += ss.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A TCP port nobody listens on right now (bound and released).
inline int pickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class PgServer {
 public:
  // Starts a server in a new temporary directory; nullptr with `error` set on failure.
  static std::unique_ptr<PgServer> start(std::string* error) {
    namespace fs = std::filesystem;
    if (!fs::exists(std::string(kPgBinDir) + "/initdb") ||
        !fs::exists(std::string(kPgBinDir) + "/pg_ctl")) {
      *error = std::string("PostgreSQL 15 server binaries not found in ") + kPgBinDir +
               ": install the Debian package postgresql-15 (scripts/install-deps.sh test)";
      return nullptr;
    }
    char tmpl[] = "/tmp/igw-pg-XXXXXX";
    if (!mkdtemp(tmpl)) {
      *error = "mkdtemp failed";
      return nullptr;
    }
    std::unique_ptr<PgServer> s(new PgServer(tmpl));
    if (geteuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (!pw) {
        *error = "running as root but there is no `postgres` user to run initdb as";
        return nullptr;
      }
      if (chown(tmpl, pw->pw_uid, pw->pw_gid) != 0) {
        *error = std::string("chown ") + tmpl + " to postgres failed";
        return nullptr;
      }
      s->as_postgres_ = true;
    }
    std::string out;
    if (s->run({std::string(kPgBinDir) + "/initdb", "-D", s->dataDir(), "--auth=trust", "-U",
                "postgres", "--encoding=UTF8", "--locale=C", "--no-sync"},
               &out) != 0) {
      *error = "initdb failed:\n" + out;
      return nullptr;
    }
    s->port_ = pickFreePort();
    out.clear();
    const std::string opts = "-k " + s->dir_ + " -p " + std::to_string(s->port_) +
                             " -c listen_addresses='' -c fsync=off";
    if (s->run({std::string(kPgBinDir) + "/pg_ctl", "-D", s->dataDir(), "-l", s->dir_ + "/log",
                "-o", opts, "-w", "-t", "60", "start"},
               &out) != 0) {
      *error = "pg_ctl start failed:\n" + out + s->log();
      return nullptr;
    }
    s->running_ = true;
    return s;
  }

  ~PgServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // postgresql://postgres@/DB?host=DIR&port=PORT
  std::string url(const std::string& db) const {
    return "postgresql://postgres@/" + db + "?host=" + dir_ + "&port=" + std::to_string(port_);
  }
  const std::string& socketDir() const { return dir_; }
  int port() const { return port_; }

  // A new empty database; its URL. Empty string (and a test failure) on error.
  std::string createDatabase() {
    const std::string name = "igw_test_" + std::to_string(next_db_.fetch_add(1));
    PGconn* c = PQconnectdb(url("postgres").c_str());
    std::string result;
    if (PQstatus(c) != CONNECTION_OK) {
      ADD_FAILURE() << "connect to test server: " << PQerrorMessage(c);
    } else {
      PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        ADD_FAILURE() << "CREATE DATABASE: " << PQerrorMessage(c);
      } else {
        result = url(name);
      }
      PQclear(r);
    }
    PQfinish(c);
    return result;
  }

  // pg_ctl restart -m fast: every open connection is cut, as by a server restart or failover.
  bool restart(std::string* output) {
    return run({std::string(kPgBinDir) + "/pg_ctl", "-D", dataDir(), "-m", "fast", "-w", "-t", "60",
                "restart"},
               output) == 0;
  }

  void stop() {
    if (!running_) return;
    running_ = false;
    std::string out;
    run({std::string(kPgBinDir) + "/pg_ctl", "-D", dataDir(), "-m", "immediate", "-w", "stop"},
        &out);
  }

  std::string log() const {
    std::ifstream in(dir_ + "/log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  explicit PgServer(std::string dir) : dir_(std::move(dir)) {}
  std::string dataDir() const { return dir_ + "/data"; }

  int run(std::vector<std::string> argv, std::string* output) {
    if (as_postgres_) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
    const std::string out_file = dir_ + "/cmd.out";
    return runCommand(argv, out_file, output);
  }

  std::string dir_;
  int port_ = 0;
  bool as_postgres_ = false;
  bool running_ = false;
  std::atomic<int> next_db_{0};
};

namespace pg_detail {
struct Shared {
  std::mutex mu;
  bool tried = false;
  std::unique_ptr<PgServer> server;
  std::string error;
};
inline Shared& shared() {
  static Shared s;
  return s;
}
// Stops the shared server after the last test, if one was started.
class Environment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(shared().mu);
    shared().server.reset();
  }
};
inline ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new Environment);
}  // namespace pg_detail

// The binary-wide server, started on the first call. nullptr and `error` set if it cannot run.
inline PgServer* sharedPgServer(std::string* error) {
  auto& s = pg_detail::shared();
  std::lock_guard lock(s.mu);
  if (!s.tried) {
    s.tried = true;
    s.server = PgServer::start(&s.error);
  }
  if (!s.server) *error = s.error;
  return s.server.get();
}

}  // namespace igw::testing
