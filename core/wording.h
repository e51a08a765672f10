// Messages over the wire with their wording parts (crf.v1.Wording), so a screen in another language words a
// gateway's refusal as it words its own (ui::errorText); the English text always travels beside them.
#pragma once

#include "crf/v1/sync.pb.h"
#include "result.h"

#include <string>

namespace crf {

/// The parts of `error` (place, template, arguments, nested sentences); an error without a template gives an empty
/// template (the receiver shows the English text).
v1::Wording toWording(const Error& error);

/// An error from the English text that travelled (`text`) and its wording parts. Parts that do not fit the text
/// (no template, or a template whose filling is not `text`) are dropped: the English text is what was said.
Error fromWording(const v1::Wording& wording, std::string text);

/// The same for a sentence without a place.
v1::Wording toWording(const Message& message);
/// A sentence from its English text and its wording parts (dropped when they do not fill to `text`).
Message messageFromWording(const v1::Wording& wording, std::string text);

/// The gRPC trailing metadata key carrying a refusal's serialized crf.v1.Wording beside the status message.
inline constexpr const char* kWordingMetadataKey = "crf-wording-bin";

} // namespace crf
