// The embedded SQLite schema of the gateway store (gateway.db) and its migrations, one function per version.
#include "coalescing_vfs.h"
#include "crf/v1/gateway_store.pb.h"
#include "sql_store.h"
#include "sqlite.h"

#include <cstdio>
#include <filesystem>

namespace crf::gateway {
namespace {

constexpr int kSchemaVersion = 14;

// One function per schema version; each runs inside BEGIN IMMEDIATE ... COMMIT (Kasts pattern).
void migrateTo1(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE events (
            server_seq     INTEGER PRIMARY KEY,
            device_id      TEXT    NOT NULL,
            device_seq     INTEGER NOT NULL,
            event_id       TEXT    NOT NULL UNIQUE,
            study_id       TEXT    NOT NULL,
            site_id        TEXT    NOT NULL,
            subject_id     TEXT    NOT NULL,
            received_at_ms INTEGER NOT NULL,
            event_hash     BLOB    NOT NULL,
            server_hash    BLOB    NOT NULL,
            payload        BLOB    NOT NULL,
            UNIQUE (device_id, device_seq)
        );
        CREATE INDEX events_subject ON events (study_id, subject_id);
        -- 21 CFR 11.10(e): the audit trail must not be altered or obscured; the database itself refuses.
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only: update refused'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only: delete refused'); END;
    )sql");
}

// Version 2: what the gateway adds to each accepted event (skew, conflict notes, resolutions), stored as a
// serialized ServerEvent without its event; the field projection for the three-way merge; conflicts (data queries).
void migrateTo2(sql::Database& db)
{
    db.exec(R"sql(
        ALTER TABLE events ADD COLUMN server_meta BLOB NOT NULL DEFAULT x'';
        CREATE TABLE field_state (
            study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
            repeat INTEGER NOT NULL, item_oid TEXT NOT NULL,
            value TEXT NOT NULL, unit TEXT NOT NULL, present INTEGER NOT NULL,
            value_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, last_device TEXT NOT NULL,
            PRIMARY KEY (study_id, subject_id, visit_oid, form_oid, repeat, item_oid));
        CREATE TABLE conflicts (
            id INTEGER PRIMARY KEY,
            study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
            repeat INTEGER NOT NULL, item_oid TEXT NOT NULL,
            kept_seq INTEGER NOT NULL, other_seq INTEGER NOT NULL,
            open INTEGER NOT NULL, resolved_by_seq INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX conflicts_field ON conflicts (study_id, subject_id, visit_oid, form_oid, repeat, item_oid, open);
        CREATE TABLE refused (
            device_id TEXT NOT NULL, device_seq INTEGER NOT NULL, event_hash BLOB NOT NULL, reason TEXT NOT NULL,
            received_at_ms INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (device_id, device_seq));
        CREATE TRIGGER refused_no_update BEFORE UPDATE ON refused
            BEGIN SELECT RAISE(ABORT, 'refused events are append-only: update refused'); END;
        CREATE TRIGGER refused_no_delete BEFORE DELETE ON refused
            BEGIN SELECT RAISE(ABORT, 'refused events are append-only: delete refused'); END;
    )sql");
}

// Version 3: photos, stored once per digest; a verified photo can no longer be changed or removed.
void migrateTo3(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE photos (
            digest TEXT PRIMARY KEY, total_bytes INTEGER NOT NULL, received_bytes INTEGER NOT NULL,
            data BLOB NOT NULL, verified INTEGER NOT NULL DEFAULT 0);
        CREATE TRIGGER photos_verified_no_update BEFORE UPDATE ON photos WHEN OLD.verified = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
        CREATE TRIGGER photos_verified_no_delete BEFORE DELETE ON photos WHEN OLD.verified = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    )sql");
}

