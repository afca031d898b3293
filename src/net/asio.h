// The one place Boost.Asio is included for coroutine signatures. <utility> must come first with
// Boost 1.74 in C++20 mode (asio issue 944). Full Asio/Beast is included only by net/*.cpp.
//
// Coroutines run on an io_context's own executor type, not on the type-erased any_io_executor:
// every co_await of an I/O operation would otherwise copy, compare and destroy a type-erased
// executor several times (about a sixth of the request path's instructions, bench/RESULTS.md).
#pragma once

#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace igw::net {
using Executor = boost::asio::io_context::executor_type;
template <class T>
using awaitable = boost::asio::awaitable<T, Executor>;
// The completion token for I/O awaited inside an igw::net::awaitable.
inline constexpr boost::asio::use_awaitable_t<Executor> useAwaitable{};
}  // namespace igw::net
