#include "cli/stream_decoder.h"

#include <nlohmann/json.hpp>

#include "core/json_parse.h"

namespace igw::cli {

namespace {

using nlohmann::json;

std::string str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void StreamDecoder::feed(std::string_view bytes) {
  Status s = parser_.feed(bytes, [this](const SseEvent& e) {
    if (e.has_data) onData(e.data);
  });
  if (!s && turn_.error.empty()) turn_.error = s.message();
}

void StreamDecoder::finish() {
  parser_.finish([this](const SseEvent& e) {
    if (e.has_data) onData(e.data);
  });
}

void StreamDecoder::onData(std::string_view data) {
  if (data == "[DONE]") {
    turn_.done = true;
    return;
  }
  json chunk = parseJsonOrDiscarded(data);
  if (!chunk.is_object()) return;
  if (auto err = chunk.find("error"); err != chunk.end()) {
    std::string msg = err->is_object() ? str(*err, "message") : std::string();
    turn_.error = msg.empty() ? std::string("the stream ended with an error") : msg;
    return;
  }
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return;
  const json& choice = (*choices)[0];
  if (!choice.is_object()) return;
  if (std::string fr = str(choice, "finish_reason"); !fr.empty()) turn_.finish_reason = fr;
  auto delta = choice.find("delta");
  if (delta == choice.end() || !delta->is_object()) return;
  if (std::string text = str(*delta, "content"); !text.empty()) {
    turn_.text += text;
    on_text_(text);
  }
  auto calls = delta->find("tool_calls");
  if (calls == delta->end() || !calls->is_array()) return;
  for (const auto& c : *calls) {
    if (!c.is_object()) continue;
    size_t index = turn_.tool_calls.size();
    if (auto i = c.find("index"); i != c.end() && i->is_number_unsigned()) {
      index = i->get<size_t>();
    }
    if (index > 128) continue;
    if (turn_.tool_calls.size() <= index) turn_.tool_calls.resize(index + 1);
    ToolCall& tc = turn_.tool_calls[index];
    if (std::string id = str(c, "id"); !id.empty()) tc.id = id;
    if (auto fn = c.find("function"); fn != c.end() && fn->is_object()) {
      tc.name += str(*fn, "name");
      tc.arguments += str(*fn, "arguments");
    }
  }
}

}  // namespace igw::cli
