// UTF-8 decoding shared by everything that writes untrusted text back out (JSON strings, logs,
// metric labels): one definition of "well-formed" (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace igw {

// Length of the well-formed UTF-8 sequence at s[i] and its code point in `cp`; 0 when the byte
// at s[i] starts no such sequence (stray continuation byte, overlong form, cut short, ...).
size_t utf8Decode(std::string_view s, size_t i, uint32_t& cp);

bool isValidUtf8(std::string_view s);

}  // namespace igw
