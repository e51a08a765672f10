#include "tablet_store.h"

#include "signature.h"

#include "change_event.h"
#include "crypto.h"
#include "photo.h"
#include "sqlite.h"
#include "wire.h"
#include "wording.h"

#include "crf/v1/tablet_store.pb.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <tuple>

namespace crf::store {

namespace {

/// The meta row counting a user's wrong passwords checked on this tablet alone.
std::string offlineAttemptsKey(const std::string& userId)
{
    return "offline_attempts:" + userId;
}

/// A full storage is the one store failure the nurse can act on (photos and other apps fill a tablet): said so, with
/// what it means for the data. SQLite rolls the transaction back (SQLITE_FULL), so what was saved before stays.
std::optional<Error> storageFull(const std::string& where, const std::exception& e)
{
    const auto* sqlError = dynamic_cast<const sql::SqlError*>(&e);
    if (!sqlError || (sqlError->code & 0xff) != SQLITE_FULL)
        return std::nullopt;
    return messageError(where, QT_TRANSLATE_NOOP("Core", "the tablet's storage is full: nothing of this was written "
                                                         "and nothing saved before is lost; free space on the tablet, "
                                                         "then try again"));
}

/// The failure `tmpl` words (its %1: the library's reason), or the full storage when that is the reason.
Error failure(std::string where, const char* tmpl, const std::exception& e)
{
    if (auto full = storageFull(where, e))
        return *full;
    return messageError(std::move(where), tmpl, {e.what()});
}

/// A failure of the encrypted store itself (SQLCipher's message is technical: it stays as it is, for whoever fixes
/// it), framed for the screen's language.
Error storeFailure(std::string where, const std::exception& e)
{
    return failure(std::move(where), QT_TRANSLATE_NOOP("Core", "the tablet's store failed: %1"), e);
}

// A value is pending (not yet at the gateway) when its marker names an event still unsent. The gateway takes a
// device's events in sequence order, so those are the markers at or above the lowest unsent event (index
// outbox_unsent): an acknowledgement writes its outbox rows only and never touches the values it covers.
// A refused event's markers are cleared (its values no longer hold their place).
const std::string kLowestUnsent = "(SELECT coalesce(min(device_seq), 9223372036854775807) FROM outbox WHERE "
                                  "acked_server_seq IS NULL AND refused_reason IS NULL)";
const std::string kNotPending = "(pending_seq = 0 OR pending_seq < " + kLowestUnsent + ")";
const std::string kPending = "(pending_seq <> 0 AND pending_seq >= " + kLowestUnsent + ")";

// Cipher settings pinned explicitly so a library default change can never make a file unreadable.
// Debian's SQLCipher 3.4.1 defaults, written out: AES-256-CBC, HMAC-SHA1 per page, 4096-byte pages.
// With a raw key PBKDF2 is skipped for the key; kdf_iter/fast_kdf_iter still pin the HMAC key derivation.
// SQLCipher 4 (mobile) opens these files with the same pins plus `PRAGMA cipher_compatibility = 3`
// (docs/security.md).
constexpr const char* kCipherPins = "PRAGMA cipher_page_size = 4096;"
                                    "PRAGMA kdf_iter = 64000;"
                                    "PRAGMA fast_kdf_iter = 2;"
                                    "PRAGMA cipher_use_hmac = ON;";

void migrateTo1(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE subjects (subject_id TEXT PRIMARY KEY, site_id TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
        CREATE TABLE form_values (
            subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL,
            item_oid TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (subject_id, visit_oid, form_oid, repeat, item_oid));
        CREATE TABLE outbox (device_seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, payload BLOB NOT NULL,
                             created_at_ms INTEGER NOT NULL);
    )sql");
}

// Version 2: units beside values, acknowledged events kept as a local audit copy, the pulled event log,
// and a per-value marker of the newest own unacknowledged change (own changes stay on top of pulled ones).
void migrateTo2(sql::Database& db)
{
    db.exec(R"sql(
        ALTER TABLE form_values ADD COLUMN unit TEXT NOT NULL DEFAULT '';
        ALTER TABLE form_values ADD COLUMN pending_seq INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN acked_server_seq INTEGER;
        CREATE TABLE events (
            server_seq INTEGER PRIMARY KEY, device_id TEXT NOT NULL, device_seq INTEGER NOT NULL,
            subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL,
            received_at_ms INTEGER NOT NULL, payload BLOB NOT NULL,
            UNIQUE (device_id, device_seq));
        CREATE INDEX events_form ON events (subject_id, visit_oid, form_oid, repeat);
    )sql");
    // Version 1 deleted outbox rows on acknowledgement, so every row left is unacknowledged: mark its values
    // pending so a pull cannot hide them before they reach the gateway.
    std::vector<std::string> payloads;
    auto& rows = db.prepare("SELECT payload FROM outbox ORDER BY device_seq");
    while (rows.step())
        payloads.push_back(rows.blob(0));
    for (const auto& payload : payloads) {
        v1::ChangeEvent e;
        if (!e.ParseFromString(payload))
            throw sql::SqlError(SQLITE_CORRUPT, "outbox event cannot be parsed during migration to version 2");
        for (const auto& c : e.changes()) {
            auto& st = db.prepare("UPDATE form_values SET pending_seq = ?1, unit = ?2 WHERE subject_id = ?3 AND "
                                  "visit_oid = ?4 AND form_oid = ?5 AND repeat = ?6 AND item_oid = ?7");
            st.bind(1, static_cast<int64_t>(e.device_seq()))
                .bind(2, c.unit())
                .bind(3, e.form().subject_id())
                .bind(4, e.form().visit_oid())
                .bind(5, e.form().form_oid())
                .bind(6, static_cast<int64_t>(e.form().repeat()))
                .bind(7, c.item_oid())
                .run();
        }
    }
}

// Version 3: the local audit trail of site-only items (identifying data that never leaves the site).
void migrateTo3(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE site_events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, payload BLOB NOT NULL,
                                  created_at_ms INTEGER NOT NULL);
        CREATE TRIGGER site_events_no_update BEFORE UPDATE ON site_events
            BEGIN SELECT RAISE(ABORT, 'the site audit trail is append-only'); END;
        CREATE TRIGGER site_events_no_delete BEFORE DELETE ON site_events
            BEGIN SELECT RAISE(ABORT, 'the site audit trail is append-only'); END;
    )sql");
}

// Version 4: a value changed concurrently on two tablets is marked in conflict until resolved (DESIGN "Merge").
void migrateTo4(sql::Database& db)
{
    db.exec("ALTER TABLE form_values ADD COLUMN conflict INTEGER NOT NULL DEFAULT 0;");
}

// Version 5: an event the gateway refused for its content leaves the queue with the gateway's reason (it is kept in
// the gateway's audit trail and here), so later changes are not blocked behind it.
void migrateTo5(sql::Database& db)
{
    db.exec("ALTER TABLE outbox ADD COLUMN refused_reason TEXT;");
}

// Version 6: the status of whole form instances ("entered in error" is a status, never a delete).
void migrateTo6(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE form_status (
            subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL,
            status TEXT NOT NULL, PRIMARY KEY (subject_id, visit_oid, form_oid, repeat));
    )sql");
}

// Version 7: photos live only inside the encrypted database (never a clear file, never a gallery).
void migrateTo7(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE photos (digest TEXT PRIMARY KEY, data BLOB NOT NULL, size INTEGER NOT NULL,
                             created_at_ms INTEGER NOT NULL, verified INTEGER NOT NULL DEFAULT 0);
    )sql");
}

// Version 8: indexes for the sync hot paths (pending values, unsent events), found by crf-bench: without them each
// acknowledgement scanned every stored value.
void migrateTo8(sql::Database& db)
{
    db.exec(R"sql(
        CREATE INDEX form_values_pending ON form_values (pending_seq) WHERE pending_seq <> 0;
        CREATE INDEX outbox_unsent ON outbox (device_seq) WHERE acked_server_seq IS NULL AND refused_reason IS NULL;
    )sql");
}

// Version 9: urgent events (a serious adverse event) are sent before anything else.
void migrateTo9(sql::Database& db)
{
    db.exec("ALTER TABLE outbox ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;");
}

// Version 10: photo metadata apart from the bytes. In `photos` the size and verified flag sit after the blob, so
// reading them walked (and decrypted) every photo's overflow pages, and marking a photo verified rewrote all of it.
void migrateTo10(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE photo_meta (digest TEXT PRIMARY KEY, size INTEGER NOT NULL, created_at_ms INTEGER NOT NULL,
                                 verified INTEGER NOT NULL DEFAULT 0);
        INSERT INTO photo_meta (digest, size, created_at_ms, verified)
            SELECT digest, size, created_at_ms, verified FROM photos;
        CREATE INDEX photo_meta_unverified ON photo_meta (created_at_ms) WHERE verified = 0;
    )sql");
}

// Version 11: refused events indexed: the sync state counted them by reading every queued event (crf-bench: most of
// a no-op sync).
void migrateTo11(sql::Database& db)
{
    db.exec("CREATE INDEX outbox_refused ON outbox (device_seq) WHERE refused_reason IS NOT NULL;");
}

// Version 12: users who logged in online on this tablet, for offline login (Argon2id verifier) and their cached
// session (docs/security.md). Inside the encrypted database like everything else.
void migrateTo12(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE local_users (
            user_id TEXT PRIMARY KEY, printed_name TEXT NOT NULL, verifier TEXT NOT NULL, role TEXT NOT NULL,
            site_id TEXT NOT NULL, token TEXT NOT NULL, token_expires_ms INTEGER NOT NULL,
            last_online_ms INTEGER NOT NULL);
    )sql");
}

// Version 13: electronic signatures (own and pulled), with the hash of what each covers (21 CFR 11.70).
void migrateTo13(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE signatures (
            event_id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
            repeat INTEGER NOT NULL, scope TEXT NOT NULL, content_hash BLOB NOT NULL, user_id TEXT NOT NULL,
            printed_name TEXT NOT NULL, meaning TEXT NOT NULL, signed_at_ms INTEGER NOT NULL);
        CREATE INDEX signatures_subject ON signatures (subject_id);
    )sql");
}

// Version 14: a refusal's wording parts (crf.v1.Wording), so the screen shows the gateway's reason in its language.
void migrateTo14(sql::Database& db)
{
    db.exec("ALTER TABLE outbox ADD COLUMN refused_wording BLOB;");
}

