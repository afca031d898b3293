// Base64url (RFC 4648 §5) as JOSE uses it: the URL-safe alphabet and NO padding. Decoding is
// strict, so every byte string has exactly one accepted encoding: '=' padding, whitespace, the
// standard alphabet's '+' and '/', a length of 4k+1, and non-zero unused trailing bits are all
// refused (RFC 7515 §2 and Appendix C: JWS segments and JWK members are unpadded).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace igw {

// Appends the bytes `in` encodes to `out` (which it does not clear). Returns false, leaving `out`
// in an unspecified state, when `in` is not canonical unpadded base64url.
bool base64UrlDecodeTo(std::string_view in, std::string& out);

// The decoded bytes, or nullopt when `in` is not canonical unpadded base64url.
inline std::optional<std::string> base64UrlDecode(std::string_view in) {
  std::string out;
  if (!base64UrlDecodeTo(in, out)) return std::nullopt;
  return out;
}

// Unpadded base64url of `bytes`.
std::string base64UrlEncode(std::string_view bytes);

}  // namespace igw
