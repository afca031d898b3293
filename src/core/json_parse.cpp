#include "core/json_parse.h"

#include <cstring>

namespace igw {

namespace {

using json = nlohmann::json;

JsonLimits g_limits;

// The DOM builder nlohmann::json::parse uses, with a depth counter in front: the parse stops at
// the first container beyond the limit, so no DOM deeper than the limit is ever built.
class BoundedDomSax {
 public:
  BoundedDomSax(json& root, unsigned max_depth) : dom_(root, false), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool key(json::string_t& v) { return dom_.key(v); }
  bool start_object(std::size_t n) { return enter() && dom_.start_object(n); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) { return enter() && dom_.start_array(n); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& ex) {
    offset_ = position;
    invalid_ = true;
    return dom_.parse_error(position, token, ex);
  }

  bool tooDeep() const { return too_deep_; }
  bool invalid() const { return invalid_; }
  size_t offset() const { return offset_; }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  unsigned max_depth_;
  unsigned depth_ = 0;
  bool too_deep_ = false;
  bool invalid_ = false;
  size_t offset_ = 0;
};

}  // namespace

void setJsonLimits(const JsonLimits& limits) {
  g_limits = limits;
}

const JsonLimits& jsonLimits() {
  return g_limits;
}

ParsedJson parseJson(std::string_view text) {
  return parseJson(text, g_limits);
}

ParsedJson parseJson(std::string_view text, const JsonLimits& limits) {
  ParsedJson out;
  out.max_depth = limits.max_depth;
  out.max_bytes = limits.max_bytes;
  if (text.size() > limits.max_bytes) {
    out.error = JsonError::kTooLarge;
    out.value = json(json::value_t::discarded);
    return out;
  }
  // A raw NUL is never valid JSON (not even inside a string), but nlohmann's lexer takes it for
  // the end of the input and ignores whatever follows: "1\0<anything>" would parse as 1.
  if (const void* nul = std::memchr(text.data(), '\0', text.size()); nul != nullptr) {
    out.error = JsonError::kInvalid;
    out.offset = static_cast<size_t>(static_cast<const char*>(nul) - text.data());
    out.value = json(json::value_t::discarded);
    return out;
  }
  BoundedDomSax sax(out.value, limits.max_depth);
  bool ok = false;
  try {
    ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json,
                         /*strict=*/true, /*ignore_comments=*/false);
  } catch (const json::exception&) {  // not expected with allow_exceptions=false; never escapes
    ok = false;
  }
  if (ok && !sax.tooDeep() && !sax.invalid()) return out;
  out.error = sax.tooDeep() ? JsonError::kTooDeep : JsonError::kInvalid;
  out.offset = sax.offset();
  out.value = json(json::value_t::discarded);
  return out;
}

json parseJsonOrDiscarded(std::string_view text) {
  return std::move(parseJson(text).value);
}

std::string ParsedJson::describe() const {
  switch (error) {
    case JsonError::kNone:
      return {};
    case JsonError::kTooDeep:
      return "is nested deeper than " + std::to_string(max_depth) +
             " levels (the gateway's limit, JSON_MAX_DEPTH)";
    case JsonError::kTooLarge:
      return "is larger than " + std::to_string(max_bytes) +
             " bytes (the gateway's JSON size limit)";
    case JsonError::kInvalid:
      break;
  }
  return "is not valid JSON (error at byte " + std::to_string(offset) + ")";
}

Status jsonStatus(const ParsedJson& parsed, Code code, std::string_view what) {
  return {code, std::string(what) + " " + parsed.describe()};
}

}  // namespace igw
