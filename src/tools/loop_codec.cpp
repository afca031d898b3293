#include "tools/loop_codec.h"

#include <nlohmann/json.hpp>

#include "core/json_fields.h"
#include "core/json_parse.h"
#include "core/saturating.h"

namespace igw::agent {

using nlohmann::json;

namespace {

const json* firstChoice(const json& doc) {
  auto it = doc.find("choices");
  if (it == doc.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return nullptr;
  return &(*it)[0];
}

// Cuts at most max bytes without splitting a UTF-8 sequence.
size_t utf8Cut(const std::string& s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// The call's extra_content object as JSON text (Gemini's thought signature lives there).
std::string extraContent(const json& call) {
  auto it = call.find("extra_content");
  return it != call.end() && it->is_object() ? safeDump(*it) : std::string();
}

}  // namespace

Reasoning Reasoning::of(const json& message) {
  Reasoning r;
  if (!message.is_object()) return r;
  if (auto t = message.find("reasoning_content"); t != message.end() && t->is_string()) {
    r.text = t->get<std::string>();
    r.has_text = true;
  }
  if (auto s = message.find("reasoning_signature"); s != message.end() && s->is_string()) {
    r.signature = s->get<std::string>();
    r.has_signature = true;
  }
  if (auto d = message.find("reasoning_redacted"); d != message.end() && d->is_array()) {
    for (const auto& blob : *d) {
      if (blob.is_string()) r.redacted.push_back(blob.get<std::string>());
    }
  }
  return r;
}

void Reasoning::writeTo(json& message) const {
  if (has_text || has_signature) message["reasoning_content"] = text;
  if (has_signature) message["reasoning_signature"] = signature;
  if (!redacted.empty()) message["reasoning_redacted"] = redacted;
}

Reasoning joinReasoning(const Reasoning& first, const Reasoning& second) {
  Reasoning r;
  r.text = first.text + second.text;
  r.has_text = first.has_text || second.has_text;
  r.redacted = first.redacted;
  r.redacted.insert(r.redacted.end(), second.redacted.begin(), second.redacted.end());
  auto alone = [](const Reasoning& other) { return other.text.empty() && !other.has_signature; };
  if (first.has_signature && alone(second)) {
    r.signature = first.signature;
    r.has_signature = true;
  } else if (second.has_signature && alone(first)) {
    r.signature = second.signature;
    r.has_signature = true;
  }
  return r;
}

void surfaceReasoning(json& response, const Reasoning& earlier) {
  if (earlier.empty() || !response.is_object()) return;
  auto choices = response.find("choices");
  if (choices == response.end() || !choices->is_array() || choices->empty()) return;
  json& choice = (*choices)[0];
  if (!choice.is_object()) return;
  auto msg = choice.find("message");
  if (msg == choice.end() || !msg->is_object()) return;
  Reasoning own = Reasoning::of(*msg);
  if (own.has_signature) return;
  msg->erase("reasoning_content");
  msg->erase("reasoning_signature");
  msg->erase("reasoning_redacted");
  joinReasoning(earlier, own).writeTo(*msg);
}

std::string safeDump(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

void UsageTotals::add(const json& usage) {
  if (!usage.is_object()) return;
  prompt = addSat(prompt, jsonf::integer(usage, "prompt_tokens"));
  completion = addSat(completion, jsonf::integer(usage, "completion_tokens"));
  total = addSat(total, jsonf::integer(usage, "total_tokens"));
  seen = true;
}

json UsageTotals::toJson() const {
  return json{
      {"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", total}};
}

std::vector<std::string> clientToolNames(const json& request) {
  std::vector<std::string> names;
  auto tools = request.find("tools");
  if (tools == request.end() || !tools->is_array()) return names;
  for (const auto& t : *tools) {
    if (!t.is_object()) continue;
    auto fn = t.find("function");
    if (fn != t.end() && fn->is_object()) {
      std::string name = jsonf::str(*fn, "name");
      if (!name.empty()) names.push_back(std::move(name));
    }
  }
  return names;
}

size_t offerTools(json& request, const std::vector<const ToolSpec*>& tools) {
  if (tools.empty()) return 0;
  std::vector<std::string> taken = clientToolNames(request);
  json& list = request["tools"];
  if (!list.is_array()) list = json::array();
  size_t added = 0;
  for (const ToolSpec* t : tools) {
    bool clash = false;
    for (const auto& n : taken) clash = clash || n == t->name;
    if (clash) continue;
    json schema = parseJsonOrDiscarded(t->parameters);
    if (!schema.is_object()) schema = json{{"type", "object"}, {"properties", json::object()}};
    json fn{{"name", t->name}, {"parameters", std::move(schema)}};
    if (!t->description.empty()) fn["description"] = t->description;
    list.push_back(json{{"type", "function"}, {"function", std::move(fn)}});
    ++added;
  }
  return added;
}

Result<Completion> readCompletion(const json& response) {
  const json* choice = firstChoice(response);
  if (choice == nullptr) return invalidArgument("the model's response has no choices");
  Completion c;
  c.finish_reason = jsonf::str(*choice, "finish_reason");
  auto msg = choice->find("message");
  if (msg == choice->end() || !msg->is_object()) return c;
  c.content = jsonf::str(*msg, "content");
  c.reasoning = Reasoning::of(*msg);
  auto calls = msg->find("tool_calls");
  if (calls == msg->end() || !calls->is_array()) return c;
  for (const auto& tc : *calls) {
    if (!tc.is_object()) continue;
    auto fn = tc.find("function");
    if (fn == tc.end() || !fn->is_object()) continue;
    ToolCall call{jsonf::str(tc, "id"), jsonf::str(*fn, "name"), jsonf::str(*fn, "arguments", "{}"),
                  extraContent(tc)};
    // Some providers send arguments as an object rather than a string.
    auto args = fn->find("arguments");
    if (args != fn->end() && args->is_object()) call.arguments = args->dump();
    c.calls.push_back(std::move(call));
  }
  return c;
}

StreamAccumulator::Action StreamAccumulator::onChunk(std::string_view data, std::string& rewritten,
                                                     UsageTotals& usage) {
  rewritten.clear();
  auto parsed = parseJson(data);
  if (parsed.overLimit()) {  // a chunk beyond the limits: the stream failed
    failed_ = true;
    return Action::kForward;
  }
  json& doc = parsed.value;
  if (!doc.is_object()) return Action::kForward;  // not ours to judge; pass it on
  if (doc.contains("error")) {
    failed_ = true;
    return Action::kForward;
  }
  chunk_id_ = jsonf::str(doc, "id", chunk_id_);
  model_ = jsonf::str(doc, "model", model_);
  if (auto c = doc.find("created"); c != doc.end() && c->is_number_integer()) {
    created_ = c->get<int64_t>();
  }
  const json* choice = firstChoice(doc);
  if (auto u = doc.find("usage"); u != doc.end() && u->is_object()) {
    usage.add(*u);
    if (choice == nullptr) return Action::kDrop;
    doc.erase("usage");
    rewritten = safeDump(doc);
  }
  if (choice == nullptr) return Action::kForward;
  Action action = Action::kForward;
  bool visible = false;  // text or reasoning the client should see at once
  if (auto d = choice->find("delta"); d != choice->end() && d->is_object()) {
    if (auto c = d->find("content"); c != d->end() && c->is_string()) {
      content_ += c->get<std::string>();
      visible = !c->get_ref<const std::string&>().empty();
    }
    // Reasoning deltas are forwarded like text; the turn keeps them for its replay.
    Reasoning r = Reasoning::of(*d);
    visible = visible || !r.empty();
    if (!r.empty()) {
      Reasoning& mine = reasoning_;
      mine.text += r.text;
      mine.has_text = mine.has_text || r.has_text;
      if (r.has_signature) {  // a whole signature, not a fragment: the last one wins
        mine.signature = std::move(r.signature);
        mine.has_signature = true;
      }
      for (auto& blob : r.redacted) mine.redacted.push_back(std::move(blob));
    }
    if (auto tcs = d->find("tool_calls"); tcs != d->end() && tcs->is_array()) {
      for (const auto& tc : *tcs) {
        if (!tc.is_object()) continue;
        size_t index = calls_.size();
        if (auto i = tc.find("index"); i != tc.end() && i->is_number_unsigned()) {
          index = i->get<size_t>();
        }
        if (index > 1024) continue;  // bounded: no model makes a thousand calls at once
        if (index >= calls_.size()) calls_.resize(index + 1);
        Partial& p = calls_[index];
        if (std::string id = jsonf::str(tc, "id"); !id.empty()) p.id = id;
        if (auto fn = tc.find("function"); fn != tc.end() && fn->is_object()) {
          if (std::string n = jsonf::str(*fn, "name"); !n.empty()) p.name = n;
          p.arguments += jsonf::str(*fn, "arguments");
        }
        if (std::string extra = extraContent(tc); !extra.empty()) p.extra_content = extra;
      }
      action = Action::kHold;
    }
  }
  if (auto f = choice->find("finish_reason"); f != choice->end() && f->is_string()) {
    finish_reason_ = f->get<std::string>();
    action = Action::kHold;
  }
  if (action == Action::kHold && visible && doc["choices"].size() == 1) {
    // Text or reasoning in the same chunk as tool calls (Gemini sends them together): the
    // client sees it now, the tool calls and the finish wait with the turn's held chunks.
    json now = doc;
    json& first = now["choices"][0];
    first["delta"].erase("tool_calls");
    if (first.contains("finish_reason")) first["finish_reason"] = nullptr;
    json& later = doc["choices"][0];
    json delta = json::object();
    if (auto tcs = later["delta"].find("tool_calls"); tcs != later["delta"].end()) {
      delta["tool_calls"] = std::move(*tcs);
    }
    later["delta"] = std::move(delta);
    rewritten = safeDump(now);
    held_part_ = safeDump(doc);
    return Action::kSplit;
  }
  return action;
}

std::vector<ToolCall> StreamAccumulator::calls() const {
  std::vector<ToolCall> out;
  for (const auto& p : calls_) {
    if (p.name.empty()) continue;
    out.push_back({p.id, p.name, p.arguments.empty() ? "{}" : p.arguments, p.extra_content});
  }
  return out;
}

std::string StreamAccumulator::usageChunk(const UsageTotals& totals) const {
  json chunk{{"id", chunk_id_}, {"object", "chat.completion.chunk"}, {"created", created_},
             {"model", model_}, {"choices", json::array()},          {"usage", totals.toJson()}};
  return safeDump(chunk);
}

json assistantMessage(const std::string& content, const std::vector<ToolCall>& calls,
                      const Reasoning& reasoning) {
  json msg{{"role", "assistant"}};
  msg["content"] = content.empty() ? json(nullptr) : json(content);
  json list = json::array();
  for (const auto& c : calls) {
    json call{{"id", c.id},
              {"type", "function"},
              {"function", {{"name", c.name}, {"arguments", c.arguments}}}};
    if (!c.extra_content.empty()) {
      json extra = parseJsonOrDiscarded(c.extra_content);
      if (extra.is_object()) call["extra_content"] = std::move(extra);
    }
    list.push_back(std::move(call));
  }
  if (!list.empty()) msg["tool_calls"] = std::move(list);
  reasoning.writeTo(msg);
  return msg;
}

json toolMessage(const ToolCall& call, const ToolOutcome& outcome, uint64_t max_bytes) {
  std::string text = outcome.is_error ? "Error: " + outcome.content : outcome.content;
  if (text.size() > max_bytes) {
    size_t total = text.size();
    text.resize(utf8Cut(text, static_cast<size_t>(max_bytes)));
    text += "\n[tool result truncated: " + std::to_string(total) + " bytes, limit " +
            std::to_string(max_bytes) + "]";
  }
  return json{{"role", "tool"}, {"tool_call_id", call.id}, {"content", std::move(text)}};
}

}  // namespace igw::agent
