// OpenID Connect Discovery 1.0: the provider metadata document served at
// <issuer>/.well-known/openid-configuration. Pure: the caller fetches it, then the JWKS at
// jwks_uri (parseJwks).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace igw {

struct OidcDiscovery {
  std::string issuer;    // equals the expected issuer exactly
  std::string jwks_uri;  // an absolute http:// or https:// URL (net/url.h parseUrl accepts it)
  std::vector<std::string> id_token_signing_alg_values_supported;  // empty when absent
  std::string authorization_endpoint;                              // empty when absent
  std::string token_endpoint;                                      // empty when absent
};

struct OidcDiscoveryLimits {
  size_t max_bytes = 256 * 1024;
  unsigned max_depth = 16;
  size_t max_algs = 64;  // entries kept from id_token_signing_alg_values_supported
};

// Parses a discovery document. "issuer" must be a string equal to `expected_issuer` exactly
// (OIDC Discovery §4.3: no trailing-slash or case leniency; it stops a document served for one
// issuer from being accepted for another); "jwks_uri" a string that parses as an http(s) URL.
// The optional members, when present, must be strings (an array of strings for the algs).
// Errors are Code::kUnavailable, e.g. "OIDC discovery issuer mismatch".
Result<OidcDiscovery> parseDiscovery(std::string_view json, std::string_view expected_issuer,
                                     const OidcDiscoveryLimits& limits);
inline Result<OidcDiscovery> parseDiscovery(std::string_view json,
                                            std::string_view expected_issuer) {
  return parseDiscovery(json, expected_issuer, OidcDiscoveryLimits{});
}

}  // namespace igw
