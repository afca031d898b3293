#include "store/redis_protocol.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <algorithm>

namespace igw {

namespace {

using Type = RedisReply::Type;

// Where a new object goes: a fresh root (allocated) or the next element of its parent array.
// Null when a limit or the shape refuses it. Appending may move the parent's earlier elements;
// that is safe because hiredis builds depth first: those are complete and never touched again,
// and the objects still being built (the ancestors) live in vectors nobody appends to now.
RedisReply* place(const redisReadTask* task, Type type, size_t bytes) {
  auto* b = static_cast<RedisReplyBuild*>(task->privdata);
  int depth = 0;
  for (const redisReadTask* p = task->parent; p != nullptr; p = p->parent) ++depth;
  if (depth > b->limits.max_depth) {
    b->limit_error = "reply nested deeper than " + std::to_string(b->limits.max_depth);
    return nullptr;
  }
  if (bytes > b->limits.max_bytes || b->bytes > b->limits.max_bytes - bytes) {
    b->limit_error = "reply larger than " + std::to_string(b->limits.max_bytes) + " bytes";
    return nullptr;
  }
  b->bytes += bytes;
  RedisReply* r;
  if (task->parent != nullptr) {
    auto* parent = static_cast<RedisReply*>(task->parent->obj);
    if (parent == nullptr || parent->type != Type::kArray || task->idx < 0 ||
        static_cast<size_t>(task->idx) != parent->elements.size()) {
      b->limit_error = "malformed reply";
      return nullptr;
    }
    r = &parent->elements.emplace_back();
  } else {
    r = new RedisReply;
  }
  r->type = type;
  return r;
}

void* createString(const redisReadTask* task, char* str, size_t len) {
  Type type = task->type == REDIS_REPLY_ERROR    ? Type::kError
              : task->type == REDIS_REPLY_STATUS ? Type::kStatus
                                                 : Type::kString;
  RedisReply* r = place(task, type, len);
  if (r != nullptr) r->str.assign(str, len);
  return r;
}

void* createArray(const redisReadTask* task, int elements) {
  auto* b = static_cast<RedisReplyBuild*>(task->privdata);
  if (elements < 0) {
    b->limit_error = "negative array length";
    return nullptr;
  }
  const size_t n = static_cast<size_t>(elements);
  if (n > b->limits.max_elements || b->elements > b->limits.max_elements - n) {
    b->limit_error = "reply has more than " + std::to_string(b->limits.max_elements) + " elements";
    return nullptr;
  }
  // Each element costs its node whether or not it holds a string: count it against the bytes.
  if (n > b->limits.max_bytes / sizeof(RedisReply)) {
    b->limit_error = "reply larger than " + std::to_string(b->limits.max_bytes) + " bytes";
    return nullptr;
  }
  RedisReply* r = place(task, Type::kArray, n * sizeof(RedisReply));
  if (r == nullptr) return nullptr;
  b->elements += n;
  // Memory follows the elements that arrive, not the count announced.
  r->elements.reserve(std::min<size_t>(n, 64));
  return r;
}

void* createInteger(const redisReadTask* task, long long value) {
  RedisReply* r = place(task, Type::kInteger, 0);
  if (r != nullptr) r->integer = value;
  return r;
}

void* createNil(const redisReadTask* task) {
  return place(task, Type::kNil, 0);
}

// Only roots are freed by the reader (on an error mid-reply, or when it is freed); children
// live inside their parent's vector.
void freeObject(void* obj) {
  delete static_cast<RedisReply*>(obj);
}

redisReplyObjectFunctions kFunctions = {createString, createArray, createInteger, createNil,
                                        freeObject};

void describeInto(const RedisReply& r, std::string& out, int budget) {
  switch (r.type) {
    case Type::kNil:
      out += "nil";
      return;
    case Type::kInteger:
      out += "(integer) " + std::to_string(r.integer);
      return;
    case Type::kString:
      out += '"' + r.str.substr(0, 200) + (r.str.size() > 200 ? "...\"" : "\"");
      return;
    case Type::kStatus:
      out += r.str.substr(0, 200);
      return;
    case Type::kError:
      out += "(error) " + r.str.substr(0, 200);
      return;
    case Type::kArray:
      out += '[';
      for (size_t i = 0; i < r.elements.size(); ++i) {
        if (i > 0) out += ", ";
        if (budget <= 0 || i >= 20) {
          out += "...";
          break;
        }
        describeInto(r.elements[i], out, budget - 1);
      }
      out += ']';
      return;
  }
}

std::vector<std::string> scriptCommand(std::string name, std::string script,
                                       const std::vector<std::string>& keys,
                                       const std::vector<std::string>& args) {
  std::vector<std::string> cmd;
  cmd.reserve(3 + keys.size() + args.size());
  cmd.push_back(std::move(name));
  cmd.push_back(std::move(script));
  cmd.push_back(std::to_string(keys.size()));
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  return cmd;
}

}  // namespace

std::string describe(const RedisReply& r) {
  std::string out;
  describeInto(r, out, 8);
  return out;
}

std::string formatRedisCommand(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* cmd = nullptr;
  int n = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lens.data());
  if (n < 0 || cmd == nullptr) throw std::bad_alloc();
  std::string out(cmd, static_cast<size_t>(n));
  redisFreeCommand(cmd);
  return out;
}

