#include "language.h"

#include "login_wording.h"
#include "sync_client.h"

#include <QCoreApplication>
#include <QLocale>
#include <QRegularExpression>
#include <QTranslator>
#include <optional>

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

QString engine(const char* text)
{
    return QCoreApplication::translate("FormEngine", text);
}

/// A number of the definition ("0.5") in the screen's notation ("0,5" in French).
QString number(const std::string& n)
{
    bool ok = false;
    const double v = QString::fromStdString(n).toDouble(&ok);
    return ok ? QLocale().toString(v, 'g', 12) : QString::fromStdString(n);
}

/// "between 20 and 400 mmHg", "at least 20 mmHg", "at most 400 mmHg" from min, max, unit ("" = none).
QString rangePhrase(const std::string& min, const std::string& max, const std::string& unit)
{
    const QString u = unit.empty() ? QString() : QStringLiteral(" ") + QString::fromStdString(unit);
    if (!min.empty() && !max.empty())
        return engine(QT_TRANSLATE_NOOP("FormEngine", "between %1 and %2%3")).arg(number(min), number(max), u);
    if (!min.empty())
        return engine(QT_TRANSLATE_NOOP("FormEngine", "at least %1%2")).arg(number(min), u);
    return engine(QT_TRANSLATE_NOOP("FormEngine", "at most %1%2")).arg(number(max), u);
}

} // namespace

QString issueText(const study::Issue& issue)
{
    const auto& a = issue.args;
    const auto arg = [&](size_t i) { return i < a.size() ? QString::fromStdString(a[i]) : QString(); };
    const std::string& c = issue.code;
    if (c.empty() || a.empty())
        return QString::fromStdString(issue.message);
    if (c == study::kIssueNotANumber)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1: \"%2\" is not a number")).arg(arg(0), arg(1));
    if (c == study::kIssueWholeNumber)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1 must be a whole number")).arg(arg(0));
    if (c == study::kIssueUnit)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1: unit \"%2\" is not accepted here")).arg(arg(0), arg(1));
    if ((c == study::kIssueImpossible || c == study::kIssueUnusual) && a.size() >= 5) {
        const QString range = rangePhrase(a[2], a[3], a[4]);
        if (c == study::kIssueImpossible)
            return engine(QT_TRANSLATE_NOOP("FormEngine", "%1 must be %2; %3 is not possible"))
                .arg(arg(0), range, arg(1));
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1 %2 %3 is unusual (expected %4): check and confirm"))
            .arg(arg(0), arg(1), arg(4), range);
    }
    if (c == study::kIssueYesNo)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1: answer yes or no")).arg(arg(0));
    if (c == study::kIssueDate)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1: a date is written YYYY-MM-DD")).arg(arg(0));
    if (c == study::kIssueDateTime)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1: a date and time is written YYYY-MM-DDTHH:MM")).arg(arg(0));
    if (c == study::kIssueNotAChoice)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1: \"%2\" is not one of the choices")).arg(arg(0), arg(1));
    if (c == study::kIssueRequired)
        return engine(QT_TRANSLATE_NOOP("FormEngine", "%1 is required: enter it, or give the reason it is missing"))
            .arg(arg(0));
    return QString::fromStdString(issue.message); // a code this screen does not know yet: the core's English
}

QString syncErrorText(const std::string& error)
{
    namespace w = sync::wording;
    const auto starts = [&](std::string_view p) { return error.rfind(p, 0) == 0; };
    const auto ends = [&](std::string_view s) {
        return error.size() >= s.size() && error.compare(error.size() - s.size(), s.size(), s) == 0;
    };
    const auto between = [&](size_t from, size_t cut) {
        return QString::fromStdString(error.substr(from, error.size() - from - cut));
    };
    const auto say = [](const char* text) { return QCoreApplication::translate("SyncError", text); };
    if (starts(w::kUnreachable) && ends(w::kKept))
        return say(QT_TRANSLATE_NOOP("SyncError", "gateway unreachable at %1 (changes are kept on this tablet)"))
            .arg(between(w::kUnreachable.size(), w::kKept.size()));
    if (starts(w::kSlowAt) && ends(std::string(w::kSlow) + std::string(w::kKept)))
        return say(QT_TRANSLATE_NOOP("SyncError",
                                     "gateway at %1 did not answer in time (changes are kept on this tablet)"))
            .arg(between(w::kSlowAt.size(), w::kSlow.size() + w::kKept.size()));
    if (starts(w::kRefused))
        return say(QT_TRANSLATE_NOOP("SyncError", "gateway refused this tablet: %1"))
            .arg(between(w::kRefused.size(), 0));
    return QString::fromStdString(error);
}

