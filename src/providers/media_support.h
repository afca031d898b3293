// The Images and Audio APIs (OpenAI's shapes): which routes there are, which flag turns each on
// (ENABLE_IMAGES, ENABLE_AUDIO), which body each takes (JSON or multipart/form-data), and which
// providers serve each and where — a decision per catalog row from each provider's
// documentation (media_support.cpp). The gateway relays these requests byte for byte (only the
// model renamed) to the path given here; a provider without one gets a 400 naming those that
// have it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace igw {

enum class MediaEndpoint {
  kImageGenerations,  // POST /v1/images/generations (JSON)
  kImageEdits,        // POST /v1/images/edits (multipart)
  kImageVariations,   // POST /v1/images/variations (multipart)
  kSpeech,            // POST /v1/audio/speech (JSON in, audio bytes out)
  kTranscriptions,    // POST /v1/audio/transcriptions (multipart)
  kTranslations,      // POST /v1/audio/translations (multipart)
};

// The endpoint of a client path ("/v1/images/edits"); nullopt for any other path.
std::optional<MediaEndpoint> mediaEndpointOf(std::string_view path);

// "/v1/images/edits": as clients call it.
std::string_view mediaClientPath(MediaEndpoint e);

// True for the Images API, false for the Audio API.
bool isImages(MediaEndpoint e);

// True when the request body is multipart/form-data (edits, variations, transcriptions,
// translations); false for a JSON body (generations, speech).
bool isMultipart(MediaEndpoint e);

// The provider's path for `e`, appended to its base URL (for Azure: the operation after the
// deployment, ProviderTable::operationUrl); empty when the provider has none.
std::string_view mediaProviderPath(std::string_view provider_id, MediaEndpoint e);

// True when media_support.cpp has decided for `provider_id` (tests: every catalog row is).
bool mediaSupportDecided(std::string_view provider_id);

// "azure, openai": the catalog ids of the providers that have `e`, for messages.
std::string mediaProvidersWith(MediaEndpoint e);

}  // namespace igw
