// The study definition's own texts in the screen's language (docs/study-definitions.md "Translations"): a
// `translations` block maps a language to key -> text, the key naming the text ("item.SOFA.GCS", "code.YESNO.Y").
#pragma once

#include "crf/v1/study.pb.h"
#include "result.h"

#include <functional>
#include <string>
#include <vector>

namespace crf::study {

/// Calls `visit(key, text)` for every translatable text of `def`, in definition order; `text` may be changed.
void forEachText(v1::StudyDefinition& def, const std::function<void(const std::string& key, std::string& text)>& visit);

/// Problems of the translations block, each naming the language and key: an unknown language code (two lowercase
/// letters), a key that names no text of the definition (or "unit.<unit>" no unit of it), an empty text.
std::vector<Error> validateTranslations(const v1::StudyDefinition& def);

/// `def` with its texts in `language` where the block gives them (others as written); the block itself is kept.
v1::StudyDefinition localized(const v1::StudyDefinition& def, const std::string& language);

/// Keys of `def` without a text in `language` (what a translator still has to do).
std::vector<std::string> untranslated(const v1::StudyDefinition& def, const std::string& language);

} // namespace crf::study
