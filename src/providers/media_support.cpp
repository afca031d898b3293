#include "providers/media_support.h"

#include <array>

#include "providers/catalog.h"

namespace igw {

namespace {

struct Route {
  MediaEndpoint e;
  std::string_view client_path;
  std::string_view op;  // the path under an OpenAI-shaped base URL (".../v1")
  bool images;
  bool multipart;
};

constexpr std::array kRoutes = {
    Route{MediaEndpoint::kImageGenerations, "/v1/images/generations", "/images/generations", true,
          false},
    Route{MediaEndpoint::kImageEdits, "/v1/images/edits", "/images/edits", true, true},
    Route{MediaEndpoint::kImageVariations, "/v1/images/variations", "/images/variations", true,
          true},
    Route{MediaEndpoint::kSpeech, "/v1/audio/speech", "/audio/speech", false, false},
    Route{MediaEndpoint::kTranscriptions, "/v1/audio/transcriptions", "/audio/transcriptions",
          false, true},
    Route{MediaEndpoint::kTranslations, "/v1/audio/translations", "/audio/translations", false,
          true},
};

const Route& route(MediaEndpoint e) {
  return kRoutes[static_cast<size_t>(e)];
}

// Which endpoints a provider has, in MediaEndpoint order: 'y' has it at route().op under its
// base URL, '-' has not.
struct Support {
  std::string_view id;
  std::string_view has;  // generations edits variations speech transcriptions translations
};

// One row per catalog provider (tests/unit checks that none is missing). Sources, as of 2026-12:
//   anthropic    none (no image or audio API)
//   azure        generations and edits (gpt-image-1, dall-e-3 deployments; no dall-e-2, so no
//                variations), speech (tts), transcriptions and translations (whisper), each on
//                the deployment's URL: /openai/deployments/{d}/images/generations?api-version=
//                (Azure OpenAI data-plane reference; ProviderTable::operationUrl)
//   cloudflare   none in OpenAI's shape (Workers AI's OpenAI endpoints: chat, embeddings)
//   cohere       none
//   deepseek     none
//   google       none here: Gemini's OpenAI compatibility shows images.generate (Imagen), but
//                with the OpenAI-format key only; not offered until that is tested
//   groq         speech (/openai/v1/audio/speech, PlayAI / Orpheus TTS), transcriptions and
//                translations (Whisper) — GroqCloud speech-to-text and text-to-speech docs
//   llamacpp     none (llama-server has no image or audio routes)
//   minimax      none in OpenAI's shape (its t2a and image APIs have their own bodies)
//   mistral      transcriptions (/v1/audio/transcriptions, Voxtral; multipart with model and
//                file — Mistral audio docs); no translations, speech or images in OpenAI's shape
//   moonshot     none
//   nvidia       none in OpenAI's shape (NIM visual and speech models have their own APIs)
//   ollama       none documented in its OpenAI compatibility
//   ollama_cloud none documented
//   openai       all six (platform.openai.com/docs/api-reference/images, .../audio)
//   vllm         transcriptions and translations (its server's Transcriptions and Translations
//                APIs for Whisper-type models)
//   zai          generations (/paas/v4/images/generations, CogView: OpenAI's request and
//                {created, data:[{url}]} answer)
constexpr std::array kSupport = {
    Support{"anthropic", "------"},  Support{"azure", "yy-yyy"},
    Support{"cloudflare", "------"}, Support{"cohere", "------"},
    Support{"deepseek", "------"},   Support{"google", "------"},
    Support{"groq", "---yyy"},       Support{"llamacpp", "------"},
    Support{"minimax", "------"},    Support{"mistral", "----y-"},
    Support{"moonshot", "------"},   Support{"nvidia", "------"},
    Support{"ollama", "------"},     Support{"ollama_cloud", "------"},
    Support{"openai", "yyyyyy"},     Support{"vllm", "----yy"},
    Support{"zai", "y-----"},
};

const Support* find(std::string_view id) {
  for (const auto& s : kSupport) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

}  // namespace

std::optional<MediaEndpoint> mediaEndpointOf(std::string_view path) {
  for (const auto& r : kRoutes) {
    if (r.client_path == path) return r.e;
  }
  return std::nullopt;
}

std::string_view mediaClientPath(MediaEndpoint e) {
  return route(e).client_path;
}

bool isImages(MediaEndpoint e) {
  return route(e).images;
}

bool isMultipart(MediaEndpoint e) {
  return route(e).multipart;
}

std::string_view mediaProviderPath(std::string_view provider_id, MediaEndpoint e) {
  const Support* s = find(provider_id);
  const size_t i = static_cast<size_t>(e);
  if (s == nullptr || i >= s->has.size() || s->has[i] != 'y') return {};
  return route(e).op;
}

bool mediaSupportDecided(std::string_view provider_id) {
  return find(provider_id) != nullptr;
}

std::string mediaProvidersWith(MediaEndpoint e) {
  std::string out;
  for (const auto& spec : providerCatalog()) {  // catalog order: alphabetical
    if (mediaProviderPath(spec.id, e).empty()) continue;
    if (!out.empty()) out += ", ";
    out += spec.id;
  }
  return out;
}

}  // namespace igw
