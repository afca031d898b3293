#include "api/media_body.h"

#include "core/utf8.h"
#include "http/multipart.h"

namespace igw {

namespace {

bool hasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

Result<ChatBodyInfo> inspectMultipartBody(std::string_view content_type, std::string_view body) {
  auto boundary = multipartBoundary(content_type);
  if (!boundary) return boundary.status();
  auto parts = parseMultipart(body, *boundary);
  if (!parts) return parts.status();
  ChatBodyInfo info;
  bool have_model = false;
  bool have_stream = false;
  for (const MultipartPart& p : *parts) {
    std::string_view value = body.substr(p.data_begin, p.data_end - p.data_begin);
    if (p.name == "model") {
      if (have_model) return invalidArgument("the form field 'model' is given twice: send it once");
      if (p.has_filename) return invalidArgument("the form field 'model' must be text, not a file");
      if (!isValidUtf8(value) || hasControl(value)) {
        return invalidArgument(
            "the form field 'model' must be UTF-8 text without control characters");
      }
      have_model = true;
      info.model = std::string(value);
      info.model_begin = p.data_begin;
      info.model_end = p.data_end;
    } else if (p.name == "stream") {
      if (have_stream)
        return invalidArgument("the form field 'stream' is given twice: send it once");
      have_stream = true;
      if (value == "true") {
        info.stream = true;
      } else if (value != "false" || p.has_filename) {
        return invalidArgument("the form field 'stream' must be true or false");
      }
    }
  }
  if (!have_model || info.model.empty()) {
    return invalidArgument(
        "missing required form field 'model' (e.g. model=openai/whisper-1, or a bare model name "
        "with ?provider=)");
  }
  return info;
}

Result<std::string> rewriteMultipartModel(std::string_view body, const ChatBodyInfo& info,
                                          std::string_view upstream_model) {
  for (char c : upstream_model) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return invalidArgument("the upstream model name holds a line break or NUL");
    }
  }
  std::string out;
  out.reserve(body.size() - (info.model_end - info.model_begin) + upstream_model.size());
  out.append(body.substr(0, info.model_begin));
  out.append(upstream_model);
  out.append(body.substr(info.model_end));
  return out;
}

}  // namespace igw
