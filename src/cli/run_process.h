// Runs a program without a shell (argv as given, PATH searched), stdin from /dev/null, and
// collects stdout and stderr together, bounded in size and time.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"

namespace igw::cli {

struct ProcessResult {
  int exit_code = -1;  // -1: killed (timeout or signal)
  std::string output;  // stdout and stderr interleaved, cut at max_output bytes
  bool truncated = false;
  bool timed_out = false;
};

Result<ProcessResult> runProcess(const std::vector<std::string>& argv, size_t max_output,
                                 std::chrono::milliseconds timeout);

// Splits a command line on whitespace; '…' and "…" group words (no other shell syntax).
Result<std::vector<std::string>> splitCommand(const std::string& line);

}  // namespace igw::cli
