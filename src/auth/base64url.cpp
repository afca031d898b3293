#include "auth/base64url.h"

#include <array>
#include <cstdint>

namespace igw {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> makeTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}

constexpr std::array<int8_t, 256> kTable = makeTable();

}  // namespace

bool base64UrlDecodeTo(std::string_view in, std::string& out) {
  size_t rem = in.size() % 4;
  if (rem == 1) return false;
  out.reserve(out.size() + in.size() / 4 * 3 + (rem ? rem - 1 : 0));
  size_t full = in.size() - rem;
  auto at = [&](size_t i) { return kTable[static_cast<unsigned char>(in[i])]; };
  for (size_t i = 0; i < full; i += 4) {
    int a = at(i), b = at(i + 1), c = at(i + 2), d = at(i + 3);
    if ((a | b | c | d) < 0) return false;
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    out.push_back(static_cast<char>(v >> 16));
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
  }
  if (rem == 2) {
    int a = at(full), b = at(full + 1);
    if ((a | b) < 0 || (b & 0x0F) != 0) return false;  // 4 unused bits must be zero
    out.push_back(static_cast<char>((a << 2) | (b >> 4)));
  } else if (rem == 3) {
    int a = at(full), b = at(full + 1), c = at(full + 2);
    if ((a | b | c) < 0 || (c & 0x03) != 0) return false;  // 2 unused bits must be zero
    uint32_t v = (uint32_t(a) << 12) | (uint32_t(b) << 6) | uint32_t(c);
    out.push_back(static_cast<char>(v >> 10));
    out.push_back(static_cast<char>(v >> 2));
  }
  return true;
}

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rem = bytes.size() - i;
  if (rem == 1) {
    uint32_t v = byte(i) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rem == 2) {
    uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

}  // namespace igw
