// StoreBackend: a fresh gateway store for one test on either backend: an SQLite folder, or a new database in the
// throwaway PostgreSQL cluster that ctest starts (fixture pg.cluster, scripts/pg-cluster). PostgreSQL tests are never
// skipped: without the cluster they fail, saying how to get it.
#pragma once

#include "sqlite.h"
#include "storage/sql_db.h"
#include "storage/store.h"

#include <QTemporaryDir>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace crf::test {

enum class Backend { Sqlite, Postgres };

inline std::string backendName(const ::testing::TestParamInfo<Backend>& info)
{
    return info.param == Backend::Sqlite ? "sqlite" : "postgresql";
}

/// The superuser URI of the test cluster: $CRF_TEST_PG_URI, or the file named by $CRF_TEST_PG_URI_FILE.
inline std::string testClusterUri()
{
    if (const char* uri = std::getenv("CRF_TEST_PG_URI"); uri && *uri)
        return uri;
    if (const char* file = std::getenv("CRF_TEST_PG_URI_FILE"); file && *file) {
        std::ifstream in(file);
        std::string uri;
        if (in >> uri)
            return uri;
        throw std::runtime_error(std::string("no PostgreSQL test cluster: ") + file +
                                 " is missing (ctest starts it with the pg.cluster fixture)");
    }
    throw std::runtime_error("no PostgreSQL test cluster: run the tests through ctest (fixture pg.cluster) or set "
                             "CRF_TEST_PG_URI (scripts/pg-cluster start DIR writes DIR/uri)");
}

/// `uri` (postgresql://user@host:port/db) with another user and database.
inline std::string withUserAndDb(const std::string& uri, const std::string& user, const std::string& dbName)
{
    const auto scheme = uri.find("://") + 3;
    const auto at = uri.find('@', scheme);
    const auto slash = uri.find('/', at);
    return uri.substr(0, scheme) + user + uri.substr(at, slash - at) + "/" + dbName;
}

/// Runs `sql` on PostgreSQL at `uri`; returns the server's refusal, or "" when it succeeded.
inline std::string pgRefusal(const std::string& uri, const std::string& sql)
{
    try {
        auto pool = gateway::db::openPostgresPool(uri, 1);
        pool->acquire()->exec(sql);
        return {};
    } catch (const std::exception& e) {
        return e.what();
    }
}

class StoreBackend {
public:
    explicit StoreBackend(Backend kind) : m_kind(kind)
    {
        if (kind == Backend::Sqlite)
            return;
        static std::atomic<int> counter{0};
        m_admin = testClusterUri();
        m_dbName = "crf_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        auto admin = gateway::db::openPostgresPool(m_admin, 1);
        auto c = admin->acquire();
        c->exec("DROP DATABASE IF EXISTS " + m_dbName + " WITH (FORCE)");
        c->exec("CREATE DATABASE " + m_dbName + " OWNER crf_owner");
        m_created = true;
        auto migrated = gateway::migratePostgresStore(ownerUri(), "crf_app");
        if (!migrated.ok())
            throw std::runtime_error(migrated.error().text());
    }
    ~StoreBackend()
    {
        if (!m_created)
            return;
        try {
            auto admin = gateway::db::openPostgresPool(m_admin, 1);
            admin->acquire()->exec("DROP DATABASE IF EXISTS " + m_dbName + " WITH (FORCE)");
            admin->acquire()->exec("DROP DATABASE IF EXISTS " + m_dbName + "_bak WITH (FORCE)");
        } catch (...) {
            // The cluster is thrown away at the end anyway.
        }
    }
    StoreBackend(const StoreBackend&) = delete;
    StoreBackend& operator=(const StoreBackend&) = delete;