QString loginErrorText(const std::string& error)
{
    namespace w = wording::login;
    const auto say = [](const char* text) { return QCoreApplication::translate("LoginError", text); };
    const auto rest = [&](std::string_view prefix) {
        return error.rfind(prefix, 0) == 0 ? std::optional<std::string>(error.substr(prefix.size())) : std::nullopt;
    };
    const std::pair<std::string_view, const char*> exact[] = {
        {w::kBadDeviceId, QT_TRANSLATE_NOOP("LoginError", "the device id is missing or not valid")},
        {w::kBadCredentials, QT_TRANSLATE_NOOP("LoginError", "user id or password is wrong")},
        {w::kDisabled, QT_TRANSLATE_NOOP("LoginError", "this account is disabled")},
        {w::kWeakEnrolment, QT_TRANSLATE_NOOP("LoginError", "the device's enrolment secret is too short")},
        {w::kNotEnrolled, QT_TRANSLATE_NOOP("LoginError", "this device is not enrolled at this gateway")},
        {w::kRevoked, QT_TRANSLATE_NOOP("LoginError", "this device has been revoked: ask the gateway administrator")},
        {w::kWrongDeviceCredential,
         QT_TRANSLATE_NOOP("LoginError", "this device's credential is wrong (restored or copied tablet?)")},
    };
    for (const auto& [english, source] : exact)
        if (error == english)
            return say(source);
    if (auto until = rest(w::kLockedUntil))
        return say(QT_TRANSLATE_NOOP("LoginError", "this account is locked after repeated failed logins until %1"))
            .arg(QString::fromStdString(*until));
    if (auto until = rest(w::kNowLockedUntil))
        return say(QT_TRANSLATE_NOOP("LoginError", "too many failed logins: this account is locked until %1"))
            .arg(QString::fromStdString(*until));
    if (auto study = rest(w::kNoRolePrefix);
        study && study->size() >= w::kNoRoleSuffix.size() &&
        study->compare(study->size() - w::kNoRoleSuffix.size(), w::kNoRoleSuffix.size(), w::kNoRoleSuffix) == 0)
        return say(QT_TRANSLATE_NOOP("LoginError", "you hold no role at a site of %1 (ask the administrator)"))
            .arg(QString::fromStdString(study->substr(0, study->size() - w::kNoRoleSuffix.size())));
    if (auto why = rest(std::string(w::kOfflineUnknown) + " ("); why && !why->empty() && why->back() == ')')
        return say(QT_TRANSLATE_NOOP("LoginError", "offline: user id or password is wrong, or this user never "
                                                   "logged in online on this tablet (%1)"))
            .arg(syncErrorText(why->substr(0, why->size() - 1)));
    return syncErrorText(error); // the gateway out of reach while logging in, or as given
}

namespace {

/// `tmpl` translated (context "Core") and filled with `args` in one pass.
QString worded(const std::string& tmpl, const std::vector<std::string>& args)
{
    const QString t = QCoreApplication::translate("Core", tmpl.c_str());
    QString out;
    for (qsizetype i = 0; i < t.size(); ++i) {
        const qsizetype n = i + 1 < t.size() ? t[i + 1].digitValue() - 1 : -1;
        if (t[i] == QLatin1Char('%') && n >= 0 && n < static_cast<qsizetype>(args.size())) {
            // A reason of core/ (a Core text) or a consent state's label, worded; data (numbers, ids) as it is.
            const char* arg = args[static_cast<size_t>(n)].c_str();
            const QString core = QCoreApplication::translate("Core", arg);
            QString worded = core != QLatin1String(arg) ? core : QCoreApplication::translate("ConsentState", arg);
            // A decimal number ("0.5 ng/kg/min") in the screen's notation.
            static const QRegularExpression decimal(QStringLiteral("^-?\\d+(\\.)\\d+(\\s.*)?$"));
            if (const auto m = decimal.match(worded); m.hasMatch())
                worded.replace(m.capturedStart(1), 1, QLocale().decimalPoint());
            out += worded;
            ++i;
        } else {
            out += t[i];
        }
    }
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
