// Proxy path and URL parsing: an accepted path never holds a dot segment once decoded, and
// appending it to a base URL never changes the URL's host.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/path.h"
#include "net/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)igw::parseUrl(input);
  auto path = igw::sanitizeProxyPath(input);
  if (!path) return 0;
  if (path->find("/../") != std::string::npos || path->find("/./") != std::string::npos) {
    std::abort();
  }
  auto url = igw::parseUrl("https://api.example.com/v1" + *path);
  if (!url || url->host != "api.example.com") std::abort();
  return 0;
}
