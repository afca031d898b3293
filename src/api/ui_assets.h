// The web UI's files, embedded at build time (cmake/embed_ui.cmake generates the definition
// from src/ui): path relative to /ui/, content type, ETag and bytes.
#pragma once

#include <span>
#include <string_view>

namespace igw {

struct UiAsset {
  std::string_view path;  // "index.html", "js/app.js"
  std::string_view content_type;
  std::string_view etag;  // quoted, from the file's SHA-256
  std::string_view body;
};

std::span<const UiAsset> uiAssets();

}  // namespace igw
