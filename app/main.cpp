// crf-tablet: wires the app core, the view-models and the QML module; everything else lives in libraries.
#include "app_core.h"
#include "launch.h"
#include "session_controller.h"
#include "study_controller.h"
#include "trial_controller.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTextStream>
#include <QTimer>

int main(int argc, char** argv)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("crf-tablet"));
    QGuiApplication::setOrganizationName(QStringLiteral("crf"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Bedside eCRF tablet"));
    parser.addHelpOption();
    const QCommandLineOption dataOpt(QStringLiteral("data"), QStringLiteral("Data folder (crf.db)."),
                                     QStringLiteral("dir"),
                                     QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    const QCommandLineOption gatewayOpt(QStringLiteral("gateway"), QStringLiteral("Gateway host:port."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1:50051"));
    const QCommandLineOption caOpt(QStringLiteral("gateway-ca"),
                                   QStringLiteral("The gateway's TLS certificate or CA (PEM); without it, plaintext."),
                                   QStringLiteral("file"));
    const QCommandLineOption userOpt(QStringLiteral("user"), QStringLiteral("User id shown on the login screen."),
                                     QStringLiteral("id"));
    const QCommandLineOption passwordStdinOpt(
        QStringLiteral("password-stdin"),
        QStringLiteral("With --user: log in at start with the password read from standard input (automation)."));
    const QCommandLineOption lockOpt(QStringLiteral("lock-minutes"),
                                     QStringLiteral("Lock the screen after this many idle minutes (default 5)."),
                                     QStringLiteral("minutes"), QStringLiteral("5"));
    const QCommandLineOption subjectOpt(QStringLiteral("subject"), QStringLiteral("Open this subject's SOFA form."),
                                        QStringLiteral("id"));
    const QCommandLineOption screenshotOpt(QStringLiteral("screenshot"),
                                           QStringLiteral("Save a PNG of the window after start-up, then quit."),
                                           QStringLiteral("file"));
    const QCommandLineOption studyOpt(QStringLiteral("study"), QStringLiteral("Study definition file (JSON)."),
                                      QStringLiteral("file"), QStringLiteral(":/studies/imicro.json"));
    const QCommandLineOption visitOpt(QStringLiteral("visit"), QStringLiteral("With --subject and --form: the visit."),
                                      QStringLiteral("oid"), QStringLiteral("D0"));
    const QCommandLineOption formOpt(QStringLiteral("form"), QStringLiteral("With --subject: open this form."),
                                     QStringLiteral("oid"));
    const QCommandLineOption randomizationOpt(QStringLiteral("randomization"),
                                              QStringLiteral("With --subject: open its randomization page."));
    const QCommandLineOption instrumentOpt(QStringLiteral("instrument"),
                                           QStringLiteral("With --form: open the instrument bound to this item."),
                                           QStringLiteral("oid"));
    const QCommandLineOption sizeOpt(
        QStringLiteral("size"), QStringLiteral("Window size WIDTHxHEIGHT (1280x800 landscape, 800x1280 portrait...)."),
        QStringLiteral("size"), QStringLiteral("1280x800"));
    const QCommandLineOption langOpt(QStringLiteral("lang"),
                                     QStringLiteral("fr or en (default: $CRF_LANG, else the system locale)."),
                                     QStringLiteral("language"));
    const QCommandLineOption themeOpt(QStringLiteral("theme"), QStringLiteral("light or dark."),
                                      QStringLiteral("theme"), QStringLiteral("light"));
    parser.addOptions({randomizationOpt, dataOpt, gatewayOpt, caOpt, userOpt, passwordStdinOpt, lockOpt, subjectOpt,
                       visitOpt, formOpt, studyOpt, screenshotOpt, themeOpt, instrumentOpt, langOpt, sizeOpt});
    parser.process(app);

    if (!crf::launch::language("crf-tablet", app, parser.value(langOpt)))
        return 2;

    // The language chosen above is the default locale now: the study's texts follow it.
    auto definition = crf::ui::StudyController::loadFile(parser.value(studyOpt), QLocale().name().left(2));
    if (!definition) {
        qCritical("crf-tablet: %s", definition.error().text().c_str());
        return 2;
    }

    crf::app::AppConfig config;
    config.dataDir = parser.value(dataOpt);
    config.gatewayAddress = parser.value(gatewayOpt);
    const auto ca = crf::launch::gatewayCa("crf-tablet", parser.value(caOpt));
    if (!ca)
        return 2;
    config.gatewayRootCertPem = *ca;
    // The user, role and site come from the login (gateway grants or the offline verifier), never from flags.
    bool minutesOk = false;
    const double lockMinutes = parser.value(lockOpt).toDouble(&minutesOk);
    if (!minutesOk || lockMinutes <= 0 || lockMinutes > 24 * 60) {
        qCritical("crf-tablet: --lock-minutes: \"%s\" is not a number of minutes (0-1440)",
                  qPrintable(parser.value(lockOpt)));
        return 2;
    }
    config.definition = definition.value();
    config.autoSync = true;
    QDir().mkpath(config.dataDir);

    crf::app::AppCore core(config);
    crf::ui::SessionController session(&core);
    session.setLockAfterMs(static_cast<int>(lockMinutes * 60 * 1000));
    crf::ui::SubjectListModel subjects(&core);
    crf::ui::StudyController study(definition.value());
    crf::ui::registerQmlTypes(&session, &subjects, &study);
    crf::ui::TrialController trial(&core);
    crf::ui::registerTrialController(&trial);

    qputenv("QT_QUICK_CONTROLS_MATERIAL_THEME", parser.value(themeOpt) == QStringLiteral("dark") ? "Dark" : "Light");
    QQuickStyle::setStyle(QStringLiteral("Material"));
    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    engine.load(QUrl(QStringLiteral("qrc:/Crf/Ui/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    QObject* root = engine.rootObjects().constFirst();
    {
        const QStringList wh = parser.value(sizeOpt).split(QLatin1Char('x'));
        bool wOk = false, hOk = false;
        const int w = wh.size() == 2 ? wh[0].toInt(&wOk) : 0, h = wh.size() == 2 ? wh[1].toInt(&hOk) : 0;
        if (!wOk || !hOk || w < 320 || h < 320 || w > 7680 || h > 7680) {
            qCritical("crf-tablet: --size: \"%s\" is not WIDTHxHEIGHT (320 to 7680 each)",
                      qPrintable(parser.value(sizeOpt)));
            return 2;
        }
        root->setProperty("width", w);
        root->setProperty("height", h);
    }
    root->setProperty("prefillUser", parser.value(userOpt));
    if (parser.isSet(subjectOpt)) {
        root->setProperty("initialVisit", parser.value(visitOpt));
        root->setProperty("initialForm", parser.value(formOpt));
        root->setProperty("initialRandomization", parser.isSet(randomizationOpt));
        root->setProperty("initialInstrument", parser.value(instrumentOpt));
        root->setProperty("initialSubject", parser.value(subjectOpt));
    }

    QString startPassword;
    if (parser.isSet(passwordStdinOpt)) {
        QTextStream in(stdin);
        startPassword = in.readLine();
    }
    core.open([&session, &parser, &userOpt, startPassword](crf::Status opened) {
        if (opened && !startPassword.isEmpty())
            session.login(parser.value(userOpt), startPassword);
    });

    if (parser.isSet(screenshotOpt)) {
        const QString file = parser.value(screenshotOpt);
        // After a login at start (which may first wait for an unreachable gateway) the screen needs longer to settle.
        crf::launch::screenshotLater(root, file, startPassword.isEmpty() ? 1500 : 5000);
    }
    return app.exec();
}