// Version 4: photo bytes as one row per received chunk. Version 3 rewrote the whole growing blob at every chunk
// (quadratic in the photo's size); now each chunk is written once. Existing photos move into one chunk each, byte for
// byte; the immutability of verified photos now guards their chunks.
void migrateTo4(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE photo_chunks (
            digest TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (digest, offset));
        INSERT INTO photo_chunks (digest, offset, data) SELECT digest, 0, data FROM photos WHERE length(data) > 0;
        DROP TRIGGER photos_verified_no_update;
        UPDATE photos SET data = x'';
        CREATE TRIGGER photos_verified_no_update BEFORE UPDATE ON photos WHEN OLD.verified = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
        CREATE TRIGGER photo_chunks_verified_no_update BEFORE UPDATE ON photo_chunks
            WHEN (SELECT verified FROM photos WHERE digest = OLD.digest) = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
        CREATE TRIGGER photo_chunks_verified_no_delete BEFORE DELETE ON photo_chunks
            WHEN (SELECT verified FROM photos WHERE digest = OLD.digest) = 1
            BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    )sql");
}

// Version 5: the merge projection as one row per form instance (a serialized StoredForm) instead of one row per
// field: a push touches 2 rows per form, not 2 per field (crf-bench: most of the push time went there).
/// A form instance's key columns (study, subject, visit, form, repeat) as bound at ?1..?5.
using FormKey = std::vector<std::string>;

sql::Statement& bindForm(sql::Statement& st, const FormKey& k)
{
    return st.bind(1, k[0]).bind(2, k[1]).bind(3, k[2]).bind(4, k[3]).bind(5, static_cast<int64_t>(std::stoll(k[4])));
}

void migrateTo5(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE form_state (
            study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
            repeat INTEGER NOT NULL, fields BLOB NOT NULL,
            PRIMARY KEY (study_id, subject_id, visit_oid, form_oid, repeat));
    )sql");
    auto& rows = db.prepare("SELECT study_id, subject_id, visit_oid, form_oid, repeat, item_oid, value, unit, present, "
                            "value_seq, last_seq, last_device FROM field_state ORDER BY study_id, subject_id, "
                            "visit_oid, form_oid, repeat");
    std::vector<std::pair<FormKey, v1::StoredForm>> forms;
    while (rows.step()) {
        std::vector<std::string> key{rows.text(0), rows.text(1), rows.text(2), rows.text(3),
                                     std::to_string(rows.int64(4))};
        if (forms.empty() || forms.back().first != key)
            forms.emplace_back(key, v1::StoredForm{});
        auto& f = (*forms.back().second.mutable_fields())[rows.text(5)];
        f.set_value(rows.text(6));
        f.set_unit(rows.text(7));
        f.set_present(rows.int64(8) != 0);
        f.set_value_seq(static_cast<uint64_t>(rows.int64(9)));
        f.set_last_seq(static_cast<uint64_t>(rows.int64(10)));
        f.set_last_device(rows.text(11));
    }
    for (const auto& [key, form] : forms)
        bindForm(db.prepare("INSERT INTO form_state (study_id, subject_id, visit_oid, form_oid, repeat, fields) VALUES "
                            "(?1, ?2, ?3, ?4, ?5, ?6)"),
                 key)
            .bindBlob(6, form.SerializeAsString())
            .run();
    db.exec("DROP TABLE field_state;");
}

