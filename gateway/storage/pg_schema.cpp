// The PostgreSQL schema of the gateway store, its step-by-step migrations and the privileges of the gateway's role.
// The schema owner migrates (`crfctl db migrate`); the gateway runs as an application role that may insert and read
// the audit tables but never update, delete or truncate them: privileges say so, and triggers refuse it even to the
// owner (21 CFR 11.10(e): the audit trail must not be altered or obscured). docs/operations.md.
#include "sql_store.h"

#include <algorithm>
#include <string>
#include <vector>

namespace crf::gateway {
namespace {

// Version 1: the audit trail. Accepted events with both hash chains, refused events, ranges an import did not bring.
const char* kAuditTrail = R"sql(
    CREATE FUNCTION crf_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0];
    END $$;
    CREATE TABLE events (
        server_seq BIGINT PRIMARY KEY, device_id TEXT NOT NULL, device_seq BIGINT NOT NULL,
        event_id TEXT NOT NULL UNIQUE, study_id TEXT NOT NULL, site_id TEXT NOT NULL, subject_id TEXT NOT NULL,
        received_at_ms BIGINT NOT NULL, event_hash BYTEA NOT NULL, server_hash BYTEA NOT NULL, payload BYTEA NOT NULL,
        server_meta BYTEA NOT NULL DEFAULT ''::bytea, UNIQUE (device_id, device_seq));
    CREATE INDEX events_subject ON events (study_id, subject_id);
    CREATE TABLE refused (
        device_id TEXT NOT NULL, device_seq BIGINT NOT NULL, event_hash BYTEA NOT NULL, reason TEXT NOT NULL,
        received_at_ms BIGINT NOT NULL, payload BYTEA NOT NULL, PRIMARY KEY (device_id, device_seq));
    CREATE TABLE absent_links (
        device_id TEXT NOT NULL, first_seq BIGINT NOT NULL, last_seq BIGINT NOT NULL, note TEXT NOT NULL,
        PRIMARY KEY (device_id, first_seq));
)sql";

// Version 2: the merge projection and its conflicts (rebuildable from the events), photos stored once per digest.
const char* kMergeAndPhotos = R"sql(
    CREATE TABLE form_state (
        study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
        repeat BIGINT NOT NULL, fields BYTEA NOT NULL, PRIMARY KEY (study_id, subject_id, visit_oid, form_oid, repeat));
    CREATE TABLE conflicts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        study_id TEXT NOT NULL, subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL,
        repeat BIGINT NOT NULL, item_oid TEXT NOT NULL, kept_seq BIGINT NOT NULL, other_seq BIGINT NOT NULL,
        open BIGINT NOT NULL, resolved_by_seq BIGINT NOT NULL DEFAULT 0);
    CREATE INDEX conflicts_field ON conflicts (study_id, subject_id, visit_oid, form_oid, repeat, item_oid, open);
    CREATE TABLE photos (
        digest TEXT PRIMARY KEY, total_bytes BIGINT NOT NULL, received_bytes BIGINT NOT NULL,
        data BYTEA NOT NULL DEFAULT ''::bytea, verified BIGINT NOT NULL DEFAULT 0);
    CREATE TABLE photo_chunks (
        digest TEXT NOT NULL, "offset" BIGINT NOT NULL, data BYTEA NOT NULL, UNIQUE (digest, "offset"));
    CREATE TABLE photo_sites (digest TEXT NOT NULL, site_id TEXT NOT NULL, PRIMARY KEY (digest, site_id));
    CREATE TRIGGER photos_verified_immutable BEFORE UPDATE OR DELETE ON photos FOR EACH ROW
        WHEN (OLD.verified = 1) EXECUTE FUNCTION crf_refuse('a verified photo is immutable');
    CREATE FUNCTION crf_photo_chunk_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT verified FROM photos WHERE digest = OLD.digest) = 1 THEN
            RAISE EXCEPTION 'a verified photo is immutable';
        END IF;
        RETURN OLD;
    END $$;
    CREATE TRIGGER photo_chunks_verified_immutable BEFORE UPDATE OR DELETE ON photo_chunks FOR EACH ROW
        EXECUTE FUNCTION crf_photo_chunk_guard();
)sql";

