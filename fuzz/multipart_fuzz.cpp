// The multipart/form-data parser (http/multipart.h) and the model splice of the media upload
// routes (api/media_body.h). Input: "Content-Type value\n" then the body.
// Properties: never crash; parts are in order, inside the body and apart, each content
// followed by CRLF "--" boundary; every refusal is a 400; a body whose model was found, once
// renamed, parses again to the same parts with the new model, every other byte unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/media_body.h"
#include "http/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view content_type = input.substr(0, nl);
  std::string_view body = input.substr(nl + 1);

  auto boundary = igw::multipartBoundary(content_type);
  if (!boundary) {
    if (boundary.status().code() != igw::Code::kInvalidArgument) std::abort();
    return 0;
  }
  if (boundary->empty() || boundary->size() > 70) std::abort();
  igw::MultipartLimits limits;
  limits.max_parts = 32;
  limits.max_header_bytes = 256;
  auto parts = igw::parseMultipart(body, *boundary, limits);
  if (!parts) {
    if (parts.status().code() != igw::Code::kInvalidArgument) std::abort();
    return 0;
  }
  if (parts->size() > limits.max_parts) std::abort();
  const std::string delim = "\r\n--" + *boundary;
  size_t prev_end = 0;
  for (const auto& p : *parts) {
    if (p.data_begin > p.data_end || p.data_end > body.size() || p.data_begin < prev_end) {
      std::abort();
    }
    if (body.substr(p.data_end, delim.size()) != delim) std::abort();
    prev_end = p.data_end + delim.size();
  }

  auto info = igw::inspectMultipartBody(content_type, body);
  if (!info) {
    if (info.status().code() != igw::Code::kInvalidArgument) std::abort();
    return 0;
  }
  const std::string renamed = "m/" + std::to_string(size);
  auto out = igw::rewriteMultipartModel(body, *info, renamed);
  if (!out) std::abort();
  // Every byte outside the model's span is kept.
  if (std::string_view(*out).substr(0, info->model_begin) != body.substr(0, info->model_begin) ||
      std::string_view(*out).substr(info->model_begin + renamed.size()) !=
          body.substr(info->model_end)) {
    std::abort();
  }
  auto again = igw::inspectMultipartBody(content_type, *out);
  if (!again || again->model != renamed || again->stream != info->stream) std::abort();
  auto reparsed = igw::parseMultipart(*out, *boundary, limits);
  if (!reparsed || reparsed->size() != parts->size()) std::abort();
  return 0;
}