// Identity (docs/security.md): accounts are never deleted, grants end rather than vanish, and the security log is
// append-only (triggers), so permission changes stay reviewable (FDA Q&A 2024 Q11; ICH E6(R3) 4.3.8).
void migrateTo6(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE users (
            user_id TEXT PRIMARY KEY, printed_name TEXT NOT NULL, password_hash TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL, disabled_at_ms INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0, locked_until_ms INTEGER NOT NULL DEFAULT 0);
        CREATE TRIGGER users_never_deleted BEFORE DELETE ON users
            BEGIN SELECT RAISE(ABORT, 'accounts are disabled, never deleted'); END;
        CREATE TABLE grants (
            id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(user_id), role TEXT NOT NULL,
            study_id TEXT NOT NULL, site_id TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL DEFAULT 0,
            granted_by TEXT NOT NULL, ended_by TEXT NOT NULL DEFAULT '');
        CREATE INDEX grants_user ON grants (user_id);
        CREATE TRIGGER grants_never_deleted BEFORE DELETE ON grants
            BEGIN SELECT RAISE(ABORT, 'grants end, they are never deleted'); END;
        CREATE TABLE devices (
            device_id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, enrolled_by TEXT NOT NULL,
            enrolled_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER NOT NULL DEFAULT 0,
            revoked_by TEXT NOT NULL DEFAULT '');
        CREATE TABLE sessions (
            token_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL, expires_at_ms INTEGER NOT NULL, ended_at_ms INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE security_log (
            id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
            target TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE TRIGGER security_log_no_update BEFORE UPDATE ON security_log
            BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
        CREATE TRIGGER security_log_no_delete BEFORE DELETE ON security_log
            BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
        CREATE TABLE photo_sites (digest TEXT NOT NULL, site_id TEXT NOT NULL, PRIMARY KEY (digest, site_id));
    )sql");
}

// Consent status and boxes are projections (rebuildable from the events); the allocation list, the trial queries and
// the sponsor alerts are records of their own: never updated in place or deleted (triggers).
void trialTables(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE consent_status (
            study_id TEXT NOT NULL, subject_id TEXT NOT NULL, site_id TEXT NOT NULL, state TEXT NOT NULL,
            included_at_ms INTEGER NOT NULL, last_decision_at_ms INTEGER NOT NULL, last_seq INTEGER NOT NULL,
            PRIMARY KEY (study_id, subject_id));
        CREATE TABLE boxes (
            study_id TEXT NOT NULL, number INTEGER NOT NULL, site_id TEXT NOT NULL,
            subject_id TEXT NOT NULL DEFAULT '', used_seq INTEGER NOT NULL DEFAULT 0,
            used_at_ms INTEGER NOT NULL DEFAULT 0, loaded_at_ms INTEGER NOT NULL,
            PRIMARY KEY (study_id, number));
        CREATE TRIGGER boxes_never_deleted BEFORE DELETE ON boxes
            BEGIN SELECT RAISE(ABORT, 'treatment boxes are never deleted'); END;
        CREATE TABLE allocation (
            study_id TEXT NOT NULL, number INTEGER NOT NULL, arm TEXT NOT NULL, loaded_at_ms INTEGER NOT NULL,
            PRIMARY KEY (study_id, number));
        CREATE TRIGGER allocation_no_update BEFORE UPDATE ON allocation
            BEGIN SELECT RAISE(ABORT, 'the allocation list is never changed once loaded'); END;
        CREATE TRIGGER allocation_no_delete BEFORE DELETE ON allocation
            BEGIN SELECT RAISE(ABORT, 'the allocation list is never changed once loaded'); END;
        CREATE TABLE trial_queries (
            id INTEGER PRIMARY KEY, study_id TEXT NOT NULL, kind TEXT NOT NULL, site_id TEXT NOT NULL,
            subject_id TEXT NOT NULL, text TEXT NOT NULL, server_seq INTEGER NOT NULL, opened_at_ms INTEGER NOT NULL);
        CREATE TRIGGER trial_queries_no_delete BEFORE DELETE ON trial_queries
            BEGIN SELECT RAISE(ABORT, 'data queries are never deleted'); END;
        CREATE TABLE sponsor_alerts (
            id INTEGER PRIMARY KEY, study_id TEXT NOT NULL, kind TEXT NOT NULL, site_id TEXT NOT NULL,
            subject_id TEXT NOT NULL, text TEXT NOT NULL, at_ms INTEGER NOT NULL);
        CREATE TRIGGER sponsor_alerts_no_update BEFORE UPDATE ON sponsor_alerts
            BEGIN SELECT RAISE(ABORT, 'sponsor alerts are append-only'); END;
        CREATE TRIGGER sponsor_alerts_no_delete BEFORE DELETE ON sponsor_alerts
            BEGIN SELECT RAISE(ABORT, 'sponsor alerts are append-only'); END;
        CREATE TABLE resupply (
            study_id TEXT NOT NULL, site_id TEXT NOT NULL, open INTEGER NOT NULL, PRIMARY KEY (study_id, site_id));
    )sql");
}

