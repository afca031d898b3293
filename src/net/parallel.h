// Runs several coroutines concurrently on the current executor and waits for all of them.
// (Boost 1.74 has no awaitable operators; this is the small piece we need of them.)
#pragma once

#include <functional>
#include <vector>

#include "net/asio.h"

namespace igw {

using Task = std::function<net::awaitable<void>()>;

// Each task must handle its own errors; all have finished when this returns.
net::awaitable<void> runConcurrently(std::vector<Task> tasks);

}  // namespace igw
