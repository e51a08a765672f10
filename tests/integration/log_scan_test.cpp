// No patient data in logs: a bedside session against a real gateway process, then every log line the gateway wrote
// (stdout, stderr, gRPC's own logging at debug level) and every message the tablet logged is searched for the values
// entered, the subject id and the passwords.
#include "app_core.h"
#include "gateway_access.h"
#include "identity/identity.h"
#include "key_store.h"
#include "storage/store.h"
#include "test_support.h"

#include <QMutex>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace crf;

namespace {

QMutex logMutex;
QStringList tabletLog;

void captureMessage(QtMsgType, const QMessageLogContext&, const QString& message)
{
    QMutexLocker lock(&logMutex);
    tabletLog << message;
}

int freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

TEST(Logs, neitherTheGatewayNorTheTabletLogsTheValuesEnteredTheSubjectOrAPassword)
{
    QTemporaryDir tablet, gatewayData;
    const QString listen = QStringLiteral("127.0.0.1:%1").arg(freePort());
    const std::string subject = "01-913";
    const std::string onset = "2026-11-19T03:47+01:00"; // a value nothing else would print
    {
        auto store = gateway::openSqliteStore(gatewayData.path().toStdString()).value();
        SystemClock clock;
        gateway::Identity identity(store->identity(), clock);
        ASSERT_TRUE(identity.addUser("test-admin", "nurse-a", "Nurse A", test::passwordOf("nurse-a")).ok());
        ASSERT_TRUE(identity.grant("test-admin", "nurse-a", "research_nurse", "I-MICRO", "01").ok());
    }
    const QString gatewayLog = gatewayData.filePath("gateway.log");
    QProcess gateway;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("GRPC_VERBOSITY", "DEBUG"); // gRPC's own logging as talkative as it gets without tracing
    gateway.setProcessEnvironment(env);
    gateway.setProcessChannelMode(QProcess::MergedChannels);
    gateway.setStandardOutputFile(gatewayLog);
    gateway.start(QStringLiteral(CRF_BIN_DIR "/crf-gateway"),
                  {"--listen", listen, "--data", gatewayData.path(), "--insecure-dev", "--study",
                   QStringLiteral(CRF_STUDIES_DIR "/imicro.json")});
    ASSERT_TRUE(gateway.waitForStarted(10000));
    ASSERT_TRUE(test::spinUntil(
        [&] { return test::readFile(gatewayLog.toStdString()).find("listening") != std::string::npos; }, 10000));

    qInstallMessageHandler(captureMessage);
    {
        app::AppConfig cfg;
        cfg.dataDir = tablet.path();
        cfg.gatewayAddress = listen;
        cfg.study = {"I-MICRO", "2020-1"};
        const QString keyDir = tablet.path();
        cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
        app::AppCore core(cfg);
        ASSERT_TRUE(test::await<Status>([&](auto done) { core.open(done); }).ok());
        // A wrong password first (a failure path), then the right one.
        EXPECT_FALSE(
            test::await<Result<app::LoginInfo>>([&](auto d) { core.login("nurse-a", "Wrong-Password-77", d); }).ok());
        ASSERT_TRUE(test::await<Result<app::LoginInfo>>([&](auto d) {
                        core.login("nurse-a", test::passwordOf("nurse-a"), d);
                    }).ok());
        store::SaveRequest elig;
        elig.form = {subject, "D0", "ELIG", 0};
        elig.values["NE_ONSET"] = store::FieldValue{onset, ""};
        elig.values["AGE"] = store::FieldValue{"231", "years"}; // out of range: refused by the gateway, a log chance
        ASSERT_TRUE(test::await<Result<store::SaveOutcome>>([&](auto d) { core.save(elig, d); }).ok());
        QSignalSpy finished(&core, &app::AppCore::syncFinished);
        core.syncNow();
        ASSERT_TRUE(test::spinUntil([&] { return finished.count() == 1; }, 30000));
    }
    qInstallMessageHandler(nullptr);
    gateway.terminate();
    ASSERT_TRUE(gateway.waitForFinished(10000));

    const std::string gatewayText = test::readFile(gatewayLog.toStdString());
    EXPECT_NE(gatewayText.find("listening"), std::string::npos) << "the gateway's log was captured";
    std::string tabletText;
    {
        QMutexLocker lock(&logMutex);
        tabletText = tabletLog.join('\n').toStdString();
    }
    for (const std::string& secret :
         {subject, onset, std::string("2026-11-19"), test::passwordOf("nurse-a"), std::string("Wrong-Password-77")}) {
        EXPECT_EQ(gatewayText.find(secret), std::string::npos) << "the gateway logged \"" << secret << "\"";
        EXPECT_EQ(tabletText.find(secret), std::string::npos) << "the tablet logged \"" << secret << "\"";
    }
}