void sdvTables(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE sdv_marks (
            id INTEGER PRIMARY KEY, study_id TEXT NOT NULL, site_id TEXT NOT NULL, subject_id TEXT NOT NULL,
            visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL, item_oid TEXT NOT NULL,
            user_id TEXT NOT NULL, at_ms INTEGER NOT NULL, at_seq INTEGER NOT NULL);
        CREATE TRIGGER sdv_marks_no_update BEFORE UPDATE ON sdv_marks
            BEGIN SELECT RAISE(ABORT, 'verification marks are append-only'); END;
        CREATE TRIGGER sdv_marks_no_delete BEFORE DELETE ON sdv_marks
            BEGIN SELECT RAISE(ABORT, 'verification marks are append-only'); END;
    )sql");
}

void queryTables(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE data_queries (
            id INTEGER PRIMARY KEY, study_id TEXT NOT NULL, site_id TEXT NOT NULL, subject_id TEXT NOT NULL,
            visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL, item_oid TEXT NOT NULL);
        CREATE TABLE query_steps (
            id INTEGER PRIMARY KEY, query_id INTEGER NOT NULL REFERENCES data_queries(id), action TEXT NOT NULL,
            user_id TEXT NOT NULL, role TEXT NOT NULL, at_ms INTEGER NOT NULL, text TEXT NOT NULL);
        CREATE INDEX query_steps_query ON query_steps (query_id);
        CREATE TRIGGER data_queries_no_update BEFORE UPDATE ON data_queries
            BEGIN SELECT RAISE(ABORT, 'data queries are append-only'); END;
        CREATE TRIGGER data_queries_no_delete BEFORE DELETE ON data_queries
            BEGIN SELECT RAISE(ABORT, 'data queries are append-only'); END;
        CREATE TRIGGER query_steps_no_update BEFORE UPDATE ON query_steps
            BEGIN SELECT RAISE(ABORT, 'query steps are append-only'); END;
        CREATE TRIGGER query_steps_no_delete BEFORE DELETE ON query_steps
            BEGIN SELECT RAISE(ABORT, 'query steps are append-only'); END;
    )sql");
}

void reviewTables(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE review_items (
            code TEXT PRIMARY KEY, study_id TEXT NOT NULL, digest TEXT NOT NULL, subject_id TEXT NOT NULL,
            site_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL,
            UNIQUE (study_id, digest, subject_id, visit_oid, form_oid, repeat));
        CREATE TRIGGER review_items_no_update BEFORE UPDATE ON review_items
            BEGIN SELECT RAISE(ABORT, 'review codes never change'); END;
        CREATE TABLE central_scores (
            id INTEGER PRIMARY KEY, code TEXT NOT NULL REFERENCES review_items(code), assessor TEXT NOT NULL,
            score INTEGER NOT NULL, at_ms INTEGER NOT NULL);
        CREATE TRIGGER central_scores_no_update BEFORE UPDATE ON central_scores
            BEGIN SELECT RAISE(ABORT, 'central scores are append-only'); END;
        CREATE TRIGGER central_scores_no_delete BEFORE DELETE ON central_scores
            BEGIN SELECT RAISE(ABORT, 'central scores are append-only'); END;
    )sql");
}

// Consent and randomization (docs/consent.md, docs/randomization.md).
void migrateTo7(sql::Database& db)
{
    trialTables(db);
}

// Source data verification marks (docs/sponsor.md).
void migrateTo8(sql::Database& db)
{
    sdvTables(db);
}

// Data queries (docs/sponsor.md).
void migrateTo9(sql::Database& db)
{
    queryTables(db);
}