    Backend kind() const { return m_kind; }
    /// What `crf-gateway --store` / `crfctl --store` take: the data folder, or the gateway role's URI.
    std::string spec() const
    {
        return m_kind == Backend::Sqlite ? m_dir.path().toStdString() : withUserAndDb(m_admin, "crf_gateway", m_dbName);
    }
    std::string ownerUri() const { return withUserAndDb(m_admin, "crf_owner", m_dbName); }
    /// The cluster's superuser on this test's database (to play an administrator going around the gateway).
    std::string superuserUri() const { return withUserAndDb(m_admin, "postgres", m_dbName); }
    std::string sqliteFile() const { return m_dir.filePath("gateway.db").toStdString(); }
    /// The embedded store's photo files (schema 14).
    std::string photoDir() const { return m_dir.filePath("photos").toStdString(); }

    /// Runs `sql` as whoever owns the data (SQLite: the file; PostgreSQL: the schema owner), around the gateway;
    /// returns the database's refusal, or "" when it let it happen.
    std::string ownerRefusal(const std::string& sql) const
    {
        if (m_kind == Backend::Postgres)
            return pgRefusal(ownerUri(), sql);
        try {
            sql::Database raw(sqliteFile(), sql::Database::Mode::OpenExisting);
            const std::string photos = m_dir.filePath("photos.db").toStdString();
            raw.exec("ATTACH DATABASE '" + photos + "' AS photo_store"); // the photos' tables (schema 13)
            raw.exec(sql);
            return {};
        } catch (const std::exception& e) {
            return e.what();
        }
    }

    /// Takes a copy of the whole store (no gateway may hold it open): SQLite, its files; PostgreSQL, a database made
    /// from this one as a template.
    void backup()
    {
        namespace fs = std::filesystem;
        if (m_kind == Backend::Sqlite) {
            fs::remove_all(backupDir());
            fs::create_directories(backupDir());
            for (const auto& f : fs::directory_iterator(m_dir.path().toStdString()))
                if (f.is_regular_file())
                    fs::copy_file(f.path(), backupDir() / f.path().filename());
            fs::copy(photoDir(), backupDir() / "photos", fs::copy_options::recursive); // the photos' bytes (schema 14)
            return;
        }
        auto admin = gateway::db::openPostgresPool(m_admin, 1);
        auto c = admin->acquire();
        c->exec("DROP DATABASE IF EXISTS " + m_dbName + "_bak");
        c->exec("CREATE DATABASE " + m_dbName + "_bak TEMPLATE " + m_dbName + " OWNER crf_owner");
    }
    /// Puts the copy back in place of the store (a restore to the moment of backup()).
    void restoreBackup()
    {
        namespace fs = std::filesystem;
        if (m_kind == Backend::Sqlite) {
            for (const auto& f : fs::directory_iterator(m_dir.path().toStdString()))
                if (f.is_regular_file())
                    fs::remove(f.path());
            fs::remove_all(photoDir());
            for (const auto& f : fs::directory_iterator(backupDir()))
                fs::copy(f.path(), fs::path(m_dir.path().toStdString()) / f.path().filename(),
                         fs::copy_options::recursive);
            return;
        }
        auto admin = gateway::db::openPostgresPool(m_admin, 1);
        auto c = admin->acquire();
        c->exec("DROP DATABASE " + m_dbName + " WITH (FORCE)");
        c->exec("CREATE DATABASE " + m_dbName + " TEMPLATE " + m_dbName + "_bak OWNER crf_owner");
    }

    /// Opens (or re-opens) the store the way the gateway does.
    std::unique_ptr<gateway::Store> open() const
    {
        auto store = gateway::openStore(spec());
        if (!store.ok())
            throw std::runtime_error(store.error().text());
        return std::move(store.value());
    }

private:
    std::filesystem::path backupDir() const { return std::filesystem::path(m_dir.path().toStdString()) / "backup"; }

    Backend m_kind;
    QTemporaryDir m_dir;
    std::string m_admin, m_dbName;
    bool m_created = false;
};

} // namespace crf::test
