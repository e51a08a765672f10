// Writes tests/data/tablet-store-v1.sqlcipher: a tablet database as schema version 1 left it (frozen copy of that
// schema, not the current migration code), keyed with the test key in tests/data/README.md. Run by hand only:
//   build/bin/make-tablet-store-v1 tests/data/tablet-store-v1.sqlcipher
#include "change_event.h"
#include "sqlite.h"

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
        return 2;
    }
    std::filesystem::remove(argv[1]);
    uint8_t key[32];
    for (int i = 0; i < 32; ++i)
        key[i] = static_cast<uint8_t>(i + 1); // 0x01..0x20, documented test key
    crf::sql::Database db(argv[1], crf::sql::Database::Mode::CreateIfMissing);
    db.applyRawKey(key, sizeof key);
    db.exec("PRAGMA cipher_page_size = 4096; PRAGMA kdf_iter = 64000; PRAGMA fast_kdf_iter = 2; "
            "PRAGMA cipher_use_hmac = ON;");
    db.exec(R"sql(
        BEGIN;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE subjects (subject_id TEXT PRIMARY KEY, site_id TEXT NOT NULL, created_at_ms INTEGER NOT NULL);
        CREATE TABLE form_values (
            subject_id TEXT NOT NULL, visit_oid TEXT NOT NULL, form_oid TEXT NOT NULL, repeat INTEGER NOT NULL,
            item_oid TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (subject_id, visit_oid, form_oid, repeat, item_oid));
        CREATE TABLE outbox (device_seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, payload BLOB NOT NULL,
                             created_at_ms INTEGER NOT NULL);
        INSERT INTO meta VALUES ('device_id', 'v1-device-0001');
        INSERT INTO meta VALUES ('next_device_seq', '2');
        INSERT INTO subjects VALUES ('01-007', '01', 1790000000000);
        INSERT INTO form_values VALUES ('01-007', 'D0', 'SOFA', 0, 'PLATELETS', '85');
        INSERT INTO form_values VALUES ('01-007', 'D0', 'SOFA', 0, 'GCS', '13');
        PRAGMA user_version = 1;
    )sql");
    crf::v1::ChangeEvent e;
    e.set_event_id("00000000-0000-4000-8000-000000000007");
    e.set_device_id("v1-device-0001");
    e.set_device_seq(1);
    e.set_user_id("nurse1");
    e.set_role("research_nurse");
    e.set_site_id("01");
    e.set_study_id("I-MICRO");
    e.set_definition_version("2020-1");
    e.mutable_form()->set_subject_id("01-007");
    e.mutable_form()->set_visit_oid("D0");
    e.mutable_form()->set_form_oid("SOFA");
    for (auto [item, value, unit] : {std::tuple{"PLATELETS", "85", "10^3/uL"}, std::tuple{"GCS", "13", ""}}) {
        auto* c = e.add_changes();
        c->set_item_oid(item);
        c->set_new_present(true);
        c->set_new_value(value);
        c->set_unit(unit);
    }
    e.set_captured_at_ms(1790000000000);
    e.set_saved_at_ms(1790000000000);
    e.set_prev_hash(crf::genesisHash());
    auto& st = db.prepare("INSERT INTO outbox VALUES (1, ?1, ?2, 1790000000000)");
    st.bind(1, e.event_id()).bindBlob(2, e.SerializeAsString()).run();
    const auto hash = crf::eventHash(e);
    db.prepare("INSERT INTO meta VALUES ('last_event_hash', ?1)")
        .bindBlob(1, std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()))
        .run();
    db.exec("COMMIT; PRAGMA journal_mode = DELETE;");
    std::printf("wrote %s\n", argv[1]);
    return 0;
}
