#include "language.h"

#include <QCoreApplication>
#include <QLocale>
#include <QRegularExpression>
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

namespace {

QString argumentText(const Message& arg);

/// `tmpl` translated (context "Core") and filled with `args` in one pass; an argument that is a sentence of its own
/// is worded in turn.
QString worded(const std::string& tmpl, const std::vector<Message>& args)
{
    const QString t = QCoreApplication::translate("Core", tmpl.c_str());
    QString out;
    for (qsizetype i = 0; i < t.size(); ++i) {
        const qsizetype n = i + 1 < t.size() ? t[i + 1].digitValue() - 1 : -1;
        if (t[i] == QLatin1Char('%') && n >= 0 && n < static_cast<qsizetype>(args.size())) {
            out += argumentText(args[static_cast<size_t>(n)]);
            ++i;
        } else {
            out += t[i];
        }
    }
    return out;
}

QString argumentText(const Message& arg)
{
    if (!arg.tmpl.empty())
        return worded(arg.tmpl, arg.args);
    // A reason of core/ (a Core text) or a consent state's label, worded; data (numbers, ids) as it is.
    const char* text = arg.text.c_str();
    const QString core = QCoreApplication::translate("Core", text);
    QString out = core != QLatin1String(text) ? core : QCoreApplication::translate("ConsentState", text);
    // A decimal number ("0.5 ng/kg/min") in the screen's notation.
    static const QRegularExpression decimal(QStringLiteral("^-?\\d+(\\.)\\d+(\\s.*)?$"));
    if (const auto m = decimal.match(out); m.hasMatch())
        out.replace(m.capturedStart(1), 1, QLocale().decimalPoint());
    return out;
}

} // namespace

QString errorMessage(const Error& error)
{
    return error.tmpl.empty() ? QString::fromStdString(error.what) : worded(error.tmpl, error.args);
}

QString messageText(const Message& message)
{
    return message.tmpl.empty() ? QString::fromStdString(message.text) : worded(message.tmpl, message.args);
}

QString errorText(const Error& error)
{
    const QString what = errorMessage(error);
    return error.where.empty() ? what : QString::fromStdString(error.where) + QStringLiteral(": ") + what;
}

} // namespace crf::ui
