// The routing fields of a multipart/form-data media request (/v1/images/edits and /variations,
// /v1/audio/transcriptions and /translations) and the splice that forwards it with only the
// model renamed: every other byte, file contents included, goes upstream as the client sent it.
#pragma once

#include <string>
#include <string_view>

#include "api/chat_body.h"
#include "core/status.h"

namespace igw {

// Parses the body (http/multipart.h) and reads its "model" text field (required, once, valid
// UTF-8, no control characters) and "stream" ("true" or "false"). model_begin / model_end are
// the span of the model part's raw content in `body`. 400 with what to fix otherwise.
Result<ChatBodyInfo> inspectMultipartBody(std::string_view content_type, std::string_view body);

// `body` with the model part's content replaced by `upstream_model`. 400 when the name cannot
// sit in a multipart part (a CR, LF or NUL in it).
Result<std::string> rewriteMultipartModel(std::string_view body, const ChatBodyInfo& info,
                                          std::string_view upstream_model);

}  // namespace igw
