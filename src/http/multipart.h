// A strict multipart/form-data parser (RFC 7578 over RFC 2046's multipart syntax) for the media
// routes that take uploads (/v1/images/edits, /v1/images/variations, /v1/audio/transcriptions,
// /v1/audio/translations). It does not copy: every part is a span of the body, so the gateway
// can read a few text fields (model, stream) and forward everything else byte for byte.
//
// Strict where RFC 2046 leaves room: every part must carry Content-Disposition: form-data with a
// name; header lines end in CRLF and are not folded; the close delimiter must be there. A
// preamble before the first delimiter and an epilogue after the close one are allowed (RFC 2046
// says to ignore them). Limits on part count and per-part header size; the whole body is
// bounded by SERVER_MAX_REQUEST_BODY_SIZE before it gets here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace igw {

struct MultipartLimits {
  size_t max_parts = 256;           // OpenAI's edits take up to 16 images plus a few fields
  size_t max_header_bytes = 16384;  // one part's header block
  size_t max_headers = 16;          // header lines per part
};

struct MultipartPart {
  std::string name;           // Content-Disposition name, decoded
  bool has_filename = false;  // a file (filename= present, possibly empty)
  std::string filename;       // decoded
  std::string content_type;   // the part's Content-Type, empty when absent
  size_t data_begin = 0;      // the part's content: body[data_begin, data_end)
  size_t data_end = 0;
};

// The boundary parameter of a multipart/form-data Content-Type (quoted or not). 400 naming what
// is wrong: another media type, no boundary, a boundary RFC 2046 does not allow (1-70
// characters of its set, not ending in a space).
Result<std::string> multipartBoundary(std::string_view content_type);

// The parts of `body`, in order. 400 with a message saying what is malformed (missing
// delimiter, a part without Content-Disposition or name, header lines without CRLF, too many
// parts, a header block over the limit, no close delimiter).
Result<std::vector<MultipartPart>> parseMultipart(std::string_view body, std::string_view boundary,
                                                  const MultipartLimits& limits = {});

}  // namespace igw
