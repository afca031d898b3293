// Transport-neutral HTTP request as handlers see it. Header names are kept as received;
// lookups are case-insensitive.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace igw {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

bool iequals(std::string_view a, std::string_view b);

// Value of the first header named `name`, or nullptr.
const std::string* findHeader(const Headers& headers, std::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: "/v1/models?provider=openai"
  Headers headers;
  std::string body;

  std::string_view path() const;   // target before '?'
  std::string_view query() const;  // target after '?', empty when none
  const std::string* header(std::string_view name) const { return findHeader(headers, name); }
  // Decoded value of a query parameter, empty when absent.
  std::string queryParam(std::string_view key) const;
};

}  // namespace igw
