#include "mcp/transport.h"

#include "net/upstream.h"

namespace igw::mcp {

void Exchange::abandon() {
  abandoned = true;
  if (response) response->abort();
}

}  // namespace igw::mcp
