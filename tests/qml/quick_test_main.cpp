// Qt Quick Test runner: the pages over the real C++ view-models and a real encrypted tablet store (a temporary
// folder, no gateway: the tablet is offline, as at the bedside), with the I-MICRO definition as the Study singleton.
// `TestStorage` lets a page test make that store's storage full and free it again (tests/support/full_storage.h).
#include "app_core.h"
#include "full_storage.h"
#include "key_store.h"
#include "language.h"
#include "session_controller.h"
#include "study_controller.h"
#include "trial_controller.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QTimer>
#include <QtQuickTest>

/// The tablet store's storage made full and freed again, from a page test.
class TestStorage : public QObject {
    Q_OBJECT
public:
    explicit TestStorage(QString folder) : m_folder(std::move(folder)) {}
    Q_INVOKABLE void fill() { crf::test::FullStorage::fill(m_folder.toStdString()); }
    Q_INVOKABLE void empty() { crf::test::FullStorage::empty(); }

private:
    QString m_folder;
};

class Setup : public QObject {
    Q_OBJECT
public slots:
    void qmlEngineAvailable(QQmlEngine* engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/"));
        auto definition = crf::ui::StudyController::loadFile(QStringLiteral(CRF_STUDIES_DIR "/imicro.json")).value();
        static crf::ui::StudyController study(definition);
        crf::test::FullStorage::install(); // before the store's first file is opened
        static QTemporaryDir dir;
        static TestStorage storage(dir.path());
        engine->rootContext()->setContextProperty(QStringLiteral("TestStorage"), &storage);
        crf::app::AppConfig cfg;
        cfg.dataDir = dir.path();
        cfg.gatewayAddress = QStringLiteral("127.0.0.1:1"); // unreachable: offline
        cfg.definition = definition;
        cfg.actor = {"nurse-q", "research_nurse", "01"};
        const QString keyDir = dir.path();
        cfg.makeKeyStore = [keyDir] { return crf::platform::makeFileKeyStore(keyDir); };
        static crf::app::AppCore core(cfg);
        static crf::ui::SessionController session(&core);
        static crf::ui::SubjectListModel subjects(&core);
        static crf::ui::TrialController trial(&core);
        QEventLoop wait;
        core.open([&](crf::Status) { wait.quit(); });
        QTimer::singleShot(15000, &wait, &QEventLoop::quit);
        wait.exec();
        crf::ui::installLanguage(*QCoreApplication::instance(), QStringLiteral("en")); // the plural forms
        crf::ui::registerQmlTypes(&session, &subjects, &study);
        crf::ui::registerTrialController(&trial);
    }
};

QUICK_TEST_MAIN_WITH_SETUP(crf_qml_tests, Setup)

#include "quick_test_main.moc"
