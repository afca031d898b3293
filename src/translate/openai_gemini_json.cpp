// JsonView: the DOM-free, validating JSON reader behind the Gemini response and stream paths.
// A stream chunk is parsed once into a flat node array that is reused for the next chunk, so the
// hot path allocates nothing in steady state and copies text parts to the output still escaped.
#include <charconv>
#include <cstdio>

#include "core/json_parse.h"
#include "translate/openai_gemini.h"

namespace igw::gemini {

namespace {

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isCont(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// Length of the valid UTF-8 sequence starting at s[0] (a byte >= 0x80), or 0 when invalid.
size_t utf8Length(const unsigned char* s, size_t avail) {
  unsigned char c = s[0];
  if (c >= 0xC2 && c <= 0xDF) return avail >= 2 && isCont(s[1]) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3 || !isCont(s[1]) || !isCont(s[2])) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;  // overlong
    if (c == 0xED && s[1] > 0x9F) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4 || !isCont(s[1]) || !isCont(s[2]) || !isCont(s[3])) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && s[1] > 0x8F) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

// The type a value starting with `c` must have (numbers are checked by skipNumber).
JsonType typeAt(char c) {
  switch (c) {
    case '{':
      return JsonType::kObject;
    case '[':
      return JsonType::kArray;
    case '"':
      return JsonType::kString;
    case 't':
      return JsonType::kTrue;
    case 'f':
      return JsonType::kFalse;
    case 'n':
      return JsonType::kNull;
    default:
      return JsonType::kNumber;
  }
}

unsigned hex4(std::string_view s, size_t pos) {
  unsigned v = 0;
  for (size_t i = 0; i < 4; ++i) {
    char c = s[pos + i];
    v = v * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

}  // namespace

bool JsonView::parse(std::string_view text) {
  text_ = text;
  pos_ = 0;
  too_deep_ = false;
  nodes_.clear();
  if (text.size() >= npos) return false;
  skipWs();
  if (parseValue(0, 0, 0) == npos) return false;
  skipWs();
  return pos_ == text_.size();
}

std::string_view JsonView::raw(uint32_t n) const {
  return text_.substr(nodes_[n].begin, nodes_[n].end - nodes_[n].begin);
}

std::string_view JsonView::inner(uint32_t n) const {
  if (!is(n, JsonType::kString)) return {};
  return text_.substr(nodes_[n].begin + 1, nodes_[n].end - nodes_[n].begin - 2);
}

uint32_t JsonView::first(uint32_t n) const {
  return n != npos && nodes_[n].has_children ? n + 1 : npos;
}

uint32_t JsonView::find(uint32_t obj, std::string_view key) const {
  if (!is(obj, JsonType::kObject)) return npos;
  // Keys are compared in their raw (escaped) form: Google never escapes the keys we look for.
  for (uint32_t c = first(obj); c != npos; c = nodes_[c].next) {
    const Node& m = nodes_[c];
    if (text_.substr(m.key_begin, m.key_len) == key) return c;
  }
  return npos;
}

int64_t JsonView::integer(uint32_t n, int64_t fallback) const {
  if (!is(n, JsonType::kNumber)) return fallback;
  std::string_view r = raw(n);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(r.data(), r.data() + r.size(), v);
  return ec == std::errc() && ptr == r.data() + r.size() ? v : fallback;
}

void JsonView::skipWs() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
    ++pos_;
  }
}

uint32_t JsonView::parseValue(uint32_t key_begin, uint32_t key_len, int depth) {
  if (pos_ >= text_.size()) return npos;
  auto idx = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(
      {static_cast<uint32_t>(pos_), 0, key_begin, key_len, npos, JsonType::kNull, false});
  JsonType type = typeAt(text_[pos_]);
  bool ok;
  switch (type) {
    case JsonType::kObject:
      ok = parseContainer(idx, depth, '}');
      break;
    case JsonType::kArray:
      ok = parseContainer(idx, depth, ']');
      break;
    case JsonType::kString:
      ok = skipString();
      break;
    case JsonType::kTrue:
      ok = skipLiteral("true");
      break;
    case JsonType::kFalse:
      ok = skipLiteral("false");
      break;
    case JsonType::kNull:
      ok = skipLiteral("null");
      break;
    default:
      ok = skipNumber();
  }
  if (!ok) return npos;
  nodes_[idx].type = type;
  nodes_[idx].end = static_cast<uint32_t>(pos_);
  return idx;
}

