#include "net/tls_policy.h"

#include <openssl/ssl.h>

#include "net/beast.h"

namespace igw {

namespace {

// Mozilla's "intermediate" TLS 1.2 list without the finite-field DHE suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

Status applyTlsPolicy(boost::asio::ssl::context& ctx, std::string_view min_version) {
  SSL_CTX* native = ctx.native_handle();
  int min = min_version == "TLS13" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(native, min) != 1) {
    return internalError("cannot set the minimum TLS version");
  }
  // SSL_OP_ALL: the interoperability workarounds asio calls default_workarounds.
  SSL_CTX_set_options(native, SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return internalError("cannot set the TLS 1.2 cipher list");
  }
  return Status::ok();
}

}  // namespace igw