void useRedisReplyObjects(redisReader* reader, RedisReplyBuild* build) {
  reader->fn = &kFunctions;
  reader->privdata = build;
}

RedisReplyReader::RedisReplyReader(RedisLimits limits) {
  build_.limits = limits;
  reader_ = redisReaderCreateWithFunctions(&kFunctions);
  if (reader_ == nullptr) throw std::bad_alloc();
  reader_->privdata = &build_;
}

RedisReplyReader::~RedisReplyReader() {
  redisReaderFree(reader_);
}

Status RedisReplyReader::fail(std::string why) {
  if (error_.isOk()) error_ = unavailable("redis protocol error: " + std::move(why));
  return error_;
}

size_t RedisReplyReader::buffered() const {
  return reader_->len - reader_->pos;
}

bool RedisReplyReader::feed(std::string_view bytes) {
  if (!error_.isOk()) return false;
  if (redisReaderFeed(reader_, bytes.data(), bytes.size()) != REDIS_OK) {
    fail(reader_->errstr);
    return false;
  }
  return true;
}

Result<std::optional<RedisReply>> RedisReplyReader::next() {
  if (!error_.isOk()) return error_;
  void* obj = nullptr;
  if (redisReaderGetReply(reader_, &obj) != REDIS_OK) {
    return fail(build_.limit_error.empty() ? std::string(reader_->errstr) : build_.limit_error);
  }
  if (obj == nullptr) {
    // A bulk string is buffered whole before it is handed over: bound what may pile up.
    if (buffered() > build_.limits.max_bytes + 64) {
      return fail("reply larger than " + std::to_string(build_.limits.max_bytes) + " bytes");
    }
    return std::optional<RedisReply>();
  }
  std::unique_ptr<RedisReply> root(static_cast<RedisReply*>(obj));
  build_.reset();
  return std::optional<RedisReply>(std::move(*root));
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), md);
  static constexpr char kHex[] = "0123456789abcdef";
  sha1_.reserve(2 * SHA_DIGEST_LENGTH);
  for (unsigned char c : md) {
    sha1_ += kHex[c >> 4];
    sha1_ += kHex[c & 15];
  }
}

std::vector<std::string> evalShaCommand(const RedisScript& s, const std::vector<std::string>& keys,
                                        const std::vector<std::string>& args) {
  return scriptCommand("EVALSHA", s.sha1(), keys, args);
}

std::vector<std::string> evalCommand(const RedisScript& s, const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args) {
  return scriptCommand("EVAL", s.source(), keys, args);
}

bool isNoScript(const RedisReply& r) {
  return r.type == Type::kError && r.str.starts_with("NOSCRIPT");
}

}  // namespace igw
