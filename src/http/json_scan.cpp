#include "http/json_scan.h"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/json_parse.h"
#include "core/json_text.h"

namespace igw {

namespace {

// The walk returns bool, not Status: a Status (code and string) built and destroyed at every
// value costs more than the bytes it checks in a small chat body. The first failure is recorded
// and turned into a Status once, by status().
class Scanner {
 public:
  explicit Scanner(std::string_view t)
      : t_(t), max_depth_(static_cast<int>(jsonLimits().max_depth)) {}

  // Records the failure at pos_; always false.
  bool fail(const char* what) {
    what_ = what;
    fail_pos_ = pos_;
    return false;
  }
  bool tooDeep() {
    too_deep_ = true;
    fail_pos_ = pos_;
    return false;
  }

  // fail(what) as a Status, for the checks around the walk.
  Status failure(const char* what) {
    fail(what);
    return status();
  }

  // The recorded failure as a Status.
  Status status() const {
    if (too_deep_) {
      return invalidArgument("request body is nested deeper than " + std::to_string(max_depth_) +
                             " levels (the gateway's limit, JSON_MAX_DEPTH) at offset " +
                             std::to_string(fail_pos_));
    }
    return invalidArgument(std::string("request body is not valid JSON: ") +
                           (what_ != nullptr ? what_ : "invalid") + " at offset " +
                           std::to_string(fail_pos_));
  }

  void skipWs() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool atEnd() const { return pos_ >= t_.size(); }
  size_t values() const { return values_; }
  size_t pos() const { return pos_; }

  // Skips one value starting at pos_; sets `type`. `depth` counts the containers around the value
  // plus one: a container at `depth` is nested that deep (the outermost is 1).
  bool value(int depth, JsonType& type) {
    ++values_;
    skipWs();
    if (atEnd()) return fail("unexpected end of input");
    char c = t_[pos_];
    switch (c) {
      case '{':
        type = JsonType::kObject;
        return object(depth, nullptr);
      case '[':
        type = JsonType::kArray;
        return array(depth);
      case '"':
        type = JsonType::kString;
        return string(nullptr, nullptr);
      case 't':
        type = JsonType::kTrue;
        return literal("true");
      case 'f':
        type = JsonType::kFalse;
        return literal("false");
      case 'n':
        type = JsonType::kNull;
        return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          type = JsonType::kNumber;
          return number();
        }
        return fail("unexpected character");
    }
  }