// Central review of the mottling photos (docs/sponsor.md).
void migrateTo10(sql::Database& db)
{
    reviewTables(db);
}

// Device sequence ranges an import did not bring (docs/sponsor.md "Import"): append-only like the events; an
// index for the queries of a form instance (edit checks, docs/sponsor.md "Queries").
void migrateTo11(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE absent_links (
            device_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, note TEXT NOT NULL,
            PRIMARY KEY (device_id, first_seq));
        CREATE TRIGGER absent_links_no_update BEFORE UPDATE ON absent_links
            BEGIN SELECT RAISE(ABORT, 'absent links are append-only'); END;
        CREATE TRIGGER absent_links_no_delete BEFORE DELETE ON absent_links
            BEGIN SELECT RAISE(ABORT, 'absent links are append-only'); END;
        -- Edit checks look up a form instance's queries inside each push.
        CREATE INDEX data_queries_form ON data_queries (study_id, subject_id, visit_oid, form_oid, repeat);
    )sql");
}

// Version 12: form_state rows are written in the compact form of crf.v1.StoredForm (each device once, fields sorted
// by item OID; a third of the gateway's push CPU went into the older map form). Rows of the older form are read as
// they are and rewritten at their form's next change, so nothing is converted here: the version is raised so that
// an older gateway, which would read a compact row as an empty form and miss conflicts, refuses this store.
void migrateTo12(sql::Database&) {}

// Version 13: the photos move to their own file, photos.db (schema `photo_store`, attached to every connection), with
// 64 KiB pages instead of 4 KiB: a 1 MiB chunk is 17 pages written instead of 257, once into the write-ahead log and
// once at the checkpoint, and the events' small rows keep their small pages (docs/operations.md "Files"). The copy
// is committed on its own first (copyPhotosToPhotoStore), so a crash between the two files' commits never loses a
// photo: the next opening copies again (nothing twice) and then drops the old tables.
constexpr const char* kPhotoStoreTables = R"sql(
    CREATE TABLE IF NOT EXISTS photo_store.photos (
        digest TEXT PRIMARY KEY, total_bytes INTEGER NOT NULL, received_bytes INTEGER NOT NULL,
        data BLOB NOT NULL, verified INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE IF NOT EXISTS photo_store.photo_chunks (
        digest TEXT NOT NULL, offset INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (digest, offset));
    CREATE TRIGGER IF NOT EXISTS photo_store.photos_verified_no_update BEFORE UPDATE ON photos WHEN OLD.verified = 1
        BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    CREATE TRIGGER IF NOT EXISTS photo_store.photos_verified_no_delete BEFORE DELETE ON photos WHEN OLD.verified = 1
        BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    CREATE TRIGGER IF NOT EXISTS photo_store.photo_chunks_verified_no_update BEFORE UPDATE ON photo_chunks
        WHEN (SELECT verified FROM photos WHERE digest = OLD.digest) = 1
        BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    CREATE TRIGGER IF NOT EXISTS photo_store.photo_chunks_verified_no_delete BEFORE DELETE ON photo_chunks
        WHEN (SELECT verified FROM photos WHERE digest = OLD.digest) = 1
        BEGIN SELECT RAISE(ABORT, 'a verified photo is immutable'); END;
    CREATE TABLE IF NOT EXISTS photo_store.store_link (store_id TEXT NOT NULL);
)sql";

void copyPhotosToPhotoStore(sql::Database& db)
{
    sql::Transaction tx(db);
    db.exec(kPhotoStoreTables);
    db.exec(R"sql(
        INSERT OR IGNORE INTO photo_store.photos SELECT digest, total_bytes, received_bytes, data, verified
            FROM main.photos;
        INSERT OR IGNORE INTO photo_store.photo_chunks SELECT digest, offset, data FROM main.photo_chunks;
    )sql");
    tx.commit();
}

