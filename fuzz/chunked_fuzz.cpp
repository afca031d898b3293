// Chunked decoding: never crashes, and the decoded body does not depend on how input is split.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/chunked.h"

namespace {

bool decode(std::string_view in, size_t piece, std::string& out, bool& done) {
  igw::ChunkedDecoder d;
  for (size_t i = 0; i < in.size() && !d.done(); i += piece) {
    auto n = d.decode(in.substr(i, piece), out);
    if (!n) return false;
    if (*n > piece) std::abort();
  }
  done = d.done();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = (data[0] % 9) + 1;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string a, b;
  bool done_a = false, done_b = false;
  bool ok_a = decode(in, in.size() + 1, a, done_a);
  bool ok_b = decode(in, piece, b, done_b);
  if (ok_a != ok_b) std::abort();
  if (ok_a && (a != b || done_a != done_b)) std::abort();
  return 0;
}