  // Parses an object at pos_; when `members` is set, records the top-level members.
  bool object(int depth, std::vector<JsonMember>* members) {
    if (depth > max_depth_) return tooDeep();
    ++pos_;  // '{'
    skipWs();
    if (!atEnd() && t_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skipWs();
      if (atEnd() || t_[pos_] != '"') return fail("expected a string key");
      size_t kb = 0, ke = 0;
      bool escaped = false;
      if (!string(&kb, &ke, &escaped)) return false;
      skipWs();
      if (atEnd() || t_[pos_] != ':') return fail("expected ':' after key");
      ++pos_;
      skipWs();
      size_t vb = pos_;
      JsonType type{};
      if (!value(depth + 1, type)) return false;
      if (members != nullptr) {
        std::string_view raw = t_.substr(kb, ke - kb);
        std::string key;
        if (escaped) {
          auto decoded = decodeJsonString(raw);
          if (!decoded) return fail("bad escape in key");
          key = std::move(decoded.value());
        } else {
          key.assign(raw);
        }
        members->push_back(
            {std::move(key), vb, pos_, type, type == JsonType::kArray ? last_array_size_ : 0});
      }
      skipWs();
      if (atEnd()) return fail("unterminated object");
      if (t_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (t_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}' in object");
    }
  }

  // Sets last_array_size_ on success (after its children set theirs).
  bool array(int depth) {
    if (depth > max_depth_) return tooDeep();
    ++pos_;  // '['
    skipWs();
    if (!atEnd() && t_[pos_] == ']') {
      ++pos_;
      last_array_size_ = 0;
      return true;
    }
    size_t n = 0;
    while (true) {
      JsonType type{};
      if (!value(depth + 1, type)) return false;
      ++n;
      skipWs();
      if (atEnd()) return fail("unterminated array");
      if (t_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (t_[pos_] == ']') {
        ++pos_;
        last_array_size_ = n;
        return true;
      }
      return fail("expected ',' or ']' in array");
    }
  }
  // String at pos_ (the opening quote). Reports the content span without quotes.
  // Length of the run at p that needs no attention: no '"', no '\\', no control character.
  // Sixteen bytes at a time with SSE2 (exact), else eight (SWAR: a flagged word falls back to
  // the byte loop, so a false positive costs a little speed and never correctness).
  static size_t plainRun(const char* p, size_t n) {
    size_t i = 0;
#if defined(__SSE2__)
    // Sixteen bytes per step: '"', '\\', and bytes up to 0x1F (unsigned max(v, 0x1F) == 0x1F).
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1F);
    for (; i + 16 <= n; i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      __m128i hit =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                       _mm_cmpeq_epi8(_mm_max_epu8(v, control), control));
      if (auto m = static_cast<unsigned>(_mm_movemask_epi8(hit)); m != 0) {
        return i + static_cast<size_t>(__builtin_ctz(m));
      }
    }
#else
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    auto hasZero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    for (; i + 8 <= n; i += 8) {
      uint64_t v;
      std::memcpy(&v, p + i, 8);
      uint64_t below_space = (v - kOnes * 0x20) & ~v & kHigh;
      if (hasZero(v ^ (kOnes * '"')) | hasZero(v ^ (kOnes * '\\')) | below_space) break;
    }
#endif
    while (i < n && !kStops[static_cast<unsigned char>(p[i])]) ++i;
    return i;
  }
  // The bytes plainRun stops at.
  static constexpr auto kStops = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<size_t>(c)] = true;
    t['"'] = true;
    t['\\'] = true;
    return t;
  }();

  bool string(size_t* begin, size_t* end, bool* escaped = nullptr) {
    ++pos_;
    size_t b = pos_;
    while (pos_ < t_.size()) {
      pos_ += plainRun(t_.data() + pos_, t_.size() - pos_);
      if (pos_ >= t_.size()) break;
      auto c = static_cast<unsigned char>(t_[pos_]);
      if (c == '"') {
        if (begin) *begin = b;
        if (end) *end = pos_;
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail("control character in string");
      if (c == '\\') {
        if (escaped) *escaped = true;
        if (++pos_ >= t_.size()) break;
        char e = t_[pos_];
        if (e == 'u') {
          for (int i = 0; i < 4; ++i) {
            if (++pos_ >= t_.size()) return fail("unterminated \\u escape");
            char h = t_[pos_];
            bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
            if (!hex) return fail("bad \\u escape");
          }
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                   e != 'r' && e != 't') {
          return fail("invalid escape");
        }
      }
      ++pos_;
    }
    return fail("unterminated string");
  }

  bool literal(std::string_view word) {
    if (t_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool number() {
    auto digit = [&] { return pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9'; };
    if (t_[pos_] == '-') ++pos_;
    if (!digit()) return fail("invalid number");
    if (t_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < t_.size() && t_[pos_] == '.') {
      ++pos_;
      if (!digit()) return fail("invalid number");
      while (digit()) ++pos_;
    }
    if (pos_ < t_.size() && (t_[pos_] == 'e' || t_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < t_.size() && (t_[pos_] == '+' || t_[pos_] == '-')) ++pos_;
      if (!digit()) return fail("invalid number");
      while (digit()) ++pos_;
    }
    return true;
  }

 private:
  std::string_view t_;
  int max_depth_;
  size_t pos_ = 0;
  size_t values_ = 0;
  size_t last_array_size_ = 0;
  const char* what_ = nullptr;
  bool too_deep_ = false;
  size_t fail_pos_ = 0;
};

}  // namespace

Result<std::vector<JsonMember>> scanObjectMembers(std::string_view text, size_t* value_count) {
  Scanner s(text);
  s.skipWs();
  if (s.atEnd()) return s.failure("empty body");
  if (text[s.pos()] != '{') return s.failure("top-level value must be an object");
  std::vector<JsonMember> members;
  members.reserve(8);
  if (!s.object(1, &members)) return s.status();
  s.skipWs();
  if (!s.atEnd()) return s.failure("trailing characters after the object");
  if (value_count != nullptr) *value_count = s.values() + 1;  // the object itself
  return members;
}

namespace {

bool isWs(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The structural walk below looks for a few bytes at a time: sixteen bytes per step with SSE2
// (part of every x86-64 CPU), one per step elsewhere. Loads never reach past `end`.
#if defined(__SSE2__)
// Bit i set when p[i] is `a` or `b` (sixteen bytes at p).
inline unsigned matchTwo(const char* p, char a, char b) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)), _mm_cmpeq_epi8(v, _mm_set1_epi8(b)))));
}