void migrateTo13(sql::Database& db)
{
    // Which photos.db belongs to this gateway.db: the same random id in both.
    db.exec(R"sql(
        CREATE TABLE main.store_link (store_id TEXT NOT NULL);
        INSERT INTO main.store_link VALUES (lower(hex(randomblob(16))));
        DELETE FROM photo_store.store_link;
        INSERT INTO photo_store.store_link SELECT store_id FROM main.store_link;
        DROP TABLE main.photo_chunks;
        DROP TABLE main.photos;
    )sql");
}

// Version 14: the photos' bytes move out of photos.db into a file per photo in the folder `photos/` (PhotoFiles,
// docs/operations.md "Files"): a chunk is written once and made durable without holding the database, and only a
// photo's completion is a commit (its row in photo_store.photos, which stays the record of what is verified and keeps
// its immutability triggers). The files are written and made durable first (copyPhotosToFiles, again from the start
// if a crash cuts it); then one transaction drops the chunks and the rows of unfinished uploads, whose state is now
// their file. SQLite commits attached files in WAL mode one by one, so the same clean-up runs again at every opening
// (finishPhotoMove): whichever of the two files a crash left behind, it ends the same.
void copyPhotosToFiles(sql::Database& db, const PhotoFiles& files)
{
    auto& known = db.prepare("SELECT count(*) FROM photo_store.sqlite_master WHERE name = 'photo_chunks'");
    if (!known.step() || known.int64(0) == 0)
        return; // moved already
    struct Photo {
        std::string digest;
        int64_t total;
        bool verified;
    };
    std::vector<Photo> photos;
    {
        auto& st = db.prepare("SELECT digest, total_bytes, verified FROM photo_store.photos ORDER BY digest");
        while (st.step())
            photos.push_back({st.text(0), st.int64(1), st.int64(2) != 0});
    }
    // A large trial's photos take a while to copy: say so, and how far it is (stderr: the gateway's log).
    if (!photos.empty())
        std::fprintf(stderr, "gateway store: moving %zu photo(s) out of photos.db into %s (schema 14)\n", photos.size(),
                     files.dir().c_str());
    size_t done = 0;
    for (const auto& [digest, total, verified] : photos) { // one photo in memory at a time
        auto& st = db.prepare("SELECT data FROM photo_store.photo_chunks WHERE digest = ?1 ORDER BY offset");
        st.bind(1, digest);
        std::string bytes;
        while (st.step())
            bytes += st.blob(0);
        files.write(digest, static_cast<uint64_t>(total), bytes);
        if (verified)
            files.seal(digest);
        if (++done % 500 == 0 || done == photos.size())
            std::fprintf(stderr, "gateway store: %zu of %zu photo(s) moved\n", done, photos.size());
    }
    db.releaseReads();
}

void finishPhotoMove(sql::Database& db)
{
    db.exec(R"sql(
        DROP TABLE IF EXISTS photo_store.photo_chunks;
        DELETE FROM photo_store.photos WHERE verified = 0;
    )sql");
}

void migrateTo14(sql::Database& db)
{
    finishPhotoMove(db);
}

using Migration = void (*)(sql::Database&);
constexpr Migration kMigrations[] = {migrateTo1,  migrateTo2,  migrateTo3,  migrateTo4, migrateTo5,
                                     migrateTo6,  migrateTo7,  migrateTo8,  migrateTo9, migrateTo10,
                                     migrateTo11, migrateTo12, migrateTo13, migrateTo14};

constexpr int kPhotoStoreVersion = 13; // from this version on, the photos are in photos.db
constexpr int kPhotoFilesVersion = 14; // from this version on, their bytes are in photos/

/// The store id both files hold, or "" when the file has none.
std::string storeLink(sql::Database& db, const std::string& schema)
{
    auto& known = db.prepare("SELECT count(*) FROM " + schema + ".sqlite_master WHERE name = 'store_link'");
    if (!known.step() || known.int64(0) == 0)
        return {};
    auto& st = db.prepare("SELECT store_id FROM " + schema + ".store_link");
    return st.step() ? st.text(0) : std::string();
}

