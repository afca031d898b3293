#include "auth/identity.h"

#include <cctype>

namespace igw {

namespace {

bool iequal(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// `text` == provider + "/" + model, compared against `pattern` up to `n` characters of it.
bool matches(std::string_view pattern, std::string_view provider, std::string_view model) {
  bool prefix = !pattern.empty() && pattern.back() == '*';
  if (prefix) pattern.remove_suffix(1);
  const size_t full = provider.size() + 1 + model.size();
  if (prefix ? pattern.size() > full : pattern.size() != full) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = i < provider.size()    ? provider[i]
             : i == provider.size() ? '/'
                                    : model[i - provider.size() - 1];
    if (!iequal(pattern[i], c)) return false;
  }
  return true;
}

}  // namespace

bool modelAllowed(const std::vector<std::string>& patterns, std::string_view provider,
                  std::string_view model) {
  if (patterns.empty()) return true;
  for (const auto& p : patterns) {
    if (matches(p, provider, model)) return true;
  }
  return false;
}

}  // namespace igw
