// The Cohere v2 ChatAdapter: a stateless facade over the request, response and stream
// translators in the other cohere_*.cpp files.
#include "translate/openai_cohere.h"

namespace igw {

namespace {

class CohereAdapter final : public ChatAdapter {
 public:
  Result<NativeRequest> buildRequest(const nlohmann::json& openai_request,
                                     bool stream) const override {
    return cohere::buildRequest(openai_request, stream);
  }

  Result<std::string> translateResponse(std::string_view native_body,
                                        const TranslateContext& ctx) const override {
    return cohere::translateResponse(native_body, ctx);
  }

  std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx) const override {
    return cohere::newStream(ctx);
  }

  ProviderError translateError(int http_status, std::string_view native_body) const override {
    return cohere::translateError(http_status, native_body);
  }
};

}  // namespace

std::unique_ptr<ChatAdapter> makeCohereAdapter() {
  return std::make_unique<CohereAdapter>();
}

}  // namespace igw