// Version 3: identity (docs/security.md). Accounts are disabled, never deleted; grants end; the log is append-only.
const char* kIdentity = R"sql(
    CREATE TABLE users (
        user_id TEXT PRIMARY KEY, printed_name TEXT NOT NULL, password_hash TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL, disabled_at_ms BIGINT NOT NULL DEFAULT 0,
        failed_logins BIGINT NOT NULL DEFAULT 0, locked_until_ms BIGINT NOT NULL DEFAULT 0);
    CREATE TABLE grants (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(user_id),
        role TEXT NOT NULL, study_id TEXT NOT NULL, site_id TEXT NOT NULL, start_ms BIGINT NOT NULL,
        end_ms BIGINT NOT NULL DEFAULT 0, granted_by TEXT NOT NULL, ended_by TEXT NOT NULL DEFAULT '');
    CREATE INDEX grants_user ON grants (user_id);
    CREATE TABLE devices (
        device_id TEXT PRIMARY KEY, secret_hash BYTEA NOT NULL, enrolled_by TEXT NOT NULL,
        enrolled_at_ms BIGINT NOT NULL, revoked_at_ms BIGINT NOT NULL DEFAULT 0, revoked_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE sessions (
        token_hash BYTEA PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT NOT NULL, created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL, ended_at_ms BIGINT NOT NULL DEFAULT 0);
    CREATE TABLE security_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at_ms BIGINT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL);
)sql";

// Version 4: consent, randomization, verification marks, data queries, central review (docs/consent.md,
// docs/randomization.md, docs/sponsor.md).
const char* kTrial = R"sql(
    CREATE TABLE consent_status (
        study_id TEXT NOT NULL, subject_id TEXT NOT NULL, site_id TEXT NOT NULL, state TEXT NOT NULL,
        included_at_ms BIGINT NOT NULL, last_decision_at_ms BIGINT NOT NULL, last_seq BIGINT NOT NULL,
        PRIMARY KEY (study_id, subject_id));
    CREATE TABLE boxes (
        study_id TEXT NOT NULL, number BIGINT NOT NULL, site_id TEXT NOT NULL, subject_id TEXT NOT NULL DEFAULT '',
        used_seq BIGINT NOT NULL DEFAULT 0, used_at_ms BIGINT NOT NULL DEFAULT 0, loaded_at_ms BIGINT NOT NULL,
        PRIMARY KEY (study_id, number));
    CREATE TABLE allocation (
        study_id TEXT NOT NULL, number BIGINT NOT NULL, arm TEXT NOT NULL, loaded_at_ms BIGINT NOT NULL,
        PRIMARY KEY (study_id, number));
    CREATE TABLE trial_queries (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, study_id TEXT NOT NULL, kind TEXT NOT NULL,
        site_id TEXT NOT NULL, subject_id TEXT NOT NULL, text TEXT NOT NULL, server_seq BIGINT NOT NULL,
        opened_at_ms BIGINT NOT NULL);
    CREATE TABLE sponsor_alerts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, study_id TEXT NOT NULL, kind TEXT NOT NULL,
        site_id TEXT NOT NULL, subject_id TEXT NOT NULL, text TEXT NOT NULL, at_ms BIGINT NOT NULL);
    CREATE TABLE resupply (
        study_id TEXT NOT NULL, site_id TEXT NOT NULL, open BIGINT NOT NULL, PRIMARY KEY (study_id, site_id));
    CREATE TABLE sdv_marks (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, study_id TEXT NOT NULL, site_id TEXT NOT NULL,
        subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat BIGINT NOT NULL,
        item_oid TEXT NOT NULL, user_id TEXT NOT NULL, at_ms BIGINT NOT NULL, at_seq BIGINT NOT NULL);
    CREATE TABLE data_queries (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, study_id TEXT NOT NULL, site_id TEXT NOT NULL,
        subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat BIGINT NOT NULL,
        item_oid TEXT NOT NULL);
    CREATE INDEX data_queries_form ON data_queries (study_id, subject_id, visit_oid, form_oid, repeat);
    CREATE TABLE query_steps (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, query_id BIGINT NOT NULL REFERENCES data_queries(id),
        action TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, at_ms BIGINT NOT NULL, text TEXT NOT NULL);
    CREATE INDEX query_steps_query ON query_steps (query_id);
    CREATE TABLE review_items (
        code TEXT PRIMARY KEY, study_id TEXT NOT NULL, digest TEXT NOT NULL, subject_id TEXT NOT NULL,
        site_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat BIGINT NOT NULL,
        UNIQUE (study_id, digest, subject_id, visit_oid, form_oid, repeat));
    CREATE TABLE central_scores (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code TEXT NOT NULL REFERENCES review_items(code),
        assessor TEXT NOT NULL, score BIGINT NOT NULL, at_ms BIGINT NOT NULL);
)sql";

