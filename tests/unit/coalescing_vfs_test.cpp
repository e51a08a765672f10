// The coalescing VFS (core/sql/coalescing_vfs.h): a write-ahead log's frames reach the disk in fewer calls, every
// commit is read back by another connection as soon as it returns, and nothing committed is lost when the process
// dies without closing.
#include "coalescing_vfs.h"
#include "sqlite.h"

#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <sqlcipher/sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace crf;

namespace {

sql::Database openFull(const std::string& path)
{
    sql::Database db(path, sql::Database::Mode::CreateIfMissing, sql::coalescingVfs());
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    return db;
}

int64_t count(sql::Database& db)
{
    auto& st = db.prepare("SELECT count(*) FROM t");
    st.step();
    const int64_t n = st.int64(0);
    st.reset();
    return n;
}

} // namespace

// The VFS's registration is the gateway's first call into SQLite (it initialises SQLite): SQLite's process-wide
// settings (sql::configureProcess) are in force all the same, so no allocation is counted under its global mutex.
TEST(CoalescingVfs, registeringItFirstKeepsTheProcessSettings)
{
    ASSERT_NE(sql::coalescingVfs(), nullptr);
    QTemporaryDir dir;
    sql::Database db = openFull(dir.filePath("s.db").toStdString());
    db.exec("CREATE TABLE t (v BLOB); INSERT INTO t VALUES (randomblob(100000))");
    sqlite3_int64 used = -1, highest = -1;
    ASSERT_EQ(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &highest, 0), SQLITE_OK);
    EXPECT_EQ(used, 0) << "allocations are counted: SQLite was initialised before its settings";
}

TEST(CoalescingVfs, aCommitsFramesGoInFewerCallsAndAnotherConnectionSeesEachCommit)
{
    ASSERT_NE(sql::coalescingVfs(), nullptr);
    QTemporaryDir dir;
    const std::string path = dir.filePath("c.db").toStdString();
    sql::Database db = openFull(path);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    sql::Database other(path, sql::Database::Mode::OpenExisting); // the platform's VFS, as the checkpoint thread
    const auto before = sql::coalescingCounts();
    for (int round = 1; round <= 20; ++round) {
        sql::Transaction tx(db);
        for (int i = 0; i < 50; ++i)
            db.prepare("INSERT INTO t (v) VALUES (randomblob(3000))").run();
        tx.commit();
        EXPECT_EQ(count(other), round * 50) << "seen by another connection as soon as the commit returns";
    }
    const auto after = sql::coalescingCounts();
    const uint64_t asked = after.asked - before.asked, written = after.written - before.written;
    EXPECT_GT(asked, 20u * 100u) << "two writes a frame, about two frames a row";
    EXPECT_LE(written * 20, asked) << "the frames of a commit in a call or a few (at most 124 KiB each)";
    auto& check = other.prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
}

// A child process commits, then dies without closing anything (as with SIGKILL): every commit it made is there.
TEST(CoalescingVfs, aProcessThatDiesAfterItsCommitsLosesNone)
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("k.db").toStdString();
    {
        sql::Database db = openFull(path);
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    }
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        sql::Database db = openFull(path);
        for (int round = 0; round < 10; ++round) {
            sql::Transaction tx(db);
            for (int i = 0; i < 30; ++i)
                db.prepare("INSERT INTO t (v) VALUES (randomblob(2000))").run();
            tx.commit();
        }
        sql::Transaction open(db); // a transaction under way, never committed
        db.prepare("INSERT INTO t (v) VALUES (randomblob(2000))").run();
        _exit(0); // no destructor, no close: held writes of an uncommitted transaction are simply gone
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    sql::Database db(path, sql::Database::Mode::OpenExisting);
    EXPECT_EQ(count(db), 300);
    auto& check = db.prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
}
