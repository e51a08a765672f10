// Qt Quick Test runner: registers the C++ view-models, the I-MICRO definition as the Study singleton, and makes the
// embedded Crf.Ui module importable.
#include "session_controller.h"
#include "study_controller.h"

#include <QQmlEngine>
#include <QtQuickTest>

class Setup : public QObject {
    Q_OBJECT
public slots:
    void qmlEngineAvailable(QQmlEngine* engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/"));
        static crf::ui::StudyController study(
            crf::ui::StudyController::loadFile(QStringLiteral(CRF_STUDIES_DIR "/imicro.json")).value());
        crf::ui::registerQmlTypes(nullptr, nullptr, &study);
    }
};

QUICK_TEST_MAIN_WITH_SETUP(crf_qml_tests, Setup)

#include "quick_test_main.moc"
