// Incremental Server-Sent Events parser (WHATWG event-stream grammar): accepts bytes as they
// arrive, in any split, with \n, \r\n or \r line endings, and hands out each complete event
// together with its exact raw bytes so a relay can forward events whole and unchanged.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace igw {

struct SseEvent {
  std::string_view raw;    // every byte of the event, its terminating blank line included
  std::string_view event;  // "event:" field, empty when absent
  std::string_view data;   // "data:" lines joined with '\n'
  bool has_data = false;   // false for comment-only blocks (e.g. ": keep-alive")
};

class SseParser {
 public:
  explicit SseParser(size_t max_event_bytes = 8 << 20) : max_event_bytes_(max_event_bytes) {}

  // Feeds bytes; calls on_event(const SseEvent&) for every event completed by them. The views
  // are valid only during the call. Fails when one event grows beyond max_event_bytes.
  template <class OnEvent>
  Status feed(std::string_view bytes, OnEvent&& on_event) {
    buf_.append(bytes.data(), bytes.size());
    while (nextEvent()) on_event(current_);
    compact();
    if (buf_.size() > max_event_bytes_) {
      return unavailable("upstream sent an event larger than " + std::to_string(max_event_bytes_) +
                         " bytes");
    }
    return Status::ok();
  }

  // At end of stream: a final event not followed by a blank line is still dispatched when it
  // carries data (lenient, like browsers do for a trailing line). Returns true if emitted.
  template <class OnEvent>
  bool finish(OnEvent&& on_event) {
    if (finishEvent()) {
      on_event(current_);
      buf_.clear();
      event_start_ = line_start_ = scan_pos_ = 0;
      return true;
    }
    return false;
  }

  size_t bufferedBytes() const { return buf_.size() - event_start_; }

 private:
  bool nextEvent();
  size_t findLineEnd(size_t from) const;
  bool finishEvent();
  void processLine(std::string_view line);
  void resetFields();
  void compact();

  size_t max_event_bytes_;
  std::string buf_;
  size_t event_start_ = 0;  // first byte of the event being assembled
  size_t line_start_ = 0;   // first byte of the next unprocessed line
  size_t scan_pos_ = 0;     // bytes before this hold no line terminator of the current line
  std::string data_;
  std::string event_;
  bool has_data_ = false;
  bool reset_pending_ = false;  // fields belong to the event just handed out
  SseEvent current_;
};

// Appends "data: <payload>\n\n" (payload must not contain newlines, which JSON never does).
void appendSseData(std::string& out, std::string_view payload);

}  // namespace igw
