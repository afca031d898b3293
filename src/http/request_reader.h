// Reading a client's request from the connection's buffer: Beast's request parser writing
// straight into a Request that the connection keeps from one request to the next. Field strings
// are assigned over the previous request's, so a keep-alive connection parses a request without
// allocating (Beast's own message type allocates one node per header, and was then copied into
// a Request). Syntax, limits and framing are Beast's basic_parser, unchanged. Used by
// net/server.cpp; header-only so that fuzz/request_reader_fuzz.cpp can compare it with Beast's
// own request_parser.
#pragma once

#include <utility>  // before any Boost.Asio header (asio issue 944)

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/optional.hpp>
#include <cstdint>

#include "http/message.h"

namespace igw {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;
  using verb = boost::beast::http::verb;

  // `req` is overwritten: method, target, headers (reusing its strings) and body.
  explicit RequestParser(Request& req) : req_(req) {}

  verb method() const { return method_; }
  int version() const { return version_; }  // 10 or 11

 private:
  void on_request_impl(verb method, string_view method_str, string_view target, int version,
                       error_code&) override {
    method_ = method;
    version_ = version;
    req_.method.assign(method_str.data(), method_str.size());
    req_.target.assign(target.data(), target.size());
    req_.body.clear();  // a request without a body never reaches on_body_init_impl
  }
  void on_response_impl(int, string_view, int, error_code& ec) override {
    ec = boost::beast::http::error::bad_method;  // never called for a request parser
  }
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override {
    // Fields after a chunked body (trailers) are not headers (RFC 9110 section 6.5.1): a
    // client must not be able to add an Authorization or a routing header after the body.
    if (header_done_) return;
    if (fields_ < req_.headers.size()) {
      Header& h = req_.headers[fields_];
      h.name.assign(name.data(), name.size());
      h.value.assign(value.data(), value.size());
    } else {
      req_.headers.push_back({std::string(name), std::string(value)});
    }
    ++fields_;
  }
  void on_header_impl(error_code&) override {
    req_.headers.resize(fields_);
    header_done_ = true;
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    req_.body.clear();
    if (length) req_.body.reserve(static_cast<size_t>(*length));  // within body_limit
  }
  size_t on_body_impl(string_view data, error_code&) override {
    req_.body.append(data.data(), data.size());
    return data.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override {
    req_.body.append(data.data(), data.size());
    return data.size();
  }
  void on_finish_impl(error_code&) override {}

  Request& req_;
  size_t fields_ = 0;
  bool header_done_ = false;
  verb method_ = verb::unknown;
  int version_ = 11;
};

// Where the bytes of a request stand after parseBuffered().
enum class Parsed { kDone, kNeedMore, kFailed };

// Feeds what `buffer` holds to the parser, up to the end of the header (`header_only`) or of
// the message, consuming what was parsed. Synchronous: a request that arrived whole costs no
// further socket operation. kNeedMore: read more into `buffer` and call again (when the buffer
// is at its max_size, the header or a chunk line is too long: http::error::buffer_overflow).
inline Parsed parseBuffered(boost::beast::http::basic_parser<true>& parser,
                            boost::beast::flat_buffer& buffer, bool header_only,
                            boost::system::error_code& ec) {
  ec = {};
  auto done = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  while (buffer.size() != 0) {
    size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == boost::beast::http::error::need_more) {
      ec = {};
      return Parsed::kNeedMore;
    }
    if (ec) return Parsed::kFailed;
    if (done()) return Parsed::kDone;
  }
  return done() ? Parsed::kDone : Parsed::kNeedMore;
}

// After a read for `parser` ended in `ec`: the error to report, as Beast's read does (a close
// after part of a request is a partial message, a close before any of it end of stream).
inline void readEnded(boost::beast::http::basic_parser<true>& parser, boost::system::error_code& ec,
                      bool eof) {
  if (!eof) return;
  if (!parser.got_some()) {
    ec = boost::beast::http::error::end_of_stream;
    return;
  }
  ec = {};
  parser.put_eof(ec);
  if (!ec && !parser.is_done()) ec = boost::beast::http::error::partial_message;
}

}  // namespace igw
