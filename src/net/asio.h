// The one place Boost.Asio is included for coroutine signatures. <utility> must come first with
// Boost 1.74 in C++20 mode (asio issue 944). Full Asio/Beast is included only by net/*.cpp.
#pragma once

#include <utility>

#include <boost/asio/awaitable.hpp>

namespace igw::net {
template <class T>
using awaitable = boost::asio::awaitable<T>;
}  // namespace igw::net