/// Attaches photos.db as `photo_store` (made when missing, with 64 KiB pages).
void attachPhotoStore(sql::Database& db, const std::string& photosPath)
{
    auto& attach = db.prepare("ATTACH DATABASE ?1 AS photo_store");
    attach.bind(1, photosPath).run();
    db.exec("PRAGMA photo_store.page_size = 65536"); // takes effect only while the file is still empty
    db.exec("PRAGMA photo_store.journal_mode = WAL");
    db.exec("PRAGMA photo_store.synchronous = FULL");
}

} // namespace

Result<std::unique_ptr<Store>> openSqliteStore(const std::string& dataDir)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dataDir, ec);
    if (ec)
        return Error{dataDir, "cannot create data directory: " + ec.message()};
    const std::string path = (fs::path(dataDir) / "gateway.db").string();
    const std::string photosPath = (fs::path(dataDir) / "photos.db").string();
    const std::string photoDir = (fs::path(dataDir) / "photos").string();
    try {
        // Both files are synchronous = FULL (below): their logs' frames may go to the disk in one call per commit.
        sql::Database db(path, sql::Database::Mode::CreateIfMissing, sql::coalescingVfs());
        int version = db.userVersion();
        if (version > kSchemaVersion)
            return Error{path, "schema version " + std::to_string(version) + " is newer than this gateway (" +
                                   std::to_string(kSchemaVersion) + "); refusing to open"};
        // A store that keeps its photos apart must find them: an empty photos.db made here would lose them silently.
        if (version >= kPhotoStoreVersion && !fs::exists(photosPath))
            return Error{photosPath, "missing: this gateway's photos are kept there; restore it from the same backup "
                                     "as gateway.db (docs/operations.md \"Backup and recovery\")"};
        if (version >= kPhotoFilesVersion && !PhotoFiles::present(photoDir))
            return Error{photoDir,
                         "missing: this gateway's photo files are kept there; restore it from the same backup "
                         "as gateway.db and photos.db (docs/operations.md \"Backup and recovery\")"};
        // Durability before acknowledgement: WAL with a full fsync at every commit, in both files.
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = FULL");
        db.exec("PRAGMA foreign_keys = ON");
        attachPhotoStore(db, photosPath);
        if (version >= kPhotoStoreVersion && storeLink(db, "main") != storeLink(db, "photo_store"))
            return Error{photosPath,
                         "belongs to another gateway store than " + path + "; restore both files from the same backup"};
        auto files = std::make_unique<PhotoFiles>(photoDir);
        const bool moving = version < kPhotoFilesVersion;
        // One migration step per version, each in its own transaction.
        for (; version < kSchemaVersion; ++version) {
            if (version + 1 == kPhotoStoreVersion)
                copyPhotosToPhotoStore(db);
            if (version + 1 == kPhotoFilesVersion)
                copyPhotosToFiles(db, *files);
            sql::Transaction tx(db);
            kMigrations[version](db);
            db.setUserVersion(version + 1);
            tx.commit();
        }
        {
            sql::Transaction tx(db); // the end of the move to photos/, whichever file a crash left behind
            finishPhotoMove(db);
            tx.commit();
        }
        if (moving)
            db.exec("VACUUM photo_store"); // the pages the photos' bytes held go back to the file system
        return makeSqlStore(
            db::sqlitePool(std::move(db), [photosPath](sql::Database& c) { attachPhotoStore(c, photosPath); }),
            std::move(files));
    } catch (const sql::SqlError& e) {
        return Error{path, std::string("cannot open gateway store: ") + e.what()};
    } catch (const std::runtime_error& e) { // a photo file (PhotoFiles names it)
        return Error{photoDir, std::string("cannot open gateway store: ") + e.what()};
    }
}

bool isPostgresUri(const std::string& spec)
{
    return spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Store>> openStore(const std::string& spec)
{
    return isPostgresUri(spec) ? openPostgresStore(spec) : openSqliteStore(spec);
}

} // namespace crf::gateway