// Version 15: form values kept in their key's own B-tree (WITHOUT ROWID): each value is written once instead of into
// a table and its key index, which halves the writes of a pull (300,000 values for 10,000 forms; crf-bench).
void migrateTo15(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE form_values_15 (
            subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL,
            item_oid TEXT NOT NULL, value TEXT NOT NULL, unit TEXT NOT NULL DEFAULT '',
            pending_seq INTEGER NOT NULL DEFAULT 0, conflict INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (subject_id, visit_oid, form_oid, repeat, item_oid)) WITHOUT ROWID;
        INSERT INTO form_values_15 (subject_id, visit_oid, form_oid, repeat, item_oid, value, unit, pending_seq,
                                    conflict)
            SELECT subject_id, visit_oid, form_oid, repeat, item_oid, value, unit, pending_seq, conflict
            FROM form_values;
        DROP TABLE form_values;
        ALTER TABLE form_values_15 RENAME TO form_values;
        CREATE INDEX form_values_pending ON form_values (pending_seq) WHERE pending_seq <> 0;
    )sql");
}

// Version 16: the unsent-event index carries the columns its queries test, so counting the queue (the sync state,
// urgent events waiting) reads the index alone. SQLite 3.15 does not take a partial index's condition as known and
// read every queued row to check it: 28 ms per count with 10,000 forms queued (crf-bench), twice per sync.
void migrateTo16(sql::Database& db)
{
    db.exec(R"sql(
        DROP INDEX outbox_unsent;
        CREATE INDEX outbox_unsent ON outbox (device_seq, urgent, acked_server_seq, refused_reason)
            WHERE acked_server_seq IS NULL AND refused_reason IS NULL;
    )sql");
}

// Version 17: a form instance whose values all came from the gateway, none pending and none in conflict, is held as
// one row (v1::SettledForm) instead of one row per value: a catch-up pull writes 10,000 rows for 10,000 forms instead
// of 300,000 (crf-bench: pull 0.8 -> 0.33 s). A form instance's values are either in its settled row or in
// form_values, never in both: the first local change, conflict or resolution moves them to form_values
// (TabletStore::unsettle), where each value carries its own pending and conflict marks.
void migrateTo17(sql::Database& db)
{
    db.exec(R"sql(
        CREATE TABLE form_settled (
            subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL,
            items BLOB NOT NULL, PRIMARY KEY (subject_id, visit_oid, form_oid, repeat)) WITHOUT ROWID;
    )sql");
}

// Version 18: a value cleared on this tablet and not yet at the gateway keeps its row, marked absent (present = 0)
// with its pending mark, so a value pulled for the same field does not reappear over the own clearing (DESIGN "Pull":
// own unacknowledged changes stay on top). Readers see present rows only; the row goes when a later change or the
// own event coming back replaces it.
void migrateTo18(sql::Database& db)
{
    db.exec("ALTER TABLE form_values ADD COLUMN present INTEGER NOT NULL DEFAULT 1;");
}

// Version 19: the photos' bytes move to a file of their own next to the store (`crf-photos.db` beside `crf.db`),
// encrypted with the same key in pages of 64 KiB instead of 4 KiB (docs/security.md "Tablet store"): reading a 2 MiB
// photo decrypts 32 pages instead of 512 (3.1 -> 1.8 ms on the reference machine, the tablet's largest share of a
// photo upload), storing one writes 33 instead of 514, and the form values keep their small pages. The copy is
// committed on its own first (copyPhotosToPhotoFile): SQLite commits two files in WAL mode one by one, so a crash
// before this version's commit leaves the photos in both files and the next opening copies again (nothing twice).
constexpr int kPhotoFileVersion = 19;
constexpr int kPhotoPageSize = 65536;

void copyPhotosToPhotoFile(sql::Database& db)
{
    sql::Transaction tx(db);
    db.exec(R"sql(
        CREATE TABLE IF NOT EXISTS photo_store.photos (digest TEXT PRIMARY KEY, data BLOB NOT NULL);
        INSERT OR IGNORE INTO photo_store.photos (digest, data) SELECT digest, data FROM main.photos;
    )sql");
    tx.commit();
}

void migrateTo19(sql::Database& db)
{
    db.exec("DROP TABLE main.photos;");
}

/// A settled row's values; a row that cannot be parsed is damage, reported like any other (nothing is written).
v1::SettledForm parseSettled(std::string_view blob)
{
    v1::SettledForm form;
    if (!form.ParseFromArray(blob.data(), static_cast<int>(blob.size())))
        throw sql::SqlError(SQLITE_CORRUPT, "a settled form instance cannot be read (database damaged?)");
    return form;
}

/// The value of `item` in a settled form instance, or nullptr when it has none.
const v1::SettledValue* settledValue(const v1::SettledForm& form, const std::string& item)
{
    for (const auto& v : form.values())
        if (v.item_oid() == item)
            return &v;
    return nullptr;
}

/// Adds a settled form instance's values to `out` (none of them pending or in conflict).
void addSettled(std::map<std::string, FieldValue>& out, v1::SettledForm form)
{
    for (auto& v : *form.mutable_values())
        out[v.item_oid()] = FieldValue{std::move(*v.mutable_value()), std::move(*v.mutable_unit()), false, false};
}

using Migration = void (*)(sql::Database&);
constexpr Migration kMigrations[] = {migrateTo1,  migrateTo2,  migrateTo3,  migrateTo4,  migrateTo5,
                                     migrateTo6,  migrateTo7,  migrateTo8,  migrateTo9,  migrateTo10,
                                     migrateTo11, migrateTo12, migrateTo13, migrateTo14, migrateTo15,
                                     migrateTo16, migrateTo17, migrateTo18, migrateTo19};

/// Binds a form instance's key (?1 subject, ?2 visit, ?3 form, ?4 repeat).
sql::Statement& bindForm(sql::Statement& st, const v1::FormRef& f)
{
    return st.bind(1, f.subject_id())
        .bind(2, f.visit_oid())
        .bind(3, f.form_oid())
        .bind(4, static_cast<int64_t>(f.repeat()));
}

sql::Statement& bindForm(sql::Statement& st, const FormKey& f)
{
    return st.bind(1, f.subjectId).bind(2, f.visitOid).bind(3, f.formOid).bind(4, static_cast<int64_t>(f.repeat));
}

/// Binds a field's key (?1 subject, ?2 visit, ?3 form, ?4 repeat, ?5 item) to a statement on form_values.
sql::Statement& bindField(sql::Statement& st, const v1::FormRef& f, const std::string& item)
{
    return bindForm(st, f).bind(5, item);
}

/// The settled row of a form instance (schema 17), if it has one.
template <typename Key> std::optional<v1::SettledForm> readSettled(sql::Database& db, const Key& f)
{
    auto& st = bindForm(db.prepare("SELECT items FROM form_settled WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                   "form_oid = ?3 AND repeat = ?4"),
                        f);
    std::optional<v1::SettledForm> form;
    if (st.step())
        form = parseSettled(st.blobView(0));
    st.reset();
    return form;
}

void putStatus(sql::Database& db, const v1::FormRef& f, const std::string& status)
{
    db.prepare("INSERT OR REPLACE INTO form_status (subject_id, visit_oid, form_oid, repeat, status) VALUES (?1, ?2, "
               "?3, ?4, ?5)")
        .bind(1, f.subject_id())
        .bind(2, f.visit_oid())
        .bind(3, f.form_oid())
        .bind(4, static_cast<int64_t>(f.repeat()))
        .bind(5, status)
        .run();
}
static_assert(std::size(kMigrations) == TabletStore::kSchemaVersion);

} // namespace

TabletStore::TabletStore(std::unique_ptr<sql::Database> db, const Clock& clock) : m_db(std::move(db)), m_clock(clock) {}

TabletStore::~TabletStore()
{
    // The time of a sync kept in memory only (recordSyncAttempt) is written on the way out; a process that is
    // killed loses at most kSyncTimeResolutionMs of it.
    if (m_lastSyncMs > m_lastSyncStoredMs && m_lastSyncStoredMs >= 0) {
        try {
            sql::Transaction tx(*m_db, sql::Transaction::Durability::Relaxed);
            setMeta("last_sync_ms", std::to_string(m_lastSyncMs));
            tx.commit();
        } catch (const std::exception&) {
            // Closing must not fail over the time of a sync (shown to the nurse, not data).
        }
    }
}

const std::string& TabletStore::path() const
{
    return m_db->path();
}

Result<std::unique_ptr<TabletStore>> TabletStore::open(const std::string& path, platform::KeyStore& keys,
                                                       const std::string& keyName, const Clock& clock)
{
    const bool exists = std::filesystem::exists(path);
    auto loaded = keys.load(QString::fromStdString(keyName));
    if (!loaded)
        return Error{"key store", loaded.error().text()};
    std::optional<SecretKey> key = std::move(loaded).value();
    if (!key) {
        if (exists)
            return messageError(path,
                                QT_TRANSLATE_NOOP("Core",
                                                  "the database exists but its key is missing from %1; refusing "
                                                  "to open or replace it (nothing was changed)"),
                                {keys.describe().toStdString()});
        key = SecretKey::random();
        if (auto saved = keys.save(QString::fromStdString(keyName), *key); !saved)
            return Error{"key store", saved.error().text()};
    }
    return openWithKey(path, *key, clock);
}

std::string TabletStore::photoFileOf(const std::string& dbPath)
{
    std::filesystem::path p(dbPath);
    p.replace_filename(p.stem().string() + "-photos" + p.extension().string());
    return p.string();
}