bool JsonView::parseContainer(uint32_t idx, int depth, char close) {
  // `depth` is 0 for the outermost container; the recursion is bounded by the shared limit.
  if (depth >= static_cast<int>(jsonLimits().max_depth)) {
    too_deep_ = true;
    return false;
  }
  ++pos_;
  skipWs();
  if (pos_ < text_.size() && text_[pos_] == close) {
    ++pos_;
    return true;
  }
  uint32_t prev = npos;
  for (;;) {
    uint32_t key_begin = 0, key_len = 0;
    if (close == '}') {
      if (pos_ >= text_.size() || text_[pos_] != '"') return false;
      key_begin = static_cast<uint32_t>(pos_ + 1);
      if (!skipString()) return false;
      key_len = static_cast<uint32_t>(pos_ - 1 - key_begin);
      skipWs();
      if (pos_ >= text_.size() || text_[pos_] != ':') return false;
      ++pos_;
      skipWs();
    }
    uint32_t child = parseValue(key_begin, key_len, depth + 1);
    if (child == npos) return false;
    if (prev == npos) {
      nodes_[idx].has_children = true;
    } else {
      nodes_[prev].next = child;
    }
    prev = child;
    skipWs();
    if (pos_ >= text_.size()) return false;
    char c = text_[pos_++];
    if (c == close) return true;
    if (c != ',') return false;
    skipWs();
  }
}

bool JsonView::skipString() {
  ++pos_;  // opening quote
  const size_t n = text_.size();
  while (pos_ < n) {
    auto c = static_cast<unsigned char>(text_[pos_]);
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (c < 0x20) return false;
    if (c >= 0x80) {
      size_t len =
          utf8Length(reinterpret_cast<const unsigned char*>(text_.data()) + pos_, n - pos_);
      if (len == 0) return false;
      pos_ += len;
      continue;
    }
    if (c != '\\') {
      ++pos_;
      continue;
    }
    if (++pos_ >= n) return false;
    char e = text_[pos_];
    if (e != 'u') {
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
          e != 't') {
        return false;
      }
      ++pos_;
      continue;
    }
    if (pos_ + 5 > n || !isHex(text_[pos_ + 1]) || !isHex(text_[pos_ + 2]) ||
        !isHex(text_[pos_ + 3]) || !isHex(text_[pos_ + 4])) {
      return false;
    }
    unsigned cp = hex4(text_, pos_ + 1);
    pos_ += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // low surrogate without a high one
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // A high surrogate must be followed by an escaped low surrogate.
      if (pos_ + 6 > n || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') return false;
      for (size_t i = 2; i < 6; ++i) {
        if (!isHex(text_[pos_ + i])) return false;
      }
      unsigned lo = hex4(text_, pos_ + 2);
      if (lo < 0xDC00 || lo > 0xDFFF) return false;
      pos_ += 6;
    }
  }
  return false;
}

bool JsonView::skipNumber() {
  const size_t n = text_.size();
  if (pos_ < n && text_[pos_] == '-') ++pos_;
  if (pos_ >= n || !isDigit(text_[pos_])) return false;
  if (text_[pos_] == '0') {
    ++pos_;
  } else {
    while (pos_ < n && isDigit(text_[pos_])) ++pos_;
  }
  if (pos_ < n && text_[pos_] == '.') {
    ++pos_;
    if (pos_ >= n || !isDigit(text_[pos_])) return false;
    while (pos_ < n && isDigit(text_[pos_])) ++pos_;
  }
  if (pos_ < n && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < n && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    if (pos_ >= n || !isDigit(text_[pos_])) return false;
    while (pos_ < n && isDigit(text_[pos_])) ++pos_;
  }
  return true;
}

bool JsonView::skipLiteral(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) return false;
  pos_ += word.size();
  return true;
}

void appendMinified(std::string& out, std::string_view raw_json) {
  bool in_string = false;
  for (size_t i = 0; i < raw_json.size(); ++i) {
    char c = raw_json[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < raw_json.size()) {
        out.push_back(raw_json[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '"') in_string = true;
    out.push_back(c);
  }
}

std::string makeToolCallId(std::string_view name, std::string_view args, int index) {
  // FNV-1a 64: deterministic across runs and processes (std::hash is not guaranteed to be).
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(name);
  mix(std::string_view("\0", 1));
  mix(args);
  char idx[16];
  auto [end, ec] = std::to_chars(idx, idx + sizeof idx, index);
  mix(std::string_view(idx, static_cast<size_t>(end - idx)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "call_%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace igw::gemini
