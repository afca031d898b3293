// RFC 9112 checks on a client's request head, made before its body is read: message framing
// (Transfer-Encoding / Content-Length), Host, Expect and the request-target form. Kept apart
// from the socket code so it can be unit-tested and fuzzed; the HTTP parser (Beast) has
// already rejected syntax errors, differing Content-Length values and Transfer-Encoding after
// Content-Length by the time this runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"

namespace igw {

struct RequestHeadError {
  int status;           // 400, 417, 501 or 505; the connection is closed after the answer
  std::string message;  // says what to fix
};

struct RequestHead {
  int version = 11;  // 10 or 11
  std::string_view method;
  std::string target;  // rewritten to origin-form when it arrived in absolute-form
  const Headers* headers = nullptr;
};

// Checks `head` and rewrites an absolute-form target ("http://host/p?q") to origin-form
// ("/p?q"). Returns the error to answer with, or nothing when the request may be served.
std::optional<RequestHeadError> checkRequestHead(RequestHead& head);

}  // namespace igw