Result<std::unique_ptr<TabletStore>> TabletStore::openWithKey(const std::string& path, const SecretKey& key,
                                                              const Clock& clock)
{
    namespace fs = std::filesystem;
    const bool exists = fs::exists(path);
    std::error_code ec;
    if (!exists && fs::path(path).has_parent_path())
        fs::create_directories(fs::path(path).parent_path(), ec);
    try {
        auto db = std::make_unique<sql::Database>(path, exists ? sql::Database::Mode::OpenExisting
                                                               : sql::Database::Mode::CreateIfMissing);
        db->applyRawKey(key.data(), key.size());
        db->exec(kCipherPins);
        // Verify the key before anything can write: reading the schema decrypts page 1 (SQLITE_NOTADB otherwise).
        try {
            db->exec("SELECT count(*) FROM sqlite_master");
        } catch (const sql::SqlError& e) {
            if (e.code == SQLITE_NOTADB)
                return messageError(path,
                                    QT_TRANSLATE_NOOP("Core", "cannot be opened: wrong key, or not an "
                                                              "encrypted CRF database (the file was left untouched)"));
            if (e.code == SQLITE_CORRUPT)
                return messageError(
                    path, QT_TRANSLATE_NOOP("Core", "the database file is damaged (the file was left untouched)"));
            throw;
        }
        // A store that keeps its photos apart must find them: an empty photo file made here would lose them.
        const std::string photos = photoFileOf(path);
        if (db->userVersion() >= kPhotoFileVersion && !fs::exists(photos))
            return messageError(photos, QT_TRANSLATE_NOOP("Core", "missing: this store's photos are kept there; "
                                                                  "restore it from the same backup as the store "
                                                                  "(nothing was changed)"));
        if (!fs::exists(photos)) {
            // Made on its own connection: ATTACH cannot create a file beside one opened without creation.
            sql::Database made(photos, sql::Database::Mode::CreateIfMissing);
            made.applyRawKey(key.data(), key.size());
            made.exec(kCipherPins);
            made.exec("PRAGMA cipher_page_size = " + std::to_string(kPhotoPageSize) +
                      "; PRAGMA journal_mode = WAL;"
                      "CREATE TABLE IF NOT EXISTS photos (digest TEXT PRIMARY KEY, data BLOB NOT NULL);");
        }
        db->attachEncrypted(photos, "photo_store", key.data(), key.size(), kPhotoPageSize);
        auto store = std::unique_ptr<TabletStore>(new TabletStore(std::move(db), clock));
        if (auto st = store->initialise(); !st)
            return st.error();
        // The checkpoints' own connection, with the same key and cipher settings (the log's pages are copied as
        // they are, still encrypted; the key is needed to open the file).
        sql::Database own(path, sql::Database::Mode::OpenExisting);
        own.applyRawKey(key.data(), key.size());
        own.exec(kCipherPins);
        own.attachEncrypted(photos, "photo_store", key.data(), key.size(), kPhotoPageSize);
        // The photo file's log is copied from 4 MiB on too (64 pages of 64 KiB), by the writer past 16 MiB.
        store->m_checkpointer = std::make_unique<sql::BackgroundCheckpointer>(
            *store->m_db, std::move(own),
            std::vector<std::pair<std::string, sql::BackgroundCheckpointer::Limits>>{{"main", {1000, 256, 4000}},
                                                                                     {"photo_store", {64, 16, 256}}});
        return store;
    } catch (const sql::SqlError& e) {
        return storeFailure(path, e);
    }
}

Status TabletStore::initialise()
{
    try {
        // WAL: readers never block the save; synchronous=FULL: a saved value survives power loss.
        m_db->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                   "PRAGMA photo_store.journal_mode = WAL; PRAGMA photo_store.synchronous = FULL;");
        {
            sql::Statement st(m_db->handle(), "PRAGMA cipher_version");
            m_cipherVersion = st.step() ? st.text(0) : std::string("unknown");
        }
        int version = m_db->userVersion();
        if (version > kSchemaVersion)
            return messageError(
                m_db->path(),
                QT_TRANSLATE_NOOP("Core", "schema version %1 is newer than this app (%2); update the app (nothing "
                                          "was changed)"),
                {std::to_string(version), std::to_string(kSchemaVersion)});
        // One migration step per version, each in its own BEGIN IMMEDIATE ... COMMIT.
        for (; version < kSchemaVersion; ++version) {
            if (version + 1 == kPhotoFileVersion)
                copyPhotosToPhotoFile(*m_db);
            sql::Transaction tx(*m_db);
            kMigrations[version](*m_db);
            m_db->setUserVersion(version + 1);
            tx.commit();
        }
        m_schemaVersion = version;

        sql::Transaction tx(*m_db);
        m_deviceId = meta("device_id");
        if (m_deviceId.empty()) {
            m_deviceId = uuidV4();
            setMeta("device_id", m_deviceId);
        }
        tx.commit();
        HlcTime last;
        last.wallMs = std::stoll(meta("hlc_wall_ms", "0"));
        last.counter = static_cast<uint32_t>(std::stoul(meta("hlc_counter", "0")));
        m_hlc = std::make_unique<HybridLogicalClock>(m_clock, last);
        // Whatever is unsent now may have reached the gateway before the last stop (its answer lost): never
        // renumber it.
        {
            auto& st = m_db->prepare("SELECT max(device_seq) FROM outbox");
            m_offeredUpTo = st.step() ? static_cast<uint64_t>(st.int64(0)) : 0;
        }
        return {};
    } catch (const std::exception& e) {
        return failure(m_db->path(), QT_TRANSLATE_NOOP("Core", "cannot prepare the database: %1"), e);
    }
}

std::string TabletStore::meta(const std::string& key, const std::string& fallback)
{
    auto& st = m_db->prepare("SELECT value FROM meta WHERE key = ?1");
    st.bind(1, key);
    return st.step() ? st.blob(0) : fallback;
}

void TabletStore::setMeta(const std::string& key, const std::string& value)
{
    // SQLCipher 3.4.1 bundles SQLite 3.15: no UPSERT. UPDATE then INSERT rather than INSERT OR REPLACE, and OR FAIL
    // (the same as ABORT for one row): neither opens a statement journal, whose page copies SQLCipher encrypts.
    m_db->prepare("UPDATE OR FAIL meta SET value = ?2 WHERE key = ?1").bind(1, key).bindBlob(2, value).run();
    if (m_db->changes() == 0)
        m_db->prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)").bind(1, key).bindBlob(2, value).run();
}

void TabletStore::dropMeta(const std::string& key)
{
    m_db->prepare("DELETE FROM meta WHERE key = ?1").bind(1, key).run();
}

uint64_t TabletStore::baseVersion(const FormKey& f)
{
    auto& st = m_db->prepare("SELECT coalesce(max(server_seq), 0) FROM events WHERE subject_id = ?1 AND "
                             "visit_oid = ?2 AND form_oid = ?3 AND repeat = ?4");
    st.bind(1, f.subjectId).bind(2, f.visitOid).bind(3, f.formOid).bind(4, static_cast<int64_t>(f.repeat));
    st.step();
    return static_cast<uint64_t>(st.int64(0));
}

