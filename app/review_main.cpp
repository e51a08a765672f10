// crf-review: the central assessor's desk (docs/sponsor.md "Central mottling assessment"); wires ReviewDesk to QML.
#include "launch.h"
#include "review_desk.h"
#include "study_controller.h"

#include <QCommandLineParser>
#include <QFile>
#include <QGuiApplication>
#include <QLocale>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTextStream>
#include <QTimer>

int main(int argc, char** argv)
{
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("crf-review"));
    QGuiApplication::setOrganizationName(QStringLiteral("crf"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Central, blinded mottling review"));
    parser.addHelpOption();
    const QCommandLineOption gatewayOpt(QStringLiteral("gateway"), QStringLiteral("Gateway host:port."),
                                        QStringLiteral("address"), QStringLiteral("127.0.0.1:50051"));
    const QCommandLineOption caOpt(QStringLiteral("gateway-ca"),
                                   QStringLiteral("The gateway's TLS certificate or CA (PEM); without it, plaintext."),
                                   QStringLiteral("file"));
    const QCommandLineOption studyOpt(QStringLiteral("study"), QStringLiteral("Study definition file (JSON)."),
                                      QStringLiteral("file"), QStringLiteral(":/studies/imicro.json"));
    const QCommandLineOption userOpt(QStringLiteral("user"), QStringLiteral("User id shown on the login panel."),
                                     QStringLiteral("id"));
    const QCommandLineOption passwordStdinOpt(
        QStringLiteral("password-stdin"),
        QStringLiteral("With --user: log in at start with the password read from standard input (automation)."));
    const QCommandLineOption screenshotOpt(QStringLiteral("screenshot"),
                                           QStringLiteral("Save a PNG of the window after start-up, then quit."),
                                           QStringLiteral("file"));
    const QCommandLineOption langOpt(QStringLiteral("lang"),
                                     QStringLiteral("fr or en (default: $CRF_LANG, else the system locale)."),
                                     QStringLiteral("language"));
    const QCommandLineOption themeOpt(QStringLiteral("theme"), QStringLiteral("light or dark."),
                                      QStringLiteral("theme"), QStringLiteral("light"));
    parser.addOptions({gatewayOpt, caOpt, studyOpt, userOpt, passwordStdinOpt, screenshotOpt, themeOpt, langOpt});
    parser.process(app);

    if (!crf::launch::language("crf-review", app, parser.value(langOpt)))
        return 2;

    // The language chosen above is the default locale now: the study's texts follow it.
    auto definition = crf::ui::StudyController::loadFile(parser.value(studyOpt), QLocale().name().left(2));
    if (!definition) {
        qCritical("crf-review: %s", definition.error().text().c_str());
        return 2;
    }
    crf::ui::ReviewConfig config;
    config.gatewayAddress = parser.value(gatewayOpt);
    config.definition = definition.value();
    const auto ca = crf::launch::gatewayCa("crf-review", parser.value(caOpt));
    if (!ca)
        return 2;
    config.gatewayRootCertPem = *ca;

    crf::ui::ReviewDesk desk(config);
    crf::ui::registerReviewDesk(&desk);
    qputenv("QT_QUICK_CONTROLS_MATERIAL_THEME", parser.value(themeOpt) == QStringLiteral("dark") ? "Dark" : "Light");
    QQuickStyle::setStyle(QStringLiteral("Material"));
    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    engine.load(QUrl(QStringLiteral("qrc:/Crf/Ui/ReviewMain.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    QObject* root = engine.rootObjects().constFirst();
    root->setProperty("prefillUser", parser.value(userOpt));

    bool loggingIn = false;
    if (parser.isSet(passwordStdinOpt) && parser.isSet(userOpt)) {
        QTextStream in(stdin);
        desk.login(parser.value(userOpt), in.readLine());
        loggingIn = true;
    }
    if (parser.isSet(screenshotOpt)) {
        const QString file = parser.value(screenshotOpt);
        // After a login the queue and the first photo arrive from the gateway: wait for them.
        crf::launch::screenshotLater(root, file, loggingIn ? 4000 : 1500);
    }
    return app.exec();
}
