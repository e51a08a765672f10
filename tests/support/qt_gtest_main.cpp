// GoogleTest main with a QCoreApplication, for tests that run AppCore threads and queued callbacks.
#include <QCoreApplication>
#include <gtest/gtest.h>
#ifdef CRF_TEST_FULL_STORAGE_FIRST
#include "full_storage.h"
#endif

int main(int argc, char** argv)
{
#ifdef CRF_TEST_FULL_STORAGE_FIRST
    // Under every SQLite file of the run, the gateway's included (its VFS wraps the default of its first file), so a
    // test can fill the storage whichever test ran first (it refuses nothing until a test fills a folder).
    crf::test::FullStorage::install();
#endif
    QCoreApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
