// Qt Quick Test runner: registers the C++ view-models and makes the embedded Crf.Ui module importable.
#include "session_controller.h"

#include <QQmlEngine>
#include <QtQuickTest>

class Setup : public QObject {
    Q_OBJECT
public slots:
    void qmlEngineAvailable(QQmlEngine* engine)
    {
        engine->addImportPath(QStringLiteral("qrc:/"));
        crf::ui::registerQmlTypes(nullptr, nullptr, nullptr);
    }
};

QUICK_TEST_MAIN_WITH_SETUP(crf_qml_tests, Setup)

#include "quick_test_main.moc"