// Version 5: form_state rows are written in the compact form of crf.v1.StoredForm (as SQLite schema 12); older rows
// are read as they are and rewritten at their form's next change. The version keeps an older gateway, which would
// read a compact row as an empty form, away from this store.
const char* const kCompactMergeState = R"sql(
    COMMENT ON COLUMN form_state.fields IS 'crf.v1.StoredForm: compact (devices, entries sorted by item OID) since 5';
)sql";

const char* const kSteps[] = {kAuditTrail, kMergeAndPhotos, kIdentity, kTrial, kCompactMergeState};
constexpr int kSchemaVersion = static_cast<int>(std::size(kSteps));

/// What the database refuses to everyone, the owner included: {table, what, why}.
struct Guard {
    const char* table;
    const char* operations; // "UPDATE OR DELETE", "DELETE", "UPDATE"
    const char* message;
};
constexpr Guard kGuards[] = {
    {"events", "UPDATE OR DELETE", "events are append-only"},
    {"refused", "UPDATE OR DELETE", "refused events are append-only"},
    {"absent_links", "UPDATE OR DELETE", "absent links are append-only"},
    {"users", "DELETE", "accounts are disabled, never deleted"},
    {"grants", "DELETE", "grants end, they are never deleted"},
    {"security_log", "UPDATE OR DELETE", "the security log is append-only"},
    {"boxes", "DELETE", "treatment boxes are never deleted"},
    {"allocation", "UPDATE OR DELETE", "the allocation list is never changed once loaded"},
    {"trial_queries", "DELETE", "data queries are never deleted"},
    {"sponsor_alerts", "UPDATE OR DELETE", "sponsor alerts are append-only"},
    {"sdv_marks", "UPDATE OR DELETE", "verification marks are append-only"},
    {"data_queries", "UPDATE OR DELETE", "data queries are append-only"},
    {"query_steps", "UPDATE OR DELETE", "query steps are append-only"},
    {"review_items", "UPDATE", "review codes never change"},
    {"central_scores", "UPDATE OR DELETE", "central scores are append-only"},
};

/// Tables the gateway's role may change in place (projections, upload state, accounts); everything else it may only
/// insert into and read.
constexpr const char* kUpdatable[] = {"form_state", "conflicts", "photos", "consent_status", "boxes",
                                      "resupply",   "users",     "grants", "devices",        "sessions"};
/// Tables it may delete from: an unverified photo's upload (a corrupted one starts again).
constexpr const char* kDeletable[] = {"photos", "photo_chunks"};

bool exists(db::Connection& c, const std::string& table)
{
    auto& st = c.prepare("SELECT to_regclass(?1) IS NOT NULL");
    st.bind(1, table);
    st.step();
    return st.text(0) == "t";
}

/// Triggers for the guards of the tables created by now (idempotent: replaced each time).
std::string guardTriggers(db::Connection& c)
{
    std::string sql;
    for (const auto& g : kGuards) {
        if (!exists(c, g.table))
            continue;
        const std::string t = g.table;
        sql += "CREATE OR REPLACE TRIGGER " + t + "_guard BEFORE " + g.operations + " ON " + t +
               " FOR EACH ROW EXECUTE FUNCTION crf_refuse('" + g.message + "');\n";
        sql += "CREATE OR REPLACE TRIGGER " + t + "_no_truncate BEFORE TRUNCATE ON " + t +
               " FOR EACH STATEMENT EXECUTE FUNCTION crf_refuse('" + g.message + "');\n";
    }
    return sql;
}

std::string quoted(db::Connection& c, const std::string& identifier)
{
    auto& st = c.prepare("SELECT quote_ident(?1)");
    st.bind(1, identifier);
    st.step();
    return st.text(0);
}

