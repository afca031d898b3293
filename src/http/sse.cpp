#include "http/sse.h"

#include <algorithm>
#include <cstring>

namespace igw {

void SseParser::resetFields() {
  data_.clear();
  event_.clear();
  has_data_ = false;
  reset_pending_ = false;
}

void SseParser::processLine(std::string_view line) {
  if (line.front() == ':') return;  // comment
  size_t colon = line.find(':');
  std::string_view name = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (name == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (name == "event") {
    event_.assign(value);
  }
  // "id" and "retry" carry nothing a relay needs; they stay in `raw`.
}

size_t SseParser::findLineEnd(size_t from) const {
  // memchr is vectorised; find_first_of with two characters is not. Most streams use "\n", so
  // the "\r" search is limited to the stretch before the first "\n".
  const char* base = buf_.data();
  size_t n = buf_.size() - from;
  const void* lf = std::memchr(base + from, '\n', n);
  size_t limit = lf ? static_cast<size_t>(static_cast<const char*>(lf) - (base + from)) : n;
  const void* cr = std::memchr(base + from, '\r', limit);
  if (cr) return static_cast<size_t>(static_cast<const char*>(cr) - base);
  if (lf) return static_cast<size_t>(static_cast<const char*>(lf) - base);
  return std::string::npos;
}

bool SseParser::nextEvent() {
  if (reset_pending_) resetFields();
  while (line_start_ < buf_.size()) {
    // Resume the search where the last feed stopped: a long line fed in small pieces must not
    // be rescanned from its start each time.
    size_t term = findLineEnd(std::max(line_start_, scan_pos_));
    if (term == std::string::npos) {
      scan_pos_ = buf_.size();
      return false;
    }
    size_t next = term + 1;
    if (buf_[term] == '\r') {
      if (term + 1 == buf_.size()) {  // might be the first half of "\r\n"
        scan_pos_ = term;
        return false;
      }
      if (buf_[term + 1] == '\n') next = term + 2;
    }
    std::string_view line(buf_.data() + line_start_, term - line_start_);
    line_start_ = next;
    if (!line.empty()) {
      processLine(line);
      continue;
    }
    // Blank line: the event is complete.
    current_.raw = std::string_view(buf_.data() + event_start_, next - event_start_);
    current_.event = event_;
    current_.data = data_;
    current_.has_data = has_data_;
    event_start_ = next;
    reset_pending_ = true;
    return true;
  }
  return false;
}

bool SseParser::finishEvent() {
  if (reset_pending_) resetFields();
  if (line_start_ < buf_.size()) {
    // A last line without terminator.
    std::string_view line(buf_.data() + line_start_, buf_.size() - line_start_);
    if (line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) processLine(line);
    line_start_ = buf_.size();
  }
  if (!has_data_) return false;
  current_.raw = std::string_view(buf_.data() + event_start_, buf_.size() - event_start_);
  current_.event = event_;
  current_.data = data_;
  current_.has_data = true;
  reset_pending_ = true;
  return true;
}

void SseParser::compact() {
  if (event_start_ == 0) return;
  buf_.erase(0, event_start_);
  line_start_ -= event_start_;
  scan_pos_ = scan_pos_ > event_start_ ? scan_pos_ - event_start_ : 0;
  event_start_ = 0;
}

void appendSseData(std::string& out, std::string_view payload) {
  out += "data: ";
  out.append(payload);
  out += "\n\n";
}

}  // namespace igw
