#pragma once

namespace igw {
#ifndef IGW_VERSION
#define IGW_VERSION "0.1.0-dev"
#endif
constexpr const char* kVersion = IGW_VERSION;
}  // namespace igw
