#include "language.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTranslator>

namespace crf::ui {

QString chooseLanguage(const QString& requested, QString* error)
{
    QString lang = requested.trimmed().toLower();
    if (lang.isEmpty())
        lang = qEnvironmentVariable("CRF_LANG").trimmed().toLower();
    if (lang.isEmpty())
        return QLocale::system().language() == QLocale::French ? QStringLiteral("fr") : QStringLiteral("en");
    if (lang == QLatin1String("fr") || lang == QLatin1String("en"))
        return lang;
    if (error)
        *error = QStringLiteral("language \"%1\": the screens exist in fr and en").arg(lang);
    return {};
}

bool installLanguage(QCoreApplication& app, const QString& language)
{
    QLocale::setDefault(language == QLatin1String("fr") ? QLocale(QLocale::French, QLocale::France)
                                                        : QLocale(QLocale::English, QLocale::UnitedKingdom));
    auto* translator = new QTranslator(&app);
    if (!translator->load(QStringLiteral(":/i18n/crf_%1.qm").arg(language))) {
        delete translator;
        return false;
    }
    return QCoreApplication::installTranslator(translator);
}

namespace {
// The labels of core/consent.cpp, marked for lupdate (context "ConsentState"); a label changed there shows in English
// until it is translated again.
[[maybe_unused]] const char* const kConsentLabels[] = {
    QT_TRANSLATE_NOOP("ConsentState", "Not included (screening data only)"),
    QT_TRANSLATE_NOOP("ConsentState", "Emergency inclusion, consent to be sought"),
    QT_TRANSLATE_NOOP("ConsentState", "Relative consented, patient to be asked"),
    QT_TRANSLATE_NOOP("ConsentState", "Consent to continue given"),
    QT_TRANSLATE_NOOP("ConsentState", "Refused to continue (data kept)"),
    QT_TRANSLATE_NOOP("ConsentState", "Withdrew (data kept)"),
    QT_TRANSLATE_NOOP("ConsentState", "Died before consent could be sought"),
    QT_TRANSLATE_NOOP("ConsentState", "Lost to follow-up"),
    QT_TRANSLATE_NOOP("ConsentState", "Objected to the use of data (out of analysis)"),
};
} // namespace

QString consentStateLabel(const std::string& coreLabel)
{
    return QCoreApplication::translate("ConsentState", coreLabel.c_str());
}

} // namespace crf::ui