// Bit i set when p[i] is '"', '{', '}', '[' or ']': the brackets differ from the braces only
// in bit 0x20, so one OR folds them together.
inline unsigned matchStructural(const char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
  __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_or_si128(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{')),
                                          _mm_cmpeq_epi8(folded, _mm_set1_epi8('}'))));
  return static_cast<unsigned>(_mm_movemask_epi8(hit));
}
#endif

// First byte in [p, end) that is '"' or '\\'; end when none.
const char* findQuoteOrBackslash(const char* p, const char* end) {
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16) {
    if (unsigned m = matchTwo(p, '"', '\\'); m != 0) return p + __builtin_ctz(m);
  }
#endif
  while (p < end && *p != '"' && *p != '\\') ++p;
  return p;
}

// First byte in [p, end) that opens or closes a string, object or array; end when none.
const char* findStructural(const char* p, const char* end) {
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16) {
    if (unsigned m = matchStructural(p); m != 0) return p + __builtin_ctz(m);
  }
#endif
  for (; p < end; ++p) {
    char folded = static_cast<char>(*p | 0x20);
    if (*p == '"' || folded == '{' || folded == '}') break;
  }
  return p;
}

// Index one past the closing quote of the string whose opening quote is at `i`; npos when it
// does not end. A backslash escapes the byte after it (the four hex digits of a unicode escape
// need no care: they are never a quote or a backslash).
size_t skipString(std::string_view t, size_t i) {
  const char* p = t.data() + i + 1;
  const char* end = t.data() + t.size();
  while (true) {
    p = findQuoteOrBackslash(p, end);
    if (p == end) return std::string_view::npos;
    if (*p == '"') return static_cast<size_t>(p - t.data()) + 1;
    if (end - p < 2) return std::string_view::npos;
    p += 2;
  }
}

// Index one past the value that starts at `i` (not whitespace); npos when it does not end.
size_t skipValue(std::string_view t, size_t i) {
  char c = t[i];
  if (c == '"') return skipString(t, i);
  if (c != '{' && c != '[') {
    // A number or a literal: up to the next delimiter.
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && !isWs(t[i])) ++i;
    return i;
  }
  const char* p = t.data() + i;
  const char* end = t.data() + t.size();
  size_t depth = 0;
  while (true) {
    p = findStructural(p, end);
    if (p == end) return std::string_view::npos;
    c = *p;
    if (c == '"') {
      size_t next = skipString(t, static_cast<size_t>(p - t.data()));
      if (next == std::string_view::npos) return next;
      p = t.data() + next;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (--depth == 0) {
      return static_cast<size_t>(p - t.data()) + 1;
    }
    ++p;
  }
}

}  // namespace

bool forEachMember(std::string_view t, bool (*f)(const RawMember&, void*), void* ctx) {
  size_t i = 0;
  auto ws = [&] {
    while (i < t.size() && isWs(t[i])) ++i;
  };
  ws();
  if (i >= t.size() || t[i] != '{') return false;
  ++i;
  while (true) {
    ws();
    if (i >= t.size()) return false;
    if (t[i] == '}') return true;
    if (t[i] != '"') return false;
    size_t key_end = skipString(t, i);
    if (key_end == std::string_view::npos) return false;
    std::string_view key = t.substr(i + 1, key_end - i - 2);
    i = key_end;
    ws();
    if (i >= t.size() || t[i] != ':') return false;
    ++i;
    ws();
    if (i >= t.size()) return false;
    size_t value_end = skipValue(t, i);
    if (value_end == std::string_view::npos) return false;
    if (!f(RawMember{key, t.substr(i, value_end - i)}, ctx)) return true;
    i = value_end;
    ws();
    if (i >= t.size()) return false;
    if (t[i] == ',') {
      ++i;
      continue;
    }
    return t[i] == '}';
  }
}

Status validateJson(std::string_view text) {
  Scanner s(text);
  JsonType type{};
  if (!s.value(1, type)) return s.status();
  s.skipWs();
  if (!s.atEnd()) return s.failure("trailing characters");
  return Status::ok();
}

}  // namespace igw