void TabletStore::putValue(const std::string& subject, const std::string& visit, const std::string& form,
                           uint32_t repeat, const v1::FieldChange& c, uint64_t pendingSeq, bool onlyIfNotPending)
{
    auto run = [&](const std::string& sql) {
        m_db->prepare(sql)
            .bind(1, subject)
            .bind(2, visit)
            .bind(3, form)
            .bind(4, static_cast<int64_t>(repeat))
            .bind(5, c.item_oid())
            .bind(6, c.new_value())
            .bind(7, c.unit())
            .bind(8, static_cast<int64_t>(pendingSeq))
            .run();
    };
    // UPDATE then INSERT: SQLite 3.15 (inside SQLCipher 3.4.1) has no UPSERT. OR FAIL is ABORT for one row, without
    // the statement journal an UPDATE that may abort opens (one encrypted page copy per changed value).
    // A pulled value equal to the stored one (typically an own event coming back) writes nothing.
    run(std::string("UPDATE OR FAIL form_values SET value = ?6, unit = ?7, pending_seq = ?8, present = 1 WHERE "
                    "subject_id = ?1 AND visit_oid = ?2 AND form_oid = ?3 AND repeat = ?4 AND item_oid = ?5") +
        (onlyIfNotPending ? " AND " + kNotPending + " AND (value <> ?6 OR unit <> ?7 OR present = 0)" : ""));
    if (m_db->changes() > 0)
        return;
    // No row updated: either none exists, or (pull) an own pending value holds it, which OR IGNORE keeps.
    run("INSERT OR IGNORE INTO form_values (subject_id, visit_oid, form_oid, repeat, item_oid, value, unit, "
        "pending_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
}

void TabletStore::applyChange(const v1::FormRef& f, const v1::FieldChange& c)
{
    if (c.new_present()) {
        putValue(f.subject_id(), f.visit_oid(), f.form_oid(), f.repeat(), c, 0, true);
        return;
    }
    bindField(m_db->prepare(std::string("DELETE FROM form_values WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                        "form_oid = ?3 AND repeat = ?4 AND item_oid = ?5 AND conflict = 0 AND ") +
                            kNotPending),
              f, c.item_oid())
        .run();
}

void TabletStore::setConflict(const v1::FormRef& f, const std::string& item, bool conflict)
{
    if (conflict) {
        // A conflict on a value that was absent on the gateway side still needs a row to carry the flag.
        bindField(m_db->prepare("INSERT OR IGNORE INTO form_values (subject_id, visit_oid, form_oid, repeat, item_oid, "
                                "value, unit, pending_seq) VALUES (?1, ?2, ?3, ?4, ?5, '', '', 0)"),
                  f, item)
            .run();
    }
    bindField(m_db->prepare("UPDATE form_values SET conflict = ?6 WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                            "form_oid = ?3 AND repeat = ?4 AND item_oid = ?5"),
              f, item)
        .bind(6, static_cast<int64_t>(conflict))
        .run();
    if (!conflict)
        bindField(m_db->prepare(std::string("DELETE FROM form_values WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                            "form_oid = ?3 AND repeat = ?4 AND item_oid = ?5 AND value = '' AND ") +
                                kNotPending),
                  f, item)
            .run();
}

void TabletStore::unsettle(const FormKey& f)
{
    const auto form = readSettled(*m_db, f);
    if (!form)
        return;
    for (const auto& v : form->values())
        bindForm(m_db->prepare("INSERT INTO form_values (subject_id, visit_oid, form_oid, repeat, item_oid, value, "
                               "unit, pending_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)"),
                 f)
            .bind(5, v.item_oid())
            .bind(6, v.value())
            .bind(7, v.unit())
            .run();
    bindForm(m_db->prepare(
                 "DELETE FROM form_settled WHERE subject_id = ?1 AND visit_oid = ?2 AND form_oid = ?3 AND repeat = ?4"),
             f)
        .run();
}

namespace {

/// The row of a form instance first seen settled, written from its changes without building the message: the bytes
/// of the v1::SettledForm applySettled() builds (SerializeAsString), when every change sets a value and no item comes
/// twice (the gateway refuses an event that changes an item twice); nothing otherwise. A catch-up pull writes one per
/// form instance: building, serializing and freeing the message was about half of storing a pulled form.
std::optional<std::string> firstSettledBytes(const google::protobuf::RepeatedPtrField<v1::FieldChange>& changes)
{
    if (changes.empty())
        return std::nullopt;
    std::vector<std::string_view> oids;
    oids.reserve(static_cast<size_t>(changes.size()));
    for (const auto& c : changes) {
        if (!c.new_present())
            return std::nullopt;
        oids.push_back(c.item_oid());
    }
    std::sort(oids.begin(), oids.end());
    if (std::adjacent_find(oids.begin(), oids.end()) != oids.end())
        return std::nullopt;
    std::string out, value;
    for (const auto& c : changes) {
        value.clear(); // proto3: an empty string is not written
        if (!c.item_oid().empty())
            wire::appendField(value, v1::SettledValue::kItemOidFieldNumber, c.item_oid());
        if (!c.new_value().empty())
            wire::appendField(value, v1::SettledValue::kValueFieldNumber, c.new_value());
        if (!c.unit().empty())
            wire::appendField(value, v1::SettledValue::kUnitFieldNumber, c.unit());
        wire::appendField(out, v1::SettledForm::kValuesFieldNumber, value);
    }
    return out;
}

} // namespace

void TabletStore::applySettled(const v1::FormRef& f, const google::protobuf::RepeatedPtrField<v1::FieldChange>& changes)
{
    auto stored = readSettled(*m_db, f);
    const bool held = stored.has_value();
    if (!held) {
        if (auto bytes = firstSettledBytes(changes)) {
            bindForm(m_db->prepare("INSERT INTO form_settled (subject_id, visit_oid, form_oid, repeat, items) VALUES "
                                   "(?1, ?2, ?3, ?4, ?5)"),
                     f)
                .bindBlob(5, *bytes)
                .run();
            return;
        }
    }
    v1::SettledForm form = held ? std::move(*stored) : v1::SettledForm();
    auto* values = form.mutable_values();
    for (const auto& c : changes) {
        auto it = std::find_if(values->begin(), values->end(),
                               [&](const v1::SettledValue& v) { return v.item_oid() == c.item_oid(); });
        if (!c.new_present()) {
            if (it != values->end())
                values->erase(it);
            continue;
        }
        v1::SettledValue* v = it != values->end() ? &*it : form.add_values();
        v->set_item_oid(c.item_oid());
        v->set_value(c.new_value());
        v->set_unit(c.unit());
    }
    if (form.values().empty()) {
        // Like form_values, a form instance without values has no row.
        if (held)
            bindForm(
                m_db->prepare("DELETE FROM form_settled WHERE subject_id = ?1 AND visit_oid = ?2 AND form_oid = ?3 "
                              "AND repeat = ?4"),
                f)
                .run();
        return;
    }
    // A plain INSERT or a single-row UPDATE OR FAIL: no statement journal. SQLite keeps one for a statement that may
    // have to undo part of itself (INSERT OR REPLACE, an UPDATE that may abort), and SQLCipher encrypts every page
    // copied into it: one 4 KiB page per form instance, doubling the pull's encryption (crf-bench).
    bindForm(m_db->prepare(
                 held ? "UPDATE OR FAIL form_settled SET items = ?5 WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                        "form_oid = ?3 AND repeat = ?4"
                      : "INSERT INTO form_settled (subject_id, visit_oid, form_oid, repeat, items) VALUES (?1, ?2, ?3, "
                        "?4, ?5)"),
             f)
        .bindBlob(5, form.SerializeAsString())
        .run();
}

Result<std::map<std::string, FieldValue>> TabletStore::formValues(const FormKey& f)
{
    try {
        auto& st = m_db->prepare(std::string("SELECT item_oid, value, unit, ") + kPending +
                                 ", conflict FROM form_values WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                 "form_oid = ?3 AND repeat = ?4 AND present = 1");
        st.bind(1, f.subjectId).bind(2, f.visitOid).bind(3, f.formOid).bind(4, static_cast<int64_t>(f.repeat));
        std::map<std::string, FieldValue> out;
        while (st.step())
            out[st.text(0)] = FieldValue{st.text(1), st.text(2), st.int64(3) != 0, st.int64(4) != 0};
        if (out.empty())
            if (auto settled = readSettled(*m_db, f))
                addSettled(out, std::move(*settled));
        return out;
    } catch (const sql::SqlError& e) {
        return storeFailure("form " + f.formOid, e);
    }
}

Result<std::vector<TabletStore::FormInstance>> TabletStore::subjectForms(const std::string& subjectId)
{
    try {
        std::map<std::tuple<std::string, std::string, uint32_t>, FormInstance> byKey;
        // Each query below starts with visit, form and repeat: the row's form instance.
        auto instanceOf = [&](const sql::Statement& row) -> FormInstance& {
            const auto repeat = static_cast<uint32_t>(row.int64(2));
            auto& instance = byKey[{row.text(0), row.text(1), repeat}];
            instance.form = {subjectId, row.text(0), row.text(1), repeat};
            return instance;
        };
        auto& st = m_db->prepare(std::string("SELECT visit_oid, form_oid, repeat, item_oid, value, unit, ") + kPending +
                                 ", conflict FROM form_values WHERE subject_id = ?1 AND present = 1");
        st.bind(1, subjectId);
        while (st.step())
            instanceOf(st).values[st.text(3)] = FieldValue{st.text(4), st.text(5), st.int64(6) != 0, st.int64(7) != 0};
        auto& settled =
            m_db->prepare("SELECT visit_oid, form_oid, repeat, items FROM form_settled WHERE subject_id = ?1");
        settled.bind(1, subjectId);
        while (settled.step())
            addSettled(instanceOf(settled).values, parseSettled(settled.blobView(3)));
        auto& status =
            m_db->prepare("SELECT visit_oid, form_oid, repeat, status FROM form_status WHERE subject_id = ?1");
        status.bind(1, subjectId);
        while (status.step())
            instanceOf(status).status = status.text(3);
        std::vector<FormInstance> out;
        for (auto& [key, instance] : byKey)
            out.push_back(std::move(instance));
        return out;
    } catch (const sql::SqlError& e) {
        return storeFailure("casebook " + subjectId, e);
    }
}

Result<std::map<uint32_t, std::map<std::string, FieldValue>>>
TabletStore::formRepeats(const std::string& subjectId, const std::string& visitOid, const std::string& formOid)
{
    try {
        auto& st = m_db->prepare(std::string("SELECT repeat, item_oid, value, unit, ") + kPending +
                                 ", conflict FROM form_values WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                 "form_oid = ?3 AND present = 1 ORDER BY repeat");
        st.bind(1, subjectId).bind(2, visitOid).bind(3, formOid);
        std::map<uint32_t, std::map<std::string, FieldValue>> out;
        while (st.step())
            out[static_cast<uint32_t>(st.int64(0))][st.text(1)] =
                FieldValue{st.text(2), st.text(3), st.int64(4) != 0, st.int64(5) != 0};
        auto& settled = m_db->prepare("SELECT repeat, items FROM form_settled WHERE subject_id = ?1 AND visit_oid = ?2 "
                                      "AND form_oid = ?3");
        settled.bind(1, subjectId).bind(2, visitOid).bind(3, formOid);
        while (settled.step())
            addSettled(out[static_cast<uint32_t>(settled.int64(0))], parseSettled(settled.blobView(1)));
        return out;
    } catch (const sql::SqlError& e) {
        return storeFailure("form " + formOid, e);
    }
}

Result<std::vector<std::pair<std::string, std::string>>> TabletStore::itemValues(const std::string& formOid,
                                                                                 const std::string& itemOid)
{
    try {
        auto& st = m_db->prepare(
            "SELECT subject_id, value FROM form_values WHERE form_oid = ?1 AND item_oid = ?2 AND present = 1 ORDER BY "
            "subject_id");
        st.bind(1, formOid).bind(2, itemOid);
        std::vector<std::pair<std::string, std::string>> out;
        while (st.step())
            out.emplace_back(st.text(0), st.text(1));
        auto& settled = m_db->prepare("SELECT subject_id, items FROM form_settled WHERE form_oid = ?1");
        settled.bind(1, formOid);
        while (settled.step()) {
            const v1::SettledForm form = parseSettled(settled.blobView(1));
            if (const auto* v = settledValue(form, itemOid))
                out.emplace_back(settled.text(0), v->value());
        }
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        return out;
    } catch (const sql::SqlError& e) {
        return storeFailure("form " + formOid, e);
    }
}

Status TabletStore::putCached(const std::string& key, const std::string& bytes)
{
    try {
        setMeta("cache:" + key, bytes);
        return Status::success();
    } catch (const sql::SqlError& e) {
        return storeFailure("cache " + key, e);
    }
}

Result<std::string> TabletStore::cached(const std::string& key)
{
    try {
        return meta("cache:" + key);
    } catch (const sql::SqlError& e) {
        return storeFailure("cache " + key, e);
    }
}

Status TabletStore::dropCached(const std::string& key)
{
    try {
        dropMeta("cache:" + key);
        return Status::success();
    } catch (const sql::SqlError& e) {
        return storeFailure("cache " + key, e);
    }
}

Result<SaveOutcome> TabletStore::save(const SaveRequest& request, const Actor& actor, const StudyContext& study)
{
    try {
        const FormKey& f = request.form;
        sql::Transaction tx(*m_db);
        auto current = formValues(f);
        if (!current)
            return current.error();

        v1::ChangeEvent e;
        for (const auto& [item, next] : request.values) {
            const auto it = current->find(item);
            const bool hadValue = it != current->end();
            if (!hadValue && !next)
                continue;
            if (hadValue && next && it->second.value == next->value && it->second.unit == next->unit)
                continue;
            auto* c = e.add_changes();
            c->set_item_oid(item);
            c->set_old_present(hadValue);
            if (hadValue) {
                c->set_old_value(it->second.value);
                if (!next)
                    c->set_unit(it->second.unit);
            }
            c->set_new_present(next.has_value());
            if (next) {
                c->set_new_value(next->value);
                c->set_unit(next->unit);
            }
        }
        if (e.changes_size() == 0 && request.recordStatus.empty() && !request.signature)
            return SaveOutcome{};
        e.set_record_status(request.recordStatus);
        if (request.signature) {
            if (e.changes_size() != 0 || request.siteOnly)
                return messageError("signature", QT_TRANSLATE_NOOP("Core", "a signature saves no value"));
            *e.mutable_signature() = *request.signature;
        }

        const int64_t now = m_clock.nowMs();
        // Site-only changes have their own local sequence and chain: the device chain the gateway verifies must
        // not show gaps for events it will never receive.
        const char* seqKey = request.siteOnly ? "next_site_seq" : "next_device_seq";
        const char* hashKey = request.siteOnly ? "last_site_hash" : "last_event_hash";
        const uint64_t seq = std::stoull(meta(seqKey, "1"));
        const HlcTime hlc = m_hlc->now();
        // Time-ordered: the outbox's, the gateway's and every tablet's event-id index grow at their end (a random id
        // rewrote a random index page per event at every commit).
        e.set_event_id(uuidV7(hlc.wallMs));
        e.set_device_id(m_deviceId);
        e.set_device_seq(seq);
        e.set_user_id(actor.userId);
        e.set_role(actor.role);
        e.set_site_id(actor.siteId);
        e.set_study_id(study.studyId);
        e.set_definition_version(study.definitionVersion);
        e.mutable_form()->set_subject_id(f.subjectId);
        e.mutable_form()->set_visit_oid(f.visitOid);
        e.mutable_form()->set_form_oid(f.formOid);
        e.mutable_form()->set_repeat(f.repeat);
        e.mutable_reason()->set_code(request.reasonCode);
        e.mutable_reason()->set_text(request.reasonText);
        e.set_base_version(baseVersion(f));
        e.mutable_hlc()->set_wall_ms(hlc.wallMs);
        e.mutable_hlc()->set_counter(hlc.counter);
        e.set_captured_at_ms(request.capturedAtMs ? request.capturedAtMs : now);
        e.set_captured_utc_offset_min(m_clock.utcOffsetMinutes());
        e.set_saved_at_ms(now);
        e.set_prev_hash(meta(hashKey, genesisHash()));

        if (auto st = validateEventShape(e); !st)
            return st.error();
        if (auto st = checkReasonForChange(e); !st)
            return st.error();

        m_db->prepare(request.siteOnly
                          ? "INSERT INTO site_events (seq, event_id, payload, created_at_ms) VALUES (?1, ?2, ?3, ?4)"
                          : "INSERT INTO outbox (device_seq, event_id, payload, created_at_ms, urgent) VALUES (?1, ?2, "
                            "?3, ?4, ?5)")
            .bind(1, static_cast<int64_t>(seq))
            .bind(2, e.event_id())
            .bindBlob(3, e.SerializeAsString())
            .bind(4, now)
            .bind(5, static_cast<int64_t>(request.urgent && !request.siteOnly))
            .run();
        if (e.changes_size() > 0)
            unsettle(f); // its values now carry their own pending marks
        for (const auto& c : e.changes()) {
            if (c.new_present()) {
                // Site-only values are never pending: there is nothing to send.
                putValue(f.subjectId, f.visitOid, f.formOid, f.repeat, c, request.siteOnly ? 0 : seq, false);
            } else if (request.siteOnly) {
                // Clearing keeps the history in the local audit trail; only the projection row goes.
                bindForm(m_db->prepare("DELETE FROM form_values WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                       "form_oid = ?3 AND repeat = ?4 AND item_oid = ?5"),
                         f)
                    .bind(5, c.item_oid())
                    .run();
            } else {
                // Until the gateway has it, the clearing keeps the row, absent and pending (schema 18).
                bindForm(m_db->prepare("UPDATE OR FAIL form_values SET value = '', unit = '', present = 0, "
                                       "pending_seq = ?6 WHERE subject_id = ?1 AND visit_oid = ?2 AND form_oid = ?3 "
                                       "AND repeat = ?4 AND item_oid = ?5"),
                         f)
                    .bind(5, c.item_oid())
                    .bind(6, static_cast<int64_t>(seq))
                    .run();
            }
        }
        m_db->prepare("INSERT OR IGNORE INTO subjects (subject_id, site_id, created_at_ms) VALUES (?1, ?2, ?3)")
            .bind(1, f.subjectId)
            .bind(2, actor.siteId)
            .bind(3, now)
            .run();
        if (!request.recordStatus.empty())
            putStatus(*m_db, e.form(), request.recordStatus);
        if (e.has_signature())
            putSignature(e);
        setMeta(seqKey, std::to_string(seq + 1));
        setMeta(hashKey, digestBytes(eventHash(e)));
        setMeta("hlc_wall_ms", std::to_string(hlc.wallMs));
        setMeta("hlc_counter", std::to_string(hlc.counter));
        if (request.urgent && !request.siteOnly)
            promoteUrgent(e.form());
        tx.commit();
        return SaveOutcome{seq, e.changes_size()};
    } catch (const std::exception& ex) {
        return failure("save " + request.form.formOid, QT_TRANSLATE_NOOP("Core", "not saved (nothing was changed): %1"),
                       ex);
    }
}

Result<SaveOutcome> TabletStore::setRecordStatus(const FormKey& form, const std::string& status,
                                                 const std::string& reasonCode, const std::string& reasonText,
                                                 const Actor& actor, const StudyContext& study)
{
    SaveRequest r;
    r.form = form;
    r.recordStatus = status;
    r.reasonCode = reasonCode;
    r.reasonText = reasonText;
    return save(r, actor, study);
}

Result<std::string> TabletStore::recordStatus(const FormKey& f)
{
    try {
        auto& st = m_db->prepare("SELECT status FROM form_status WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                 "form_oid = ?3 AND repeat = ?4");
        st.bind(1, f.subjectId).bind(2, f.visitOid).bind(3, f.formOid).bind(4, static_cast<int64_t>(f.repeat));
        return st.step() ? st.text(0) : std::string();
    } catch (const sql::SqlError& e) {
        return storeFailure("form status", e);
    }
}

Result<std::vector<Subject>> TabletStore::subjects()
{
    try {
        auto& st =
            m_db->prepare("SELECT s.subject_id, s.site_id, v.value, r.items FROM subjects s LEFT JOIN form_values v ON "
                          "v.subject_id = s.subject_id AND v.visit_oid = ?1 AND v.form_oid = ?2 AND v.repeat = 0 AND "
                          "v.item_oid = ?3 AND v.present = 1 LEFT JOIN form_settled r ON r.subject_id = s.subject_id "
                          "AND r.visit_oid = ?1 AND r.form_oid = ?2 AND r.repeat = 0 ORDER BY s.subject_id");
        st.bind(1, std::string(kRegistrationVisit))
            .bind(2, std::string(kRegistrationForm))
            .bind(3, std::string(kInitialsItem));
        std::vector<Subject> out;
        while (st.step()) {
            std::string initials = st.text(2);
            if (initials.empty() && !st.isNull(3)) {
                const v1::SettledForm registration = parseSettled(st.blobView(3));
                if (const auto* v = settledValue(registration, kInitialsItem))
                    initials = v->value();
            }
            out.push_back({st.text(0), st.text(1), std::move(initials)});
        }
        return out;
    } catch (const sql::SqlError& e) {
        return storeFailure("subjects", e);
    }
}

namespace {
/// Reads serialized ChangeEvents from the first column of `st`; `where` names the table in errors.
Result<std::vector<v1::ChangeEvent>> readEvents(sql::Statement& st, const char* where)
{
    try {
        std::vector<v1::ChangeEvent> out;
        while (st.step()) {
            v1::ChangeEvent e;
            if (!e.ParseFromString(st.blob(0)))
                return messageError(where, QT_TRANSLATE_NOOP("Core", "an event cannot be read (database damaged?)"));
            out.push_back(std::move(e));
        }
        return out;
    } catch (const sql::SqlError& e) {
        return storeFailure(where, e);
    }
}
} // namespace

Result<std::string> TabletStore::addPhoto(std::string_view bytes, size_t maxBytes)
{
    auto stripped = photo::stripMetadata(bytes);
    if (!stripped)
        return stripped.error();
    if (stripped->size() > maxBytes)
        return messageError("photo", QT_TRANSLATE_NOOP("Core", "too large: %1 bytes, the limit is %2"),
                            {std::to_string(stripped->size()), std::to_string(maxBytes)});
    const std::string digest = photo::digestHex(*stripped);
    try {
        // The bytes first, in the photo file, then the photo's row in the store: two commits, in this order (SQLite
        // does not commit two files at once in WAL mode), so a crash between them leaves bytes no row names yet,
        // never a pending photo without its bytes. The photo is added again with the same digest.
        m_db->prepare("INSERT OR IGNORE INTO photo_store.photos (digest, data) VALUES (?1, ?2)")
            .bind(1, digest)
            .bindBlob(2, *stripped)
            .run();
        sql::Transaction tx(*m_db);
        m_db->prepare("INSERT OR IGNORE INTO photo_meta (digest, size, created_at_ms) VALUES (?1, ?2, ?3)")
            .bind(1, digest)
            .bind(2, static_cast<int64_t>(stripped->size()))
            .bind(3, m_clock.nowMs())
            .run();
        tx.commit();
        return digest;
    } catch (const sql::SqlError& e) {
        return failure("photo", QT_TRANSLATE_NOOP("Core", "not stored: %1"), e);
    }
}

Result<std::vector<TabletStore::PendingPhoto>> TabletStore::pendingPhotos()
{
    try {
        auto& st = m_db->prepare("SELECT digest, size FROM photo_meta WHERE verified = 0 ORDER BY created_at_ms");
        std::vector<PendingPhoto> out;
        while (st.step())
            out.push_back({st.text(0), static_cast<uint64_t>(st.int64(1))});
        return out;
    } catch (const sql::SqlError& e) {
        return storeFailure("photos", e);
    }
}

Result<std::string> TabletStore::photoChunk(const std::string& digest, uint64_t offset, uint32_t length)
{
    try {
        auto& st = m_db->prepare("SELECT rowid FROM photo_store.photos WHERE digest = ?1");
        st.bind(1, digest);
        if (!st.step())
            return messageError("photo " + digest, QT_TRANSLATE_NOOP("Core", "not in this tablet's store"));
        const int64_t row = st.int64(0);
        st.reset();
        // Incremental blob I/O copies from the decrypted pages into the result directly; `substr(data, ...)` would
        // first build the whole result in SQLite's memory and copy it again.
        sqlite3_blob* blob = nullptr;
        if (const int rc = sqlite3_blob_open(m_db->handle(), "photo_store", "photos", "data", row, 0, &blob);
            rc != SQLITE_OK) {
            const std::string why = sqlite3_errmsg(m_db->handle());
            sqlite3_blob_close(blob);
            throw sql::SqlError(rc, why);
        }
        const auto size = static_cast<uint64_t>(sqlite3_blob_bytes(blob));
        const auto n = static_cast<size_t>(offset >= size ? 0 : std::min<uint64_t>(length, size - offset));
        std::string into(n, '\0');
        const int rc =
            n == 0 ? SQLITE_OK : sqlite3_blob_read(blob, into.data(), static_cast<int>(n), static_cast<int>(offset));
        sqlite3_blob_close(blob);
        if (rc != SQLITE_OK)
            throw sql::SqlError(rc, sqlite3_errstr(rc));
        return into;
    } catch (const sql::SqlError& e) {
        return storeFailure("photos", e);
    }
}

Status TabletStore::markPhotoVerified(const std::string& digest)
{
    try {
        m_db->prepare("UPDATE photo_meta SET verified = 1 WHERE digest = ?1").bind(1, digest).run();
        return {};
    } catch (const sql::SqlError& e) {
        return storeFailure("photos", e);
    }
}

Result<std::vector<v1::ChangeEvent>> TabletStore::siteOnlyEvents()
{
    try {
        return readEvents(m_db->prepare("SELECT payload FROM site_events ORDER BY seq"), "site audit trail");
    } catch (const sql::SqlError& e) {
        return storeFailure("site audit trail", e);
    }
}

Result<std::vector<v1::ChangeEvent>> TabletStore::pendingEvents(int limit, uint64_t afterSeq)
{
    auto stored = pendingEventBytes(limit, afterSeq);
    if (!stored)
        return stored.error();
    std::vector<v1::ChangeEvent> events(stored->size());
    for (size_t i = 0; i < events.size(); ++i)
        if (!events[i].ParseFromString((*stored)[i].bytes))
            return messageError("outbox", QT_TRANSLATE_NOOP("Core", "an event cannot be read (database damaged?)"));
    return events;
}

Result<std::vector<TabletStore::OutgoingEvent>> TabletStore::pendingEventBytes(int limit, uint64_t afterSeq)
{
    try {
        auto& st = m_db->prepare("SELECT device_seq, payload FROM outbox WHERE acked_server_seq IS NULL AND "
                                 "refused_reason IS NULL AND device_seq > ?2 ORDER BY device_seq LIMIT ?1");
        st.bind(1, static_cast<int64_t>(limit)).bind(2, static_cast<int64_t>(afterSeq));
        std::vector<OutgoingEvent> events;
        while (st.step()) {
            OutgoingEvent e{static_cast<uint64_t>(st.int64(0)), st.blob(1)};
            // Sent as stored, not parsed (a parse was most of reading a batch): a row whose bytes do not read as a
            // message is named here rather than refused with the whole batch at the gateway.
            if (!wire::readsAsMessage(e.bytes))
                return messageError("outbox", QT_TRANSLATE_NOOP("Core", "an event cannot be read (database damaged?)"));
            events.push_back(std::move(e));
        }
        if (!events.empty())
            m_offeredUpTo = std::max<uint64_t>(m_offeredUpTo, events.back().deviceSeq);
        return events;
    } catch (const sql::SqlError& e) {
        return storeFailure("outbox", e);
    }
}

Result<int> TabletStore::urgentPending()
{
    try {
        auto& st = m_db->prepare(
            "SELECT count(*) FROM outbox WHERE urgent = 1 AND acked_server_seq IS NULL AND refused_reason IS NULL");
        st.step();
        return static_cast<int>(st.int64(0));
    } catch (const sql::SqlError& e) {
        return storeFailure("outbox", e);
    }
}

std::string TabletStore::renumberUnsent(std::vector<Unsent>& rows, uint64_t firstSeq, std::string prevHash)
{
    // Sequence numbers are the primary key: every unsent row moves out of the way (negated) first, then takes its
    // new number in `rows` order, re-chained from `prevHash`. Pending markers follow their event; a marker left
    // negative pointed at an event no longer unsent and is cleared. Runs inside the caller's transaction.
    const int64_t lowest = static_cast<int64_t>(std::min(firstSeq, rows.empty() ? firstSeq : rows.front().seq));
    m_db->prepare("UPDATE outbox SET device_seq = -device_seq WHERE device_seq >= ?1 AND acked_server_seq IS NULL AND "
                  "refused_reason IS NULL")
        .bind(1, lowest)
        .run();
    m_db->prepare("UPDATE form_values SET pending_seq = -pending_seq WHERE pending_seq >= ?1").bind(1, lowest).run();
    uint64_t seq = firstSeq;
    for (auto& r : rows) {
        r.event.set_device_seq(seq);
        r.event.set_prev_hash(prevHash);
        prevHash = digestBytes(eventHash(r.event));
        m_db->prepare("UPDATE outbox SET device_seq = ?1, payload = ?2 WHERE device_seq = ?3")
            .bind(1, static_cast<int64_t>(seq))
            .bindBlob(2, r.event.SerializeAsString())
            .bind(3, -static_cast<int64_t>(r.seq))
            .run();
        m_db->prepare("UPDATE form_values SET pending_seq = ?1 WHERE pending_seq = ?2")
            .bind(1, static_cast<int64_t>(seq))
            .bind(2, -static_cast<int64_t>(r.seq))
            .run();
        ++seq;
    }
    m_db->exec("UPDATE form_values SET pending_seq = 0 WHERE pending_seq < 0");
    return prevHash;
}

void TabletStore::promoteUrgent(const v1::FormRef& form)
{
    // The device chain must reach the gateway in sequence order, so "first" means: the lowest sequence numbers
    // the gateway has never been offered. Those events are renumbered and re-chained; their content, ids, HLC and
    // capture times are unchanged, so the audit trail still shows when each was entered.
    struct Row {
        uint64_t seq;
        v1::ChangeEvent event;
        bool front;
    };
    std::vector<Row> rows;
    auto& st = m_db->prepare("SELECT device_seq, payload, urgent FROM outbox WHERE device_seq > ?1 AND "
                             "acked_server_seq IS NULL AND refused_reason IS NULL ORDER BY device_seq");
    st.bind(1, static_cast<int64_t>(m_offeredUpTo));
    while (st.step()) {
        Row r{static_cast<uint64_t>(st.int64(0)), {}, st.int64(2) != 0};
        if (!r.event.ParseFromString(st.blob(1)))
            throw sql::SqlError(SQLITE_CORRUPT, "an unsent event cannot be read (database damaged?)");
        const auto& f = r.event.form();
        // Earlier changes of the same form instance go along, so the gateway still sees them in their order.
        r.front = r.front || (f.subject_id() == form.subject_id() && f.visit_oid() == form.visit_oid() &&
                              f.form_oid() == form.form_oid() && f.repeat() == form.repeat());
        rows.push_back(std::move(r));
    }
    if (rows.empty())
        return;
    const uint64_t first = rows.front().seq;
    const std::string prev = rows.front().event.prev_hash(); // the link to the last offered event does not move
    std::stable_partition(rows.begin(), rows.end(), [](const Row& r) { return r.front; });
    bool moved = false;
    for (size_t i = 0; i < rows.size(); ++i)
        moved = moved || rows[i].seq != first + i;
    if (!moved)
        return;
    std::vector<Unsent> order;
    order.reserve(rows.size());
    for (auto& r : rows)
        order.push_back({r.seq, std::move(r.event)});
    setMeta("last_event_hash", renumberUnsent(order, first, prev));
}

namespace {

/// A push answer whose outcomes are all this device's, all accepted, in device order with consecutive device and
/// server sequence numbers.
struct AcceptedRun {
    uint64_t firstDeviceSeq, lastDeviceSeq, firstServerSeq;
};

std::optional<AcceptedRun> acceptedRun(const v1::PushResponse& response, const std::string& deviceId)
{
    if (response.outcomes().empty())
        return std::nullopt;
    const auto& first = response.outcomes(0);
    AcceptedRun run{first.device_seq(), first.device_seq(), first.server_seq()};
    for (int i = 0; i < response.outcomes_size(); ++i) {
        const auto& o = response.outcomes(i);
        if (o.status() != v1::OUTCOME_STATUS_ACCEPTED || o.device_id() != deviceId || o.server_seq() == 0 ||
            o.device_seq() != run.firstDeviceSeq + static_cast<uint64_t>(i) ||
            o.server_seq() != run.firstServerSeq + static_cast<uint64_t>(i))
            return std::nullopt;
        run.lastDeviceSeq = o.device_seq();
    }
    return run;
}

} // namespace

Result<int> TabletStore::applyPushOutcomes(const v1::PushResponse& response)
{
    try {
        // The answers are the gateway's, which stored them durably before answering: this commit does not wait for
        // the disk. A power cut may lose it and nothing else; the changes then go again and come back as duplicates
        // (test RestoredTablet.acknowledgementsTheTabletForgotAreGivenAgainAndNothingIsStoredTwice).
        sql::Transaction tx(*m_db, sql::Transaction::Durability::Relaxed);
        int acked = 0;
        // The usual answer: a batch stored whole, in order, under consecutive server sequence numbers. One statement
        // acknowledges it (a hundred statements were about half of writing the answers of 100 edited forms).
        if (const auto run = acceptedRun(response, m_deviceId)) {
            m_db->prepare("UPDATE outbox SET acked_server_seq = ?1 + (device_seq - ?2) WHERE device_seq BETWEEN ?2 "
                          "AND ?3 AND acked_server_seq IS NULL")
                .bind(1, static_cast<int64_t>(run->firstServerSeq))
                .bind(2, static_cast<int64_t>(run->firstDeviceSeq))
                .bind(3, static_cast<int64_t>(run->lastDeviceSeq))
                .run();
            acked = m_db->changes();
            tx.commit();
            return acked;
        }
        for (const auto& o : response.outcomes()) {
            if (o.device_id() != m_deviceId)
                continue;
            if (o.status() == v1::OUTCOME_STATUS_REJECTED) {
                m_db->prepare("UPDATE outbox SET refused_reason = ?1, refused_wording = ?3 WHERE device_seq = ?2 AND "
                              "acked_server_seq IS NULL AND refused_reason IS NULL")
                    .bind(1, o.message().empty() ? std::string("refused") : o.message())
                    .bind(2, static_cast<int64_t>(o.device_seq()))
                    .bindBlob(3, o.has_wording() ? o.wording().SerializeAsString() : std::string())
                    .run();
                // The refused values no longer hold their place on top of the gateway's.
                m_db->prepare("UPDATE form_values SET pending_seq = 0 WHERE pending_seq = ?1")
                    .bind(1, static_cast<int64_t>(o.device_seq()))
                    .run();
                continue;
            }
            if (o.status() != v1::OUTCOME_STATUS_ACCEPTED && o.status() != v1::OUTCOME_STATUS_DUPLICATE)
                continue;
            m_db->prepare("UPDATE outbox SET acked_server_seq = ?1 WHERE device_seq = ?2 AND acked_server_seq IS NULL")
                .bind(1, static_cast<int64_t>(o.server_seq()))
                .bind(2, static_cast<int64_t>(o.device_seq()))
                .run();
            acked += m_db->changes();
        }
        // The values these events carried are no longer pending: their markers now sit below the lowest unsent
        // event (kPending), with nothing to write.
        tx.commit();
        return acked;
    } catch (const std::exception& e) {
        return storeFailure("outbox", e);
    }
}

Status TabletStore::applyPullPage(const v1::PullResponse& page, std::span<const std::string> eventBytes)
{
    try {
        // Nothing new (the usual answer to a sync with nothing to do): nothing to write, no commit to wait for.
        if (page.events().empty() && std::to_string(page.next_cursor()) == meta("pull_cursor", "0"))
            return {};
        // Each event is kept as the gateway sent it when its bytes came along: serializing the parsed event again was
        // about a tenth of storing a page.
        const bool asReceived = eventBytes.size() == static_cast<size_t>(page.events_size());
        std::string serialized;
        sql::Transaction tx(*m_db);
        for (int i = 0; i < page.events_size(); ++i) {
            const auto& se = page.events(i);
            if (!asReceived)
                serialized = se.SerializeAsString();
            const std::string& payload = asReceived ? eventBytes[static_cast<size_t>(i)] : serialized;
            const auto& e = se.event();
            const auto& f = e.form();
            m_db->prepare("INSERT OR IGNORE INTO events (server_seq, device_id, device_seq, subject_id, visit_oid, "
                          "form_oid, repeat, received_at_ms, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .bind(1, static_cast<int64_t>(se.server_seq()))
                .bind(2, e.device_id())
                .bind(3, static_cast<int64_t>(e.device_seq()))
                .bind(4, f.subject_id())
                .bind(5, f.visit_oid())
                .bind(6, f.form_oid())
                .bind(7, static_cast<int64_t>(f.repeat()))
                .bind(8, se.received_at_ms())
                .bindBlob(9, payload)
                .run();
            if (m_db->changes() == 0)
                continue; // already applied (a page re-pulled after a cut)
            m_hlc->observe({e.hlc().wall_ms(), e.hlc().counter()});
            m_db->prepare("INSERT OR IGNORE INTO subjects (subject_id, site_id, created_at_ms) VALUES (?1, ?2, ?3)")
                .bind(1, f.subject_id())
                .bind(2, e.site_id())
                .bind(3, se.received_at_ms())
                .run();
            if (e.device_id() == m_deviceId) {
                // Our own event came back: it is at the gateway even if its acknowledgement was lost. Matched by
                // event id: after a restore and re-sequencing, sequence numbers alone could name another event.
                m_db->prepare(
                        "UPDATE outbox SET acked_server_seq = ?1 WHERE event_id = ?2 AND acked_server_seq IS NULL")
                    .bind(1, static_cast<int64_t>(se.server_seq()))
                    .bind(2, e.event_id())
                    .run();
            }
            // The projection replays every event, own ones included, in server order so all tablets converge;
            // own unacknowledged values stay on top until the gateway has them (DESIGN "Pull").
            if (!e.record_status().empty())
                putStatus(*m_db, f, e.record_status());
            if (e.has_signature())
                putSignature(e);
            std::map<std::string, const v1::ConflictNote*> conflicts;
            for (const auto& n : se.conflicts())
                conflicts[n.item_oid()] = &n;
            std::set<std::string> resolved(se.resolved_items().begin(), se.resolved_items().end());
            // A form instance this tablet holds no row of (a catch-up), or holds settled, stays settled unless a
            // conflict or a resolution touches it: one row for the whole form instance (schema 17).
            if (conflicts.empty() && resolved.empty()) {
                auto& any = m_db->prepare("SELECT 1 FROM form_values WHERE subject_id = ?1 AND visit_oid = ?2 AND "
                                          "form_oid = ?3 AND repeat = ?4 LIMIT 1");
                any.bind(1, f.subject_id())
                    .bind(2, f.visit_oid())
                    .bind(3, f.form_oid())
                    .bind(4, static_cast<int64_t>(f.repeat()));
                const bool rows = any.step();
                any.reset();
                if (!rows) {
                    applySettled(f, e.changes());
                    continue;
                }
            }
            unsettle({f.subject_id(), f.visit_oid(), f.form_oid(), f.repeat()});
            for (const auto& c : e.changes()) {
                auto note = conflicts.find(c.item_oid());
                if (note != conflicts.end()) {
                    // The gateway kept another value: show that one, flagged, on every tablet (even the one whose
                    // value lost: both stay in the audit trail and a data query is open).
                    v1::FieldChange kept;
                    kept.set_item_oid(c.item_oid());
                    kept.set_new_present(note->second->kept_present());
                    kept.set_new_value(note->second->kept_value());
                    kept.set_unit(note->second->kept_unit());
                    applyChange(f, kept);
                    setConflict(f, c.item_oid(), true);
                    continue;
                }
                if (resolved.count(c.item_oid()))
                    setConflict(f, c.item_oid(), false);
                applyChange(f, c);
            }
        }
        const HlcTime hlc = m_hlc->last();
        setMeta("hlc_wall_ms", std::to_string(hlc.wallMs));
        setMeta("hlc_counter", std::to_string(hlc.counter));
        setMeta("pull_cursor", std::to_string(page.next_cursor()));
        tx.commit();
        return {};
    } catch (const std::exception& e) {
        return failure("pull", QT_TRANSLATE_NOOP("Core", "page not applied (cursor unchanged): %1"), e);
    }
}

Result<int> TabletStore::resequenceAfter(uint64_t headSeq, const std::string& headHash)
{
    try {
        sql::Transaction tx(*m_db);
        std::vector<Unsent> unsent;
        auto& rows = m_db->prepare("SELECT device_seq, payload FROM outbox WHERE acked_server_seq IS NULL AND "
                                   "refused_reason IS NULL ORDER BY device_seq");
        while (rows.step()) {
            v1::ChangeEvent e;
            if (!e.ParseFromString(rows.blob(1)))
                return messageError("outbox",
                                    QT_TRANSLATE_NOOP("Core", "an unsent event cannot be read (database damaged?)"));
            unsent.push_back({static_cast<uint64_t>(rows.int64(0)), std::move(e)});
        }
        if (unsent.empty() || unsent.front().seq > headSeq)
            return 0; // nothing collides with the gateway's chain
        const std::string prev = renumberUnsent(unsent, headSeq + 1, headHash.size() == 32 ? headHash : genesisHash());
        const uint64_t seq = headSeq + unsent.size();
        setMeta("next_device_seq", std::to_string(seq + 1));
        setMeta("last_event_hash", prev);
        setMeta("resequenced_after", std::to_string(headSeq));
        tx.commit();
        m_offeredUpTo = seq; // the engine goes on sending them
        return static_cast<int>(unsent.size());
    } catch (const std::exception& e) {
        return failure("outbox", QT_TRANSLATE_NOOP("Core", "re-sequencing failed (nothing changed): %1"), e);
    }
}

Result<int> TabletStore::requeueAfter(uint64_t headSeq, const std::string& headHash)
{
    try {
        sql::Transaction tx(*m_db);
        if (headSeq > 0) {
            auto& at = m_db->prepare("SELECT payload FROM outbox WHERE device_seq = ?1");
            at.bind(1, static_cast<int64_t>(headSeq));
            v1::ChangeEvent e;
            if (!at.step() || !e.ParseFromString(at.blob(0)) || digestBytes(eventHash(e)) != headHash)
                return messageError(
                    "outbox",
                    QT_TRANSLATE_NOOP(
                        "Core", "the gateway's change %1 from this tablet is not the one this tablet made: nothing was "
                                "queued again"),
                    {std::to_string(headSeq)});
        }
        m_db->prepare("UPDATE outbox SET acked_server_seq = NULL, refused_reason = NULL, refused_wording = NULL WHERE "
                      "device_seq > ?1 AND (acked_server_seq IS NOT NULL OR refused_reason IS NOT NULL)")
            .bind(1, static_cast<int64_t>(headSeq))
            .run();
        const int queued = m_db->changes();
        // Every event saved until now was based on the history the gateway lost; pushes say so (staleBaseThrough).
        auto& last = m_db->prepare("SELECT coalesce(max(device_seq), 0) FROM outbox");
        last.step();
        setMeta("stale_base_through", std::to_string(last.int64(0)));
        tx.commit();
        return queued;
    } catch (const std::exception& e) {
        return storeFailure("outbox", e);
    }
}

uint64_t TabletStore::staleBaseThrough()
{
    try {
        return std::stoull(meta("stale_base_through", "0"));
    } catch (const std::exception&) {
        return 0;
    }
}

Result<std::pair<uint64_t, std::string>> TabletStore::lastPulled()
{
    try {
        auto& st = m_db->prepare("SELECT payload FROM events ORDER BY server_seq DESC LIMIT 1");
        if (!st.step())
            return std::make_pair(uint64_t{0}, std::string());
        v1::ServerEvent se;
        if (!se.ParseFromString(st.blob(0)))
            return messageError("pulled events",
                                QT_TRANSLATE_NOOP("Core", "an event cannot be read (database damaged?)"));
        return std::make_pair(se.server_seq(), se.server_hash());
    } catch (const std::exception& e) {
        return storeFailure("pulled events", e);
    }
}

Status TabletStore::restartPull()
{
    try {
        sql::Transaction tx(*m_db);
        m_db->exec("DELETE FROM events");
        setMeta("pull_cursor", "0");
        tx.commit();
        return {};
    } catch (const std::exception& e) {
        return storeFailure("pull", e);
    }
}

Status TabletStore::recordSyncAttempt(int64_t atMs, const Message& error)
{
    try {
        // When the last attempt was and how it ended is shown to the nurse, not data: losing it in a power cut costs
        // nothing, so this commit does not wait for the disk (it is every sync's only write when nothing moved).
        std::pair<std::string, std::string> said{error.text, error.tmpl.empty() ? std::string()
                                                                                : toWording(error).SerializeAsString()};
        const bool sameError = m_syncErrorStored == said;
        // A pass that ends as the last one did, shortly after the stored time, changes nothing worth a write: the
        // usual periodic sync with nothing to do then leaves the store untouched (its commit was about a sixth of
        // such a sync after an idle spell: docs/performance.md item 54).
        if (sameError && (!error.empty() || (m_lastSyncStoredMs >= 0 && atMs >= m_lastSyncStoredMs &&
                                             atMs - m_lastSyncStoredMs < kSyncTimeResolutionMs))) {
            if (error.empty())
                m_lastSyncMs = std::max(m_lastSyncMs, atMs);
            return {};
        }
        sql::Transaction tx(*m_db, sql::Transaction::Durability::Relaxed);
        if (error.empty())
            setMeta("last_sync_ms", std::to_string(atMs));
        if (!sameError) {
            setMeta("last_sync_error", said.first);
            setMeta("last_sync_wording", said.second);
        }
        tx.commit();
        if (error.empty())
            m_lastSyncStoredMs = m_lastSyncMs = atMs;
        if (!sameError)
            m_syncErrorStored = std::move(said);
        return {};
    } catch (const std::exception& e) {
        return storeFailure("sync state", e);
    }
}

Result<int> TabletStore::queuedCount()
{
    try {
        auto& st =
            m_db->prepare("SELECT count(*) FROM outbox WHERE acked_server_seq IS NULL AND refused_reason IS NULL");
        st.step();
        return static_cast<int>(st.int64(0));
    } catch (const std::exception& e) {
        return storeFailure("sync state", e);
    }
}

Result<uint64_t> TabletStore::pullCursor()
{
    try {
        return static_cast<uint64_t>(std::stoull(meta("pull_cursor", "0")));
    } catch (const std::exception& e) {
        return storeFailure("sync state", e);
    }
}

Result<SyncState> TabletStore::syncState()
{
    try {
        SyncState s;
        s.pullCursor = std::stoull(meta("pull_cursor", "0"));
        s.lastSyncMs = std::max<int64_t>(std::stoll(meta("last_sync_ms", "0")), m_lastSyncMs);
        v1::Wording said;
        const std::string parts = meta("last_sync_wording");
        s.lastError = !parts.empty() && said.ParseFromString(parts) ? messageFromWording(said, meta("last_sync_error"))
                                                                    : Message(meta("last_sync_error"));
        auto queued = queuedCount();
        if (!queued)
            return queued.error();
        s.pendingEvents = *queued;
        auto& refused = m_db->prepare(
            "SELECT count(*), (SELECT refused_reason FROM outbox WHERE refused_reason IS NOT NULL ORDER BY device_seq "
            "DESC LIMIT 1), (SELECT refused_wording FROM outbox WHERE refused_reason IS NOT NULL ORDER BY device_seq "
            "DESC LIMIT 1) FROM outbox WHERE refused_reason IS NOT NULL");
        refused.step();
        s.refusedEvents = static_cast<int>(refused.int64(0));
        s.lastRefusal = refused.text(1);
        v1::Wording w;
        const std::string refusal = refused.blob(2);
        s.lastRefusalWording =
            !refusal.empty() && w.ParseFromString(refusal) ? fromWording(w, s.lastRefusal) : Error{{}, s.lastRefusal};
        auto& photos = m_db->prepare("SELECT count(*) FROM photo_meta WHERE verified = 0");
        photos.step();
        s.pendingPhotos = static_cast<int>(photos.int64(0));
        return s;
    } catch (const std::exception& e) {
        return storeFailure("sync state", e);
    }
}

Result<std::string> TabletStore::enrolmentSecret()
{
    try {
        std::string secret = meta("enrol_secret");
        if (secret.empty()) {
            secret = randomHex(32);
            setMeta("enrol_secret", secret);
        }
        return secret;
    } catch (const sql::SqlError& e) {
        return storeFailure("device", e);
    }
}

Result<std::string> TabletStore::deviceSecret()
{
    try {
        return meta("device_secret");
    } catch (const std::exception& e) {
        return storeFailure("device credential", e);
    }
}

Status TabletStore::rememberLogin(const LocalUser& user, const std::string& deviceSecret)
{
    try {
        sql::Transaction tx(*m_db);
        if (!deviceSecret.empty())
            setMeta("device_secret", deviceSecret);
        m_db->prepare("INSERT OR REPLACE INTO local_users (user_id, printed_name, verifier, role, site_id, token, "
                      "token_expires_ms, last_online_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .bind(1, user.userId)
            .bind(2, user.printedName)
            .bind(3, user.verifier)
            .bind(4, user.role)
            .bind(5, user.siteId)
            .bind(6, user.token)
            .bind(7, user.tokenExpiresMs)
            .bind(8, user.lastOnlineMs)
            .run();
        dropMeta(offlineAttemptsKey(user.userId));
        tx.commit();
        return {};
    } catch (const std::exception& e) {
        return failure("login", QT_TRANSLATE_NOOP("Core", "not remembered on this tablet: %1"), e);
    }
}

Result<std::optional<LocalUser>> TabletStore::localUser(const std::string& userId)
{
    try {
        auto& st = m_db->prepare("SELECT user_id, printed_name, verifier, role, site_id, token, token_expires_ms, "
                                 "last_online_ms FROM local_users WHERE user_id = ?1");
        st.bind(1, userId);
        if (!st.step())
            return std::optional<LocalUser>();
        return std::optional<LocalUser>(LocalUser{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4),
                                                  st.text(5), st.int64(6), st.int64(7)});
    } catch (const std::exception& e) {
        return storeFailure("login", e);
    }
}

Result<password::OfflineAttempts> TabletStore::offlineAttempts(const std::string& userId)
{
    try {
        return password::OfflineAttempts::decode(meta(offlineAttemptsKey(userId)));
    } catch (const std::exception& e) {
        return storeFailure("login", e);
    }
}

Status TabletStore::setOfflineAttempts(const std::string& userId, const password::OfflineAttempts& attempts)
{
    try {
        const std::string value = attempts.encode();
        if (value.empty())
            dropMeta(offlineAttemptsKey(userId));
        else
            setMeta(offlineAttemptsKey(userId), value);
        return {};
    } catch (const std::exception& e) {
        return storeFailure("login", e);
    }
}

std::string TabletStore::contentHash(const FormKey& form, bool casebook)
{
    auto& st = m_db->prepare(
        casebook ? "SELECT visit_oid, form_oid, repeat, item_oid, value, unit FROM form_values WHERE subject_id = ?1 "
                   "AND present = 1"
                 : "SELECT visit_oid, form_oid, repeat, item_oid, value, unit FROM form_values WHERE subject_id = ?1 "
                   "AND visit_oid = ?2 AND form_oid = ?3 AND repeat = ?4 AND present = 1");
    st.bind(1, form.subjectId);
    if (!casebook)
        st.bind(2, form.visitOid).bind(3, form.formOid).bind(4, static_cast<int64_t>(form.repeat));
    std::vector<signature::SignedValue> values;
    while (st.step())
        values.push_back(
            {st.text(0), st.text(1), static_cast<uint32_t>(st.int64(2)), st.text(3), st.text(4), st.text(5)});
    auto& settled = m_db->prepare(
        casebook
            ? "SELECT visit_oid, form_oid, repeat, items FROM form_settled WHERE subject_id = ?1"
            : "SELECT visit_oid, form_oid, repeat, items FROM form_settled WHERE subject_id = ?1 AND visit_oid = ?2 "
              "AND form_oid = ?3 AND repeat = ?4");
    settled.bind(1, form.subjectId);
    if (!casebook)
        settled.bind(2, form.visitOid).bind(3, form.formOid).bind(4, static_cast<int64_t>(form.repeat));
    while (settled.step()) {
        const v1::SettledForm settledForm = parseSettled(settled.blobView(3));
        for (const auto& v : settledForm.values())
            values.push_back({settled.text(0), settled.text(1), static_cast<uint32_t>(settled.int64(2)), v.item_oid(),
                              v.value(), v.unit()});
    }
    return digestBytes(signature::signedContentHash(std::move(values)));
}

void TabletStore::putSignature(const v1::ChangeEvent& e)
{
    m_db->prepare("INSERT OR IGNORE INTO signatures (event_id, subject_id, visit_oid, form_oid, repeat, scope, "
                  "content_hash, user_id, printed_name, meaning, signed_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                  "?8, ?9, ?10, ?11)")
        .bind(1, e.event_id())
        .bind(2, e.form().subject_id())
        .bind(3, e.form().visit_oid())
        .bind(4, e.form().form_oid())
        .bind(5, static_cast<int64_t>(e.form().repeat()))
        .bind(6, e.signature().scope())
        .bindBlob(7, e.signature().content_hash())
        .bind(8, e.user_id())
        .bind(9, e.signature().printed_name())
        .bind(10, e.signature().meaning())
        .bind(11, e.signature().signed_at_ms())
        .run();
}

Result<SaveOutcome> TabletStore::sign(const FormKey& form, bool casebook, const std::string& meaning,
                                      const std::string& printedName, const Actor& actor, const StudyContext& study)
{
    try {
        SaveRequest request;
        request.form = casebook ? FormKey{form.subjectId, "*", "*", 0} : form;
        v1::Signature sig;
        sig.set_meaning(meaning);
        sig.set_printed_name(printedName);
        sig.set_signed_at_ms(m_clock.nowMs());
        sig.set_scope(casebook ? signature::kCasebook : signature::kForm);
        sig.set_content_hash(contentHash(form, casebook));
        request.signature = sig;
        return save(request, actor, study);
    } catch (const std::exception& e) {
        return failure("signature", QT_TRANSLATE_NOOP("Core", "not signed (nothing was changed): %1"), e);
    }
}

Result<std::vector<SignatureState>> TabletStore::signatures(const std::string& subjectId)
{
    try {
        std::vector<std::pair<SignatureState, std::string>> rows;
        auto& st = m_db->prepare("SELECT event_id, scope, user_id, printed_name, meaning, visit_oid, form_oid, repeat, "
                                 "signed_at_ms, content_hash FROM signatures WHERE subject_id = ?1 ORDER BY "
                                 "signed_at_ms, rowid");
        st.bind(1, subjectId);
        while (st.step()) {
            SignatureState s{
                st.text(0),  st.text(1), st.text(2),
                st.text(3),  st.text(4), FormKey{subjectId, st.text(5), st.text(6), static_cast<uint32_t>(st.int64(7))},
                st.int64(8), false};
            rows.emplace_back(std::move(s), st.blob(9));
        }
        std::vector<SignatureState> out;
        for (auto& [s, hash] : rows) {
            s.intact = contentHash(s.form, s.scope == signature::kCasebook) == hash;
            out.push_back(std::move(s));
        }
        return out;
    } catch (const std::exception& e) {
        return storeFailure("signatures", e);
    }
}

} // namespace crf::store
