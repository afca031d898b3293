// The one TLS policy of the gateway, applied to the listener's context and to the upstream
// client's: TLS 1.2 or newer, and for TLS 1.2 only ECDHE key exchange with AEAD ciphers
// (forward secrecy, no static-RSA key exchange, no CBC); TLS 1.3 keeps OpenSSL's default
// suites, which are all AEAD with ephemeral keys.
#pragma once

#include <string_view>

#include "core/status.h"

namespace boost::asio::ssl {
class context;
}

namespace igw {

// `min_version`: "TLS12" or "TLS13" (CLIENT_TLS_MIN_VERSION's values). Also disables TLS
// compression and renegotiation, and sets the usual interoperability workarounds.
Status applyTlsPolicy(boost::asio::ssl::context& ctx, std::string_view min_version = "TLS12");

}  // namespace igw