int versionOf(db::Connection& c)
{
    auto& st = c.prepare("SELECT to_regclass('crf_schema') IS NOT NULL");
    st.step();
    if (st.text(0) != "t")
        return 0;
    auto& v = c.prepare("SELECT version FROM crf_schema");
    return v.step() ? static_cast<int>(v.int64(0)) : 0;
}

} // namespace

Result<int> migratePostgresStore(const std::string& ownerUri, const std::string& appRole, int upTo)
{
    const int target = upTo > 0 ? std::min(upTo, kSchemaVersion) : kSchemaVersion;
    try {
        auto pool = db::openPostgresPool(ownerUri, 1);
        auto lease = pool->acquire();
        db::Connection& c = *lease;
        auto& role = c.prepare("SELECT count(*) FROM pg_roles WHERE rolname = ?1");
        role.bind(1, appRole);
        role.step();
        if (role.int64(0) == 0)
            return Error{"--app-role", "role " + appRole + " does not exist: create it first (CREATE ROLE " + appRole +
                                           " NOLOGIN; docs/operations.md)"};
        // One migrator at a time (two instances upgraded together wait for each other).
        c.exec("SELECT pg_advisory_lock(1129465347)");
        int version = versionOf(c);
        if (version > kSchemaVersion)
            return Error{pool->describe(), "schema version " + std::to_string(version) +
                                               " is newer than this gateway (" + std::to_string(kSchemaVersion) +
                                               "); refusing to migrate"};
        for (; version < target; ++version) {
            db::Transaction tx(c);
            if (version == 0)
                c.exec("CREATE TABLE crf_schema (version BIGINT NOT NULL); INSERT INTO crf_schema VALUES (0);");
            c.exec(kSteps[version]);
            c.exec("UPDATE crf_schema SET version = " + std::to_string(version + 1));
            tx.commit();
        }
        // Guards and privileges as of this version, in one transaction.
        db::Transaction tx(c);
        c.exec(guardTriggers(c));
        const std::string app = quoted(c, appRole);
        std::string grants = "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM " + app + ";\n" +
                             "GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO " + app + ";\n" +
                             "REVOKE INSERT ON crf_schema FROM " + app + ";\n" +
                             "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + app + ";\n";
        for (const char* t : kUpdatable)
            if (exists(c, t))
                grants += "GRANT UPDATE ON " + std::string(t) + " TO " + app + ";\n";
        for (const char* t : kDeletable)
            if (exists(c, t))
                grants += "GRANT DELETE ON " + std::string(t) + " TO " + app + ";\n";
        c.exec(grants);
        tx.commit();
        c.exec("SELECT pg_advisory_unlock(1129465347)");
        return version;
    } catch (const std::exception& e) {
        return Error{"PostgreSQL", std::string("cannot migrate the gateway store: ") + e.what()};
    }
}

Result<std::unique_ptr<Store>> openPostgresStore(const std::string& uri, int connections)
{
    try {
        auto pool = db::openPostgresPool(uri, std::max(1, connections));
        {
            auto lease = pool->acquire();
            db::Connection& c = *lease;
            const int version = versionOf(c);
            if (version != kSchemaVersion)
                return Error{pool->describe(),
                             "schema version " + std::to_string(version) + ", this gateway needs " +
                                 std::to_string(kSchemaVersion) +
                                 ": run `crfctl db migrate --store OWNER_URI --app-role ROLE` as the schema owner "
                                 "(docs/operations.md)"};
            // The gateway never runs as a role that could rewrite the audit trail (the owner, a superuser).
            auto& st =
                c.prepare("SELECT has_table_privilege('events', 'UPDATE') OR "
                          "has_table_privilege('events', 'DELETE') OR has_table_privilege('events', 'TRUNCATE')");
            st.step();
            if (st.text(0) == "t")
                return Error{pool->describe(), "this role can update or delete the audit trail: run the gateway as "
                                               "the application role, not the schema owner (docs/operations.md)"};
        }
        return makeSqlStore(std::move(pool));
    } catch (const std::exception& e) {
        return Error{"PostgreSQL", std::string("cannot open the gateway store: ") + e.what()};
    }
}

} // namespace crf::gateway
