// The connection's request reader (http/request_reader.h: Beast's parser writing into a Request
// reused from one request to the next) against Beast's own request_parser<string_body> on the
// same bytes, arriving in the same pieces: both accept or both refuse each pipelined request,
// and an accepted one has the same method, target, version, headers (in order), body and
// keep-alive (trailer fields of a chunked body are not headers: the reader drops them; and it
// keeps fields in wire order where Beast groups same-name fields together). Input: the
// first byte sets the piece size (0 = all at once), the rest is what a client sends on one
// connection.
#include <algorithm>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_reader.h"

namespace {

namespace http = boost::beast::http;
using boost::system::error_code;

constexpr size_t kHeaderLimit = 2048;
constexpr uint64_t kBodyLimit = 8192;
constexpr size_t kReadSize = 512;

// One connection's bytes, handed out a piece at a time like socket reads.
struct Wire {
  std::string_view rest;
  size_t piece;
  // Appends the next piece to `buf`; false at the end of the input (the client closed).
  bool read(boost::beast::flat_buffer& buf) {
    if (rest.empty()) return false;
    size_t room = std::min(kReadSize, buf.max_size() - buf.size());
    size_t n = std::min({rest.size(), piece == 0 ? rest.size() : piece, room});
    auto dst = buf.prepare(n);
    std::memcpy(dst.data(), rest.data(), n);
    buf.commit(n);
    rest.remove_prefix(n);
    return true;
  }
};

// The server's read loop (net/server.cpp) for one request: the header, then (after
// `after_header`) the body.
template <class AfterHeader>
error_code readOne(http::basic_parser<true>& parser, boost::beast::flat_buffer& buf, Wire& wire,
                   AfterHeader&& after_header) {
  error_code ec;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  for (bool header_only : {true, false}) {
    parser.eager(!header_only);
    while (!(header_only ? parser.is_header_done() : parser.is_done()) &&
           igw::parseBuffered(parser, buf, header_only, ec) == igw::Parsed::kNeedMore) {
      if (buf.size() >= buf.max_size()) return http::error::buffer_overflow;
      bool got = wire.read(buf);
      igw::readEnded(parser, ec, !got);
      if (ec) return ec;
    }
    if (ec) return ec;
    if (header_only) after_header();
  }
  return ec;
}

[[noreturn]] void mismatch(const char* what) {
  std::fprintf(stderr, "request reader differs from Beast: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  Wire mine_wire{bytes, static_cast<size_t>(data[0] % 17)};
  Wire ref_wire = mine_wire;
  boost::beast::flat_buffer mine_buf(kHeaderLimit + kReadSize);
  boost::beast::flat_buffer ref_buf(kHeaderLimit + kReadSize);
  igw::Request req;  // reused across the connection's requests, as the server does
  for (int i = 0; i < 4; ++i) {
    igw::RequestParser mine(req);
    http::request_parser<http::string_body> ref;
    std::vector<std::pair<std::string, std::string>> ref_headers;  // before any trailer
    error_code mine_ec = readOne(mine, mine_buf, mine_wire, [] {});
    error_code ref_ec = readOne(ref, ref_buf, ref_wire, [&] {
      for (const auto& f : ref.get()) ref_headers.emplace_back(f.name_string(), f.value());
    });
    if (static_cast<bool>(mine_ec) != static_cast<bool>(ref_ec)) mismatch("accepted by one only");
    if (mine_ec) {
      if (mine_ec != ref_ec) mismatch("different errors");
      return 0;
    }
    const auto& m = ref.get();
    if (req.method != m.method_string()) mismatch("method");
    if (req.target != m.target()) mismatch("target");
    if (mine.version() != static_cast<int>(m.version())) mismatch("version");
    if (mine.method() != m.method()) mismatch("verb");
    if (req.body != m.body()) mismatch("body");
    if (mine.keep_alive() != ref.keep_alive()) mismatch("keep-alive");
    if (req.headers.size() != ref_headers.size()) mismatch("header count");
    // Beast's order: fields grouped by name, groups in order of first appearance.
    std::vector<const igw::Header*> grouped;
    for (size_t a = 0; a < req.headers.size(); ++a) {
      bool seen = false;
      for (size_t b = 0; b < a && !seen; ++b)
        seen = igw::iequals(req.headers[b].name, req.headers[a].name);
      if (seen) continue;
      for (size_t b = a; b < req.headers.size(); ++b) {
        if (igw::iequals(req.headers[b].name, req.headers[a].name))
          grouped.push_back(&req.headers[b]);
      }
    }
    for (size_t n = 0; n < ref_headers.size(); ++n) {
      if (grouped[n]->name != ref_headers[n].first || grouped[n]->value != ref_headers[n].second) {
        mismatch("header");
      }
    }
    if (mine_buf.size() != ref_buf.size()) mismatch("bytes left after the request");
    if (!mine.keep_alive()) return 0;
  }
  return 0;
}
