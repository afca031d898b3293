// Go-style duration strings ("300ms", "30s", "2m", "1h30m", "1.5s") <-> std::chrono.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

using Millis = std::chrono::milliseconds;

// Parses a Go time.ParseDuration-style string. A bare integer is taken as seconds, which is
// what most operators mean when they write SERVER_READ_TIMEOUT=30.
Result<Millis> parseDuration(std::string_view text);

// Formats a duration the way Go prints it for common values: "30s", "2m0s", "500ms".
std::string formatDuration(Millis d);

}  // namespace igw
