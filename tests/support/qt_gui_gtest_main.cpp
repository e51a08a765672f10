// GoogleTest main with a QGuiApplication, for tests that drive Qt Quick pages (offscreen) over real C++ parts.
#include <QGuiApplication>
#include <gtest/gtest.h>

int main(int argc, char** argv)
{
    // Headless by default (test discovery runs this binary without a display too).
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
