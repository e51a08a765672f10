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

} // namespace crf::ui
