// The Gemini ChatAdapter: a stateless shell over the request, response and stream translators
// (gemini_request.cpp, gemini_response.cpp, gemini_stream.cpp).
#include "translate/openai_gemini.h"

namespace igw {

namespace {

class GeminiAdapter final : public ChatAdapter {
 public:
  Result<NativeRequest> buildRequest(const nlohmann::json& openai_request,
                                     bool stream) const override {
    return gemini::buildRequest(openai_request, stream);
  }

  Result<std::string> translateResponse(std::string_view native_body,
                                        const TranslateContext& ctx) const override {
    return gemini::translateResponse(native_body, ctx);
  }

  std::unique_ptr<StreamTranslator> newStream(const TranslateContext& ctx) const override {
    return gemini::newStream(ctx);
  }

  ProviderError translateError(int http_status, std::string_view native_body) const override {
    return gemini::translateError(http_status, native_body);
  }
};

}  // namespace

std::unique_ptr<ChatAdapter> makeGeminiAdapter() {
  return std::make_unique<GeminiAdapter>();
}

}  // namespace igw
