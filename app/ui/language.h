// Language of the screens (docs/bedside.md "Languages"): French or English through Qt Linguist.
#pragma once

#include "result.h"

#include <QString>
#include <string>

class QCoreApplication;

namespace crf::ui {

/// "fr" or "en": `requested` when given ("fr", "en"), else $CRF_LANG, else French when the system locale is French
/// (the tablets of French sites run in French) and English otherwise. Anything else is an error naming the choice.
QString chooseLanguage(const QString& requested, QString* error = nullptr);

/// Loads the embedded translation (qrc:/i18n/crf_<lang>.qm) and makes dates and numbers follow the language.
bool installLanguage(QCoreApplication& app, const QString& language);

/// A consent state's label in the screen's language (the label core/consent.cpp gives is the source text).
QString consentStateLabel(const std::string& coreLabel);

/// An error of core/ or the tablet in the screen's language: its template (context "Core") filled with its
/// arguments (a consent state among them worded too), after the place; an error without a template as it is.
QString errorText(const Error& error);
/// The message alone, without the place.
QString errorMessage(const Error& error);
/// A sentence of core/ or the tablet (a randomization proposal's note) in the screen's language.
QString messageText(const Message& message);

} // namespace crf::ui
