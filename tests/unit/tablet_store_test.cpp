// TabletStore: encryption at rest, key custody, wrong key / damaged file refusal, migrations, atomic saves.
#include "change_event.h"
#include "full_storage.h"
#include "key_store.h"
#include "signature.h"
#include "sqlite.h"
#include "tablet_store.h"
#include "test_support.h"

#include "crf/v1/tablet_store.pb.h"

#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <thread>

using namespace crf;
using namespace crf::store;

namespace {

const Actor kNurse{"nurse1", "research_nurse", "01"};
const StudyContext kStudy{"I-MICRO", "2020-1"};

SaveRequest sofaDay0(const std::string& platelets, const std::string& bili = "40")
{
    SaveRequest r;
    r.form = {"01-001", "D0", "SOFA", 0};
    r.values["PLATELETS"] = FieldValue{platelets, "10^3/uL"};
    r.values["BILI"] = FieldValue{bili, "umol/L"};
    return r;
}

class TabletStoreTest : public ::testing::Test {
protected:
    QTemporaryDir dir;
    ManualClock clock{1'790'000'000'000, 60};
    std::string dbPath() const { return dir.filePath("crf.db").toStdString(); }
    std::unique_ptr<platform::KeyStore> keys = platform::makeFileKeyStore(dir.path());

    /// A second connection to the store's file with its key and cipher settings (to look at or damage its tables).
    std::unique_ptr<sql::Database> openRaw()
    {
        const auto key = keys->load("crf-db").value();
        auto db = std::make_unique<sql::Database>(dbPath(), sql::Database::Mode::OpenExisting);
        db->applyRawKey(key->data(), key->size());
        db->exec("PRAGMA cipher_page_size = 4096");
        return db;
    }

    /// openRaw() with the photo file attached as `photo_store` (schema 19).
    std::unique_ptr<sql::Database> openRawWithPhotos()
    {
        auto db = openRaw();
        const auto key = keys->load("crf-db").value();
        db->attachEncrypted(TabletStore::photoFileOf(dbPath()), "photo_store", key->data(), key->size(), 65536);
        return db;
    }

    /// Keeps `jpeg` in a store opened for it and closed again; its digest.
    std::string storePhoto(const std::string& jpeg)
    {
        auto store = openStore();
        return store->addPhoto(jpeg, 1'000'000).value();
    }

    std::unique_ptr<TabletStore> openStore()
    {
        auto s = TabletStore::open(dbPath(), *keys, "crf-db", clock);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().text());
        return s.ok() ? std::move(s).value() : nullptr;
    }
};

} // namespace

TEST_F(TabletStoreTest, createsAnEncryptedDatabaseWithARandomKeyInA0600KeyFile)
{
    auto store = openStore();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->schemaVersion(), TabletStore::kSchemaVersion);
    EXPECT_FALSE(store->cipherVersion().empty());
    struct stat st {};
    ASSERT_EQ(::stat(dir.filePath("crf-db.key").toLocal8Bit().constData(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // Without a key, SQLCipher sees no database at all.
    EXPECT_EQ(test::readFile(dbPath()).substr(0, 15).find("SQLite format"), std::string::npos);
}

TEST_F(TabletStoreTest, savedValuesNeverAppearInClearInTheFileOrTheWal)
{
    auto store = openStore();
    SaveRequest r = sofaDay0("123456789");
    r.values["INITIALS_MARKER"] = FieldValue{"ZQXJKW", ""};
    ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    // Scan while the database is open, so the WAL still holds the new pages.
    const std::string wal = test::readFile(dbPath() + "-wal");
    const std::string main = test::readFile(dbPath());
    ASSERT_FALSE(wal.empty() && main.empty());
    for (const std::string needle : {"123456789", "ZQXJKW", "PLATELETS", "01-001", "nurse1", "I-MICRO"}) {
        EXPECT_EQ(main.find(needle), std::string::npos) << needle << " in clear in crf.db";
        EXPECT_EQ(wal.find(needle), std::string::npos) << needle << " in clear in crf.db-wal";
    }
    store.reset();
    const std::string afterClose = test::readFile(dbPath());
    EXPECT_EQ(afterClose.find("123456789"), std::string::npos);
}

TEST_F(TabletStoreTest, wrongKeyIsRefusedWithAClearErrorAndTheFileIsLeftUntouched)
{
    {
        auto store = openStore();
        ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok());
    }
    const std::string before = test::readFile(dbPath());
    SecretKey wrong = SecretKey::random();
    auto opened = TabletStore::openWithKey(dbPath(), wrong, clock);
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().text().find("wrong key"), std::string::npos) << opened.error().text();
    EXPECT_EQ(test::readFile(dbPath()), before);
    // The right key still opens it with the value intact.
    auto store = openStore();
    auto values = store->formValues({"01-001", "D0", "SOFA", 0});
    ASSERT_TRUE(values.ok());
    EXPECT_EQ(values->at("PLATELETS").value, "85");
}

TEST_F(TabletStoreTest, aMissingKeyForAnExistingDatabaseIsAnErrorNotANewKey)
{
    openStore()->save(sofaDay0("85"), kNurse, kStudy);
    const std::string before = test::readFile(dbPath());
    std::filesystem::remove(dir.filePath("crf-db.key").toStdString());
    auto opened = TabletStore::open(dbPath(), *keys, "crf-db", clock);
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().text().find("key is missing"), std::string::npos) << opened.error().text();
    EXPECT_FALSE(std::filesystem::exists(dir.filePath("crf-db.key").toStdString()));
    EXPECT_EQ(test::readFile(dbPath()), before);
}

TEST_F(TabletStoreTest, aDamagedFileIsRefusedAndLeftUntouched)
{
    test::writeFile(dbPath(), std::string(8192, '\x5a'));
    auto key = SecretKey::random();
    auto opened = TabletStore::openWithKey(dbPath(), key, clock);
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().text().find(dbPath()), std::string::npos);
    EXPECT_EQ(test::readFile(dbPath()), std::string(8192, '\x5a'));
}

TEST_F(TabletStoreTest, aKeyFileReadableByOthersIsRefused)
{
    openStore();
    ::chmod(dir.filePath("crf-db.key").toLocal8Bit().constData(), 0644);
    auto opened = TabletStore::open(dbPath(), *keys, "crf-db", clock);
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().text().find("0600"), std::string::npos);
}

TEST_F(TabletStoreTest, aSaveWritesValuesAndItsOutboxEventTogether)
{
    auto store = openStore();
    auto saved = store->save(sofaDay0("85"), kNurse, kStudy);
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(saved->deviceSeq, 1u);
    EXPECT_EQ(saved->changedItems, 2);

    auto pending = store->pendingEvents(10);
    ASSERT_EQ(pending->size(), 1u);
    const v1::ChangeEvent e = pending->front();
    EXPECT_EQ(e.device_id(), store->deviceId());
    EXPECT_EQ(e.user_id(), "nurse1");
    EXPECT_EQ(e.site_id(), "01");
    EXPECT_EQ(e.definition_version(), "2020-1");
    EXPECT_EQ(e.captured_at_ms(), 1'790'000'000'000);
    EXPECT_EQ(e.captured_utc_offset_min(), 60);
    EXPECT_EQ(e.prev_hash(), genesisHash());
    EXPECT_TRUE(validateEventShape(e).ok());
    auto values = store->formValues({"01-001", "D0", "SOFA", 0});
    EXPECT_TRUE(values->at("PLATELETS").pending);
    EXPECT_EQ(values->at("BILI").unit, "umol/L");

    // The second event chains to the first.
    SaveRequest correction = sofaDay0("58");
    correction.reasonCode = "TRANSCRIPTION_ERROR";
    correction.reasonText = "digits swapped";
    ASSERT_TRUE(store->save(correction, kNurse, kStudy).ok());
    pending = store->pendingEvents(10);
    ASSERT_EQ(pending->size(), 2u);
    EXPECT_EQ((*pending)[1].prev_hash(), std::string(reinterpret_cast<const char*>(eventHash(e).data()), 32));
    ASSERT_EQ((*pending)[1].changes_size(), 1);
    EXPECT_EQ((*pending)[1].changes(0).old_value(), "85");
    EXPECT_EQ((*pending)[1].changes(0).new_value(), "58");
}

TEST_F(TabletStoreTest, changingASavedValueWithoutAReasonIsRefusedAndNothingIsLost)
{
    auto store = openStore();
    ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok());
    auto refused = store->save(sofaDay0("58"), kNurse, kStudy);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("PLATELETS"), std::string::npos);
    EXPECT_EQ(store->formValues({"01-001", "D0", "SOFA", 0})->at("PLATELETS").value, "85");
    EXPECT_EQ(store->pendingEvents(10)->size(), 1u);
}

TEST_F(TabletStoreTest, anUnchangedSaveWritesNoEvent)
{
    auto store = openStore();
    ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok());
    auto again = store->save(sofaDay0("85"), kNurse, kStudy);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->deviceSeq, 0u);
    EXPECT_EQ(store->pendingEvents(10)->size(), 1u);
}

TEST_F(TabletStoreTest, valuesSurviveReopening)
{
    std::string device;
    {
        auto store = openStore();
        device = store->deviceId();
        store->save(sofaDay0("85"), kNurse, kStudy);
    }
    auto store = openStore();
    EXPECT_EQ(store->deviceId(), device);
    EXPECT_EQ(store->formValues({"01-001", "D0", "SOFA", 0})->at("PLATELETS").value, "85");
    // The sequence continues; it is never reused.
    SaveRequest more = sofaDay0("85");
    more.values["GCS"] = FieldValue{"14", ""};
    EXPECT_EQ(store->save(more, kNurse, kStudy)->deviceSeq, 2u);
}

TEST_F(TabletStoreTest, aNewerSchemaIsRefused)
{
    openStore();
    {
        auto key = platform::makeFileKeyStore(dir.path())->load("crf-db");
        sql::Database db(dbPath(), sql::Database::Mode::OpenExisting);
        db.applyRawKey(key->value().data(), 32);
        db.exec("PRAGMA cipher_page_size = 4096");
        db.setUserVersion(99);
    }
    auto opened = TabletStore::open(dbPath(), *keys, "crf-db", clock);
    ASSERT_FALSE(opened.ok());
    EXPECT_NE(opened.error().text().find("newer"), std::string::npos);
}

TEST(TabletStoreMigration, upgradesTheVersion1FileKeepingValuesAndTheUnsentEvent)
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("crf.db").toStdString();
    std::filesystem::copy_file(CRF_TEST_DATA_DIR "/tablet-store-v1.sqlcipher", path);
    SecretKey key;
    for (int i = 0; i < 32; ++i)
        key.data()[i] = static_cast<uint8_t>(i + 1);
    ManualClock clock(1'790'000'100'000);
    auto opened = TabletStore::openWithKey(path, key, clock);
    ASSERT_TRUE(opened.ok()) << opened.error().text();
    auto& store = *opened.value();
    EXPECT_EQ(store.schemaVersion(), TabletStore::kSchemaVersion);
    EXPECT_EQ(store.deviceId(), "v1-device-0001");
    auto values = store.formValues({"01-007", "D0", "SOFA", 0});
    ASSERT_TRUE(values.ok());
    EXPECT_EQ(values->at("PLATELETS").value, "85");
    EXPECT_EQ(values->at("PLATELETS").unit, "10^3/uL"); // recovered from the unsent event
    EXPECT_TRUE(values->at("GCS").pending);             // a pull cannot hide it before it is sent
    auto pending = store.pendingEvents(10);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ(pending->front().device_seq(), 1u);
    // New saves continue the version 1 device chain.
    SaveRequest r;
    r.form = {"01-007", "D1", "SOFA", 0};
    r.values["GCS"] = FieldValue{"15", ""};
    auto saved = store.save(r, {"nurse1", "research_nurse", "01"}, {"I-MICRO", "2020-1"});
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(saved->deviceSeq, 2u);
    pending = store.pendingEvents(10);
    EXPECT_EQ((*pending)[1].prev_hash(),
              std::string(reinterpret_cast<const char*>(eventHash((*pending)[0]).data()), 32));
}

TEST_F(TabletStoreTest, siteOnlyValuesStayOnTheTabletWithALocalAuditTrail)
{
    auto store = openStore();
    ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok());
    SaveRequest contact;
    contact.form = {"01-001", "D0", "CONTACT", 0};
    contact.values["TRUSTED_PHONE"] = FieldValue{"+33 6 12 34 56 78", ""};
    contact.siteOnly = true;
    auto saved = store->save(contact, kNurse, kStudy);
    ASSERT_TRUE(saved.ok()) << saved.error().text();

    // Not in the outbox: never pushed. The device chain has no gap: the next synced event is seq 2.
    auto pending = store->pendingEvents(10);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ(pending->front().form().form_oid(), "SOFA");
    SaveRequest more = sofaDay0("85");
    more.values["GCS"] = FieldValue{"14", ""};
    EXPECT_EQ(store->save(more, kNurse, kStudy)->deviceSeq, 2u);

    // Readable at the site, with its own audit trail; a correction needs a reason like any other.
    auto values = store->formValues(contact.form);
    EXPECT_EQ(values->at("TRUSTED_PHONE").value, "+33 6 12 34 56 78");
    EXPECT_FALSE(values->at("TRUSTED_PHONE").pending);
    contact.values["TRUSTED_PHONE"] = FieldValue{"+33 6 00 00 00 00", ""};
    EXPECT_FALSE(store->save(contact, kNurse, kStudy).ok());
    contact.reasonCode = "NEW_INFORMATION";
    contact.reasonText = "number changed";
    ASSERT_TRUE(store->save(contact, kNurse, kStudy).ok());
    auto trail = store->siteOnlyEvents();
    ASSERT_EQ(trail->size(), 2u);
    EXPECT_EQ((*trail)[1].changes(0).old_value(), "+33 6 12 34 56 78");
    EXPECT_EQ((*trail)[1].prev_hash(), std::string(reinterpret_cast<const char*>(eventHash((*trail)[0]).data()), 32));
}

TEST_F(TabletStoreTest, enteredInErrorIsAStatusEventWithAReasonAndNothingIsDeleted)
{
    auto store = openStore();
    ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok());
    const FormKey key{"01-001", "D0", "SOFA", 0};
    auto refused = store->setRecordStatus(key, kEnteredInError, "", "", kNurse, kStudy);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("reason"), std::string::npos);
    auto marked = store->setRecordStatus(key, kEnteredInError, "ENTERED_IN_ERROR", "wrong patient", kNurse, kStudy);
    ASSERT_TRUE(marked.ok()) << marked.error().text();
    EXPECT_EQ(marked->deviceSeq, 2u);
    EXPECT_EQ(*store->recordStatus(key), kEnteredInError);
    EXPECT_EQ(store->formValues(key)->at("PLATELETS").value, "85") << "values stay";
    const auto pending = store->pendingEvents(10).value();
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[1].record_status(), kEnteredInError);
    EXPECT_EQ(pending[1].changes_size(), 0);
    EXPECT_TRUE(validateEventShape(pending[1]).ok());
    EXPECT_FALSE(store->setRecordStatus(key, "PURGED", "X", "y", kNurse, kStudy).ok()) << "unknown status";
}

// A serious adverse event goes ahead of every change not yet offered to the gateway, with the earlier unsent
// changes of its own form; changes already handed to the sync engine keep their numbers (the gateway may hold
// them). The device chain stays unbroken and contiguous.
TEST_F(TabletStoreTest, aSeriousAdverseEventGoesAheadOfEveryChangeNotYetOffered)
{
    auto store = openStore();
    auto sofa = [&](int day) {
        SaveRequest r;
        r.form = {"01-001", "D" + std::to_string(day), "SOFA", 0};
        r.values["GCS"] = FieldValue{"14", ""};
        ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    };
    for (int d = 0; d < 10; ++d)
        sofa(d);
    ASSERT_EQ(store->pendingEvents(4)->size(), 4u); // 1..4 offered to the gateway
    SaveRequest ae;
    ae.form = {"01-001", "AE", "AE", 1};
    ae.values["AE_TERM"] = FieldValue{"bleeding", ""};
    ae.values["SERIOUS"] = FieldValue{"N", ""};
    ASSERT_TRUE(store->save(ae, kNurse, kStudy).ok()); // seq 11, not urgent yet
    for (int d = 10; d < 13; ++d)
        sofa(d);
    ae.values.clear();
    ae.values["SERIOUS"] = FieldValue{"Y", ""};
    ae.values["SAE_HOSPITALISATION"] = FieldValue{"Y", ""};
    ae.reasonCode = "NEW_INFORMATION";
    ae.reasonText = "bleeding required prolonged hospitalisation";
    ae.urgent = true;
    ASSERT_TRUE(store->save(ae, kNurse, kStudy).ok()); // seq 15, urgent
    EXPECT_EQ(*store->urgentPending(), 1);

    const auto events = store->pendingEvents(100).value();
    ASSERT_EQ(events.size(), 15u);
    std::vector<std::string> order;
    for (const auto& e : events)
        order.push_back(e.form().visit_oid());
    EXPECT_EQ(order, (std::vector<std::string>{"D0", "D1", "D2", "D3", "AE", "AE", "D4", "D5", "D6", "D7", "D8", "D9",
                                               "D10", "D11", "D12"}));
    EXPECT_EQ(events[4].changes(0).item_oid(), "AE_TERM"); // the form's own order is kept
    std::string prev = genesisHash();
    for (size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].device_seq(), i + 1);
        EXPECT_EQ(events[i].prev_hash(), prev) << "chain broken at " << i + 1;
        prev = digestBytes(eventHash(events[i]));
    }
    // A save after the promotion chains onto the new last event, and values still point at their events.
    sofa(13);
    const auto after = store->pendingEvents(100).value();
    EXPECT_EQ(after.back().prev_hash(), prev);
    EXPECT_EQ(store->syncState()->pendingEvents, 16);
}

TEST_F(TabletStoreTest, aSignatureCoversExactlyTheSignedValuesAndBreaksWhenOneChanges)
{
    auto store = openStore();
    const Actor investigator{"inv-01", "investigator", "01"};
    const FormKey sofa{"01-001", "D0", "SOFA", 0}, day1{"01-001", "D1", "SOFA", 0};
    SaveRequest r;
    r.form = sofa;
    r.values["GCS"] = FieldValue{"12", ""};
    r.values["MAP"] = FieldValue{"64", "mmHg"};
    ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    r.form = day1;
    ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());

    const std::string meaning = "I approve the data of this form as accurate and complete";
    const auto signedForm = store->sign(sofa, false, meaning, "Dr Demo", investigator, kStudy);
    ASSERT_TRUE(signedForm.ok()) << signedForm.error().text();
    ASSERT_TRUE(store->sign(sofa, true, "I approve this casebook", "Dr Demo", investigator, kStudy).ok());

    // The event carries the printed name, UTC time, meaning and the hash of exactly the form's values.
    const auto events = store->pendingEvents(10).value();
    ASSERT_EQ(events.size(), 4u);
    const auto& sig = events[2];
    ASSERT_TRUE(sig.has_signature());
    EXPECT_EQ(sig.changes_size(), 0);
    EXPECT_EQ(sig.user_id(), "inv-01");
    EXPECT_EQ(sig.signature().printed_name(), "Dr Demo");
    EXPECT_EQ(sig.signature().meaning(), meaning);
    EXPECT_EQ(sig.signature().signed_at_ms(), clock.nowMs());
    EXPECT_EQ(sig.signature().content_hash(),
              digestBytes(signature::signedContentHash(
                  {{"D0", "SOFA", 0, "GCS", "12", ""}, {"D0", "SOFA", 0, "MAP", "64", "mmHg"}})));
    EXPECT_EQ(events[3].form().visit_oid(), "*");
    EXPECT_EQ(events[3].signature().scope(), "CASEBOOK");

    auto states = store->signatures("01-001").value();
    ASSERT_EQ(states.size(), 2u);
    EXPECT_TRUE(states[0].intact);
    EXPECT_TRUE(states[1].intact);

    // A later change of day 1 breaks the casebook signature, not the signature of day 0.
    r.values["GCS"] = FieldValue{"13", ""};
    r.reasonCode = "CORRECTION";
    r.reasonText = "re-assessed";
    ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    states = store->signatures("01-001").value();
    EXPECT_TRUE(states[0].intact);
    EXPECT_FALSE(states[1].intact) << "the casebook changed since it was signed";
    // Changing day 0 breaks its form signature; putting the value back restores exactly what was signed.
    r.form = sofa;
    ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    EXPECT_FALSE(store->signatures("01-001").value()[0].intact);
    r.values["GCS"] = FieldValue{"12", ""};
    ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    EXPECT_TRUE(store->signatures("01-001").value()[0].intact);
    // A new signature over the new casebook is intact.
    ASSERT_TRUE(store->sign(sofa, true, "I approve this casebook", "Dr Demo", investigator, kStudy).ok());
    EXPECT_TRUE(store->signatures("01-001").value().back().intact);
}

TEST_F(TabletStoreTest, aRefusalKeepsTheGatewaysReasonWithItsWordingForTheScreen)
{
    auto store = openStore();
    auto saved = store->save(sofaDay0("85"), kNurse, kStudy);
    ASSERT_TRUE(saved.ok());
    v1::PushResponse response;
    auto* o = response.add_outcomes();
    o->set_device_id(store->deviceId());
    o->set_device_seq(saved->deviceSeq);
    o->set_status(v1::OUTCOME_STATUS_REJECTED);
    o->set_message("item PLATELETZ: not an item of form SOFA");
    o->mutable_wording()->set_where("item PLATELETZ");
    o->mutable_wording()->set_text_template("not an item of form %1");
    o->mutable_wording()->add_args("SOFA");
    ASSERT_TRUE(store->applyPushOutcomes(response).ok());
    store.reset();
    store = openStore(); // kept in the encrypted store, not in memory
    const auto st = store->syncState().value();
    EXPECT_EQ(st.refusedEvents, 1);
    EXPECT_EQ(st.lastRefusal, "item PLATELETZ: not an item of form SOFA");
    EXPECT_EQ(st.lastRefusalWording.text(), st.lastRefusal);
    EXPECT_EQ(st.lastRefusalWording.tmpl, "not an item of form %1");
    ASSERT_EQ(st.lastRefusalWording.args.size(), 1u);
    EXPECT_EQ(st.lastRefusalWording.args[0].text, "SOFA");
}

// A value is pending (shown as not yet at the gateway, and never hidden by a pull) exactly while the event that
// carried it is unsent: acknowledged or refused, it is not; queued again after a gateway restore, it is again.
TEST_F(TabletStoreTest, aValueIsPendingExactlyWhileItsEventIsUnsent)
{
    auto store = openStore();
    auto saveFor = [&](const std::string& subject, const std::string& platelets) {
        SaveRequest r = sofaDay0(platelets);
        r.form.subjectId = subject;
        if (subject == "01-001" && platelets != "85") {
            r.reasonCode = "TRANSCRIPTION_ERROR";
            r.reasonText = "digits swapped";
        }
        auto saved = store->save(r, kNurse, kStudy);
        EXPECT_TRUE(saved.ok());
        return saved.ok() ? saved->deviceSeq : 0;
    };
    auto pending = [&](const std::string& subject, const std::string& item = "PLATELETS") {
        return store->formValues({subject, "D0", "SOFA", 0}).value().at(item).pending;
    };
    auto answer = [&](uint64_t seq, v1::OutcomeStatus status) {
        v1::PushResponse response;
        auto* o = response.add_outcomes();
        o->set_device_id(store->deviceId());
        o->set_device_seq(seq);
        o->set_status(status);
        o->set_server_seq(status == v1::OUTCOME_STATUS_ACCEPTED ? 100 + seq : 0);
        o->set_message(status == v1::OUTCOME_STATUS_REJECTED ? "refused for the test" : "");
        ASSERT_TRUE(store->applyPushOutcomes(response).ok());
    };
    const uint64_t a = saveFor("01-001", "85"), b = saveFor("01-002", "90"), c = saveFor("01-003", "95");
    ASSERT_EQ(c, 3u);
    const auto sent = store->pendingEvents(10).value();
    EXPECT_TRUE(pending("01-001") && pending("01-002") && pending("01-003"));

    answer(a, v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_FALSE(pending("01-001")) << "acknowledged";
    EXPECT_TRUE(pending("01-002") && pending("01-003"));
    answer(b, v1::OUTCOME_STATUS_REJECTED);
    EXPECT_FALSE(pending("01-002")) << "refused: the value no longer holds its place over the gateway's";
    EXPECT_TRUE(pending("01-003"));
    answer(c, v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_FALSE(pending("01-003"));

    // A correction is pending; the value it did not change is not.
    const uint64_t d = saveFor("01-001", "58");
    EXPECT_TRUE(pending("01-001"));
    EXPECT_FALSE(pending("01-001", "BILI"));
    answer(d, v1::OUTCOME_STATUS_ACCEPTED);
    EXPECT_FALSE(pending("01-001"));

    // The gateway was restored to a point holding events up to c: the correction is unsent, and pending, again.
    ASSERT_EQ(store->requeueAfter(c, digestBytes(eventHash(sent[2]))).value(), 1);
    EXPECT_TRUE(pending("01-001"));
    EXPECT_FALSE(pending("01-001", "BILI"));
    EXPECT_FALSE(pending("01-003"));
}

// A pull page with no events still moves the cursor when the gateway's did (events this tablet may not read were
// skipped); one that moves nothing writes nothing.
TEST_F(TabletStoreTest, anEmptyPullPageMovesTheCursorOnlyWhenTheGatewaysMoved)
{
    auto store = openStore();
    v1::PullResponse page;
    page.set_next_cursor(0);
    ASSERT_TRUE(store->applyPullPage(page).ok());
    EXPECT_EQ(store->syncState()->pullCursor, 0u);
    page.set_next_cursor(42); // events of another site, filtered out by the gateway
    ASSERT_TRUE(store->applyPullPage(page).ok());
    EXPECT_EQ(store->syncState()->pullCursor, 42u);
    ASSERT_TRUE(store->applyPullPage(page).ok());
    EXPECT_EQ(store->syncState()->pullCursor, 42u);
    EXPECT_EQ(store->pullCursor().value(), 42u);
}

// Bookkeeping such as the last sync attempt commits without waiting for the disk; every other commit of the
// connection must still wait for it, whether the relaxed transaction committed or was abandoned.
TEST_F(TabletStoreTest, aRelaxedTransactionLeavesTheConnectionDurableAgain)
{
    sql::Database db(dir.filePath("plain.db").toStdString(), sql::Database::Mode::CreateIfMissing);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT);");
    auto level = [&] {
        auto& st = db.prepare("PRAGMA synchronous");
        st.step();
        const int64_t v = st.int64(0);
        st.reset();
        return v;
    };
    constexpr int64_t kNormal = 1, kFull = 2;
    {
        sql::Transaction tx(db, sql::Transaction::Durability::Relaxed);
        EXPECT_EQ(level(), kNormal);
        db.exec("INSERT INTO meta VALUES ('last_sync_ms', '1')");
        tx.commit();
    }
    EXPECT_EQ(level(), kFull);
    {
        sql::Transaction tx(db, sql::Transaction::Durability::Relaxed);
        db.exec("INSERT INTO meta VALUES ('abandoned', '1')");
    } // rolled back
    EXPECT_EQ(level(), kFull);
    {
        sql::Transaction tx(db);
        EXPECT_EQ(level(), kFull);
        tx.commit();
    }
    auto& rows = db.prepare("SELECT group_concat(k) FROM meta");
    ASSERT_TRUE(rows.step());
    EXPECT_EQ(rows.text(0), "last_sync_ms");
    rows.reset();

    // Outside WAL, NORMAL could leave a damaged file after a power cut: a relaxed transaction stays durable there.
    db.exec("PRAGMA journal_mode = DELETE");
    sql::Transaction tx(db, sql::Transaction::Durability::Relaxed);
    EXPECT_EQ(level(), kFull);
    tx.commit();
}

// A lookup that steps once and keeps its statement holds a read snapshot of the write-ahead log. Held from the start,
// no checkpoint could copy a frame and the log grew by every commit for as long as the connection lived (a gateway
// or a tablet that runs for weeks). Each transaction now ends such reads, so the log stays near the checkpoint size.
TEST_F(TabletStoreTest, aLookupLeftOpenDoesNotHoldTheWriteAheadLogBack)
{
    const std::string path = dir.filePath("plain.db").toStdString();
    sql::Database db(path, sql::Database::Mode::CreateIfMissing);
    // Checkpoints every 100 pages instead of 1,000, to keep the test small.
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 100; "
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    auto& lookup = db.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(lookup.step()); // positioned on its row and never reset, as a lookup that returned its value
    const std::string blob(4000, 'x');
    for (int i = 0; i < 600; ++i) { // about 2.4 MiB written, six times the checkpoint size
        sql::Transaction tx(db);
        db.prepare("INSERT INTO t (v) VALUES (?1)").bindBlob(1, blob).run();
        auto& count = db.prepare("SELECT count(*) FROM t");
        ASSERT_TRUE(count.step()); // and one left open inside the transaction
        tx.commit();
    }
    namespace fs = std::filesystem;
    EXPECT_LT(fs::file_size(path + "-wal"), 1024u * 1024);
    EXPECT_GT(fs::file_size(path), 2u * 1024 * 1024); // the rows reached the database file itself

    // The statement ended by the transaction says so when read again, rather than answering from nowhere; prepared
    // again, it answers.
    EXPECT_THROW(lookup.int64(0), sql::SqlError);
    EXPECT_THROW(lookup.step(), sql::SqlError);
    auto& again = db.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(again.step());
    EXPECT_EQ(again.int64(0), 600);
}

// The log is copied on a thread of the checkpointer's own; when writes pause, the copy catches up and the log starts
// again from its beginning, so its file stays at about the size where copying starts.
TEST_F(TabletStoreTest, aBackgroundCheckpointerLetsTheLogStartAgainWhenWritesPause)
{
    const std::string path = dir.filePath("plain.db").toStdString();
    sql::Database db(path, sql::Database::Mode::CreateIfMissing);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    namespace fs = std::filesystem;
    {
        sql::BackgroundCheckpointer checkpointer(
            db, sql::Database(path, sql::Database::Mode::OpenExisting),
            std::vector<std::pair<std::string, sql::BackgroundCheckpointer::Limits>>{{"main", {100, 16, 400}}});
        const std::string blob(4000, 'x');
        for (int burst = 0; burst < 12; ++burst) { // 600 pages in all, six times where copying starts
            for (int i = 0; i < 50; ++i) {
                sql::Transaction tx(db);
                db.prepare("INSERT INTO t (v) VALUES (?1)").bindBlob(1, blob).run();
                tx.commit();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(40)); // the thread copies meanwhile
        }
        EXPECT_LT(fs::file_size(path + "-wal"), 300u * 4120); // never near the 600 pages written
        EXPECT_GT(fs::file_size(path), 2u * 1024 * 1024);     // copied into the file while the connection is open
    }
    auto& count = db.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.int64(0), 600);
}

// The same through the store: saves, and the reads a sync pass makes between them, leave the log bounded.
TEST_F(TabletStoreTest, theStoresWriteAheadLogStaysBoundedOverManySaves)
{
    auto store = openStore();
    ASSERT_TRUE(store);
    for (int i = 0; i < 1500; ++i) { // about 60 MiB of log when nothing is copied
        SaveRequest r;
        r.form = {"01-" + std::to_string(i), "D0", "SOFA", 0};
        r.values["PLATELETS"] = FieldValue{std::to_string(100 + i % 50), "10^3/uL"};
        r.values["BILI"] = FieldValue{std::to_string(20 + i % 30), "umol/L"};
        ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
        ASSERT_TRUE(store->queuedCount().ok());
    }
    // Copied by the store's checkpoint thread, and by the writer itself past 4,000 pages (about 16 MiB) while saves
    // come back to back as here (at the bedside they come seconds apart and the log restarts from its beginning).
    namespace fs = std::filesystem;
    EXPECT_LT(fs::file_size(dbPath() + "-wal"), 20u * 1024 * 1024);
    EXPECT_EQ(store->queuedCount().value(), 1500);
}

// The last sync attempt is what the nurse sees: when it was last successful and why the latest one failed. A pass
// that ends as the previous one did rewrites only what changed; nothing of it is lost on reopening.
TEST_F(TabletStoreTest, theLastSyncOutcomeFollowsEveryPassAndSurvivesReopening)
{
    const Message unreachable("the gateway is unreachable");
    const Message refused("the gateway refused this tablet");
    {
        auto store = openStore();
        EXPECT_EQ(store->pullCursor().value(), 0u);
        ASSERT_TRUE(store->recordSyncAttempt(1000, unreachable).ok());
        EXPECT_EQ(store->syncState()->lastError.text, unreachable.text);
        EXPECT_EQ(store->syncState()->lastSyncMs, 0) << "a failed pass is not a sync";
        ASSERT_TRUE(store->recordSyncAttempt(2000, unreachable).ok());
        EXPECT_EQ(store->syncState()->lastError.text, unreachable.text);
        ASSERT_TRUE(store->recordSyncAttempt(3000, {}).ok());
        EXPECT_TRUE(store->syncState()->lastError.empty());
        EXPECT_EQ(store->syncState()->lastSyncMs, 3000);
        ASSERT_TRUE(store->recordSyncAttempt(4000, {}).ok());
        EXPECT_TRUE(store->syncState()->lastError.empty());
        EXPECT_EQ(store->syncState()->lastSyncMs, 4000);
        ASSERT_TRUE(store->recordSyncAttempt(5000, refused).ok());
    }
    {
        auto store = openStore();
        EXPECT_EQ(store->syncState()->lastError.text, refused.text);
        EXPECT_EQ(store->syncState()->lastSyncMs, 4000);
        ASSERT_TRUE(store->recordSyncAttempt(6000, {}).ok()); // this process has stored nothing yet
    }
    auto store = openStore();
    EXPECT_TRUE(store->syncState()->lastError.empty());
    EXPECT_EQ(store->syncState()->lastSyncMs, 6000);
}

// The usual periodic sync finds nothing to do: it must not write the store every time only to move the time of the
// last sync forward. Within a minute of the stored time that time is kept in memory (the nurse sees it all the
// same); past the minute, after another outcome, or when the store closes, it is written.
TEST_F(TabletStoreTest, aSyncThatChangesNothingSoonAfterTheLastWritesNothing)
{
    openStore(); // made, so that a second connection can look at it
    auto raw = openRaw();
    auto storedTime = [&] {
        auto& st = raw->prepare("SELECT value FROM meta WHERE key = 'last_sync_ms'");
        const std::string v = st.step() ? st.text(0) : std::string("none");
        st.reset();
        return v;
    };
    constexpr int64_t t0 = 1'000'000;
    constexpr int64_t minute = TabletStore::kSyncTimeResolutionMs;
    {
        auto store = openStore();
        ASSERT_TRUE(store->recordSyncAttempt(t0, {}).ok());
        EXPECT_EQ(storedTime(), std::to_string(t0)) << "the first pass of a process is written";
        ASSERT_TRUE(store->recordSyncAttempt(t0 + 20'000, {}).ok());
        EXPECT_EQ(store->syncState()->lastSyncMs, t0 + 20'000) << "the nurse sees the latest sync";
        EXPECT_EQ(storedTime(), std::to_string(t0)) << "nothing written within the minute";
        ASSERT_TRUE(store->recordSyncAttempt(t0 + minute - 1, {}).ok());
        EXPECT_EQ(storedTime(), std::to_string(t0));
        ASSERT_TRUE(store->recordSyncAttempt(t0 + minute, {}).ok());
        EXPECT_EQ(storedTime(), std::to_string(t0 + minute)) << "a minute old: written";
        ASSERT_TRUE(store->recordSyncAttempt(t0 + minute + 5'000, {}).ok());
        EXPECT_EQ(storedTime(), std::to_string(t0 + minute));
        // A failure is written at once, and the success after it too.
        ASSERT_TRUE(store->recordSyncAttempt(t0 + minute + 6'000, Message("the gateway is unreachable")).ok());
        EXPECT_EQ(store->syncState()->lastError.text, "the gateway is unreachable");
        EXPECT_EQ(store->syncState()->lastSyncMs, t0 + minute + 5'000);
        ASSERT_TRUE(store->recordSyncAttempt(t0 + minute + 7'000, {}).ok());
        EXPECT_EQ(storedTime(), std::to_string(t0 + minute + 7'000)) << "the success after a failure is written";
        ASSERT_TRUE(store->recordSyncAttempt(t0 + minute + 8'000, {}).ok());
        EXPECT_EQ(storedTime(), std::to_string(t0 + minute + 7'000));
    }
    EXPECT_EQ(storedTime(), std::to_string(t0 + minute + 8'000)) << "closing writes the time kept in memory";
    auto store = openStore();
    EXPECT_EQ(store->syncState()->lastSyncMs, t0 + minute + 8'000);
    EXPECT_TRUE(store->syncState()->lastError.empty());
}

namespace {

/// A page of events another tablet saved, as the gateway serves them (server sequences from `firstSeq`).
v1::PullResponse pulledPage(uint64_t firstSeq,
                            const std::vector<std::pair<FormKey, std::vector<v1::FieldChange>>>& forms)
{
    v1::PullResponse page;
    uint64_t seq = firstSeq;
    for (const auto& [form, changes] : forms) {
        auto* se = page.add_events();
        se->set_server_seq(seq);
        se->set_received_at_ms(1'790'000'000'000);
        auto* e = se->mutable_event();
        e->set_event_id("pulled-" + std::to_string(seq));
        e->set_device_id("other-tablet");
        e->set_device_seq(seq);
        e->set_site_id("01");
        e->mutable_form()->set_subject_id(form.subjectId);
        e->mutable_form()->set_visit_oid(form.visitOid);
        e->mutable_form()->set_form_oid(form.formOid);
        e->mutable_form()->set_repeat(form.repeat);
        e->mutable_hlc()->set_wall_ms(1'790'000'000'000);
        for (const auto& c : changes)
            *e->add_changes() = c;
        ++seq;
    }
    page.set_next_cursor(seq - 1);
    return page;
}

v1::FieldChange setTo(const std::string& item, const std::string& value, const std::string& unit = {})
{
    v1::FieldChange c;
    c.set_item_oid(item);
    c.set_new_present(true);
    c.set_new_value(value);
    c.set_unit(unit);
    return c;
}

v1::FieldChange cleared(const std::string& item)
{
    v1::FieldChange c;
    c.set_item_oid(item);
    c.set_new_present(false);
    return c;
}

} // namespace

// Schema 17: a form instance pulled whole (nothing of it held here, no conflict) is kept as one row instead of one per
// value, which is most of what a catch-up pull writes. It reads exactly like values kept one per row; the first local
// change, conflict or resolution moves it to one row per value, where pending and conflict marks live.
// A pulled event is kept as the gateway sent it when its bytes come with the page (SyncClient::pull), serialized
// from the parsed event otherwise (not one per event: the page's own events decide).
TEST_F(TabletStoreTest, aPulledEventIsKeptAsTheBytesItCameIn)
{
    auto store = openStore();
    const FormKey a{"01-030", "D0", "SOFA", 0}, b{"01-031", "D0", "SOFA", 0};
    const v1::PullResponse first = pulledPage(1, {{a, {setTo("PLATELETS", "120")}}});
    // The same event with a field the tablet does not read (field 1023, varint 1): not what serializing it gives.
    const std::vector<std::string> bytes{first.events(0).SerializeAsString() + "\xf8\x3f\x01"};
    ASSERT_TRUE(store->applyPullPage(first, bytes).ok());
    const v1::PullResponse second = pulledPage(2, {{b, {setTo("PLATELETS", "90")}}});
    ASSERT_TRUE(store->applyPullPage(second, std::vector<std::string>{"one", "too many"}).ok());

    store.reset();
    auto raw = openRaw();
    auto payload = [&](int64_t seq) {
        auto& st = raw->prepare("SELECT payload FROM events WHERE server_seq = ?1");
        st.bind(1, seq);
        return st.step() ? st.blob(0) : std::string("(no row)");
    };
    EXPECT_EQ(payload(1), bytes[0]) << "kept as it came";
    EXPECT_EQ(payload(2), second.events(0).SerializeAsString()) << "bytes not one per event: serialized";
}

// A page pulled while the tablet's storage is full is not applied and its cursor does not move: the error says what
// the nurse can do, and the same page applies once, whole, when space is back.
TEST_F(TabletStoreTest, aPageThatFindsTheStorageFullIsAppliedOnceWhenSpaceIsBack)
{
    test::FullStorage::install(); // before the store opens its files
    auto store = openStore();
    const FormKey a{"01-040", "D0", "SOFA", 0};
    const v1::PullResponse page = pulledPage(1, {{a, {setTo("PLATELETS", "120")}}});
    test::FullStorage::fill(dir.path().toStdString());
    const Status refused = store->applyPullPage(page);
    test::FullStorage::empty();
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("storage is full"), std::string::npos)
        << "[" << refused.error().text() << "]";
    EXPECT_EQ(store->pullCursor().value(), 0u) << "the cursor stays";
    EXPECT_TRUE(store->formValues(a)->empty());
    ASSERT_TRUE(store->applyPullPage(page).ok());
    EXPECT_EQ(store->pullCursor().value(), page.next_cursor());
    EXPECT_EQ(store->formValues(a)->at("PLATELETS").value, "120");
    store.reset();
    auto raw = openRaw();
    auto& rows = raw->prepare("SELECT count(*) FROM events");
    ASSERT_TRUE(rows.step());
    EXPECT_EQ(rows.int64(0), 1) << "applied once";
}

// A file system may find itself full only when it allocates, at the sync (SQLite then says SQLITE_IOERR, the system
// ENOSPC or EDQUOT): the nurse reads the same "storage is full" as for a write; a disk that fails otherwise (EIO)
// stays a failure of the store, named as such.
TEST_F(TabletStoreTest, aSyncThatFindsTheStorageFullSaysSoAndAFailingDiskDoesNot)
{
    test::FullStorage::install(); // before the store opens its files
    auto store = openStore();
    SaveRequest r;
    r.form = {"01-050", "D0", "SOFA", 0};
    r.values["PLATELETS"] = FieldValue{"120", "10^3/uL"};
    const std::string folder = dir.path().toStdString();
    for (const auto& [error, full] : {std::pair{ENOSPC, true}, std::pair{EDQUOT, true}, std::pair{EIO, false}}) {
        test::FullStorage::failSyncs(folder, error);
        const auto refused = store->save(r, kNurse, kStudy);
        test::FullStorage::empty();
        ASSERT_FALSE(refused.ok()) << "errno " << error;
        EXPECT_EQ(refused.error().text().find("storage is full") != std::string::npos, full)
            << "errno " << error << ": " << refused.error().text();
    }
    ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    EXPECT_EQ(store->formValues(r.form)->at("PLATELETS").value, "120");
}

// A form instance first seen in a pull is stored as the bytes of the settled form the store builds for any other
// (written directly, without the message): the same bytes whatever the order of its changes, empty values and units
// left out as protobuf leaves them out; a change that clears a value, or an item changed twice, takes the general way.
TEST_F(TabletStoreTest, aFormFirstSeenSettledIsStoredAsItsMessageWouldBe)
{
    auto store = openStore();
    const FormKey a{"01-020", "D0", "SOFA", 0}, b{"01-021", "D0", "SOFA", 0}, c{"01-022", "D0", "SOFA", 0};
    ASSERT_TRUE(
        store
            ->applyPullPage(pulledPage(1, {{a, {setTo("PLATELETS", "120", "10^3/uL"), setTo("BILI", "18")}},
                                           {b, {setTo("PLATELETS", ""), cleared("BILI"), setTo("MAP", "65", "mmHg")}},
                                           {c, {setTo("MAP", "60"), setTo("MAP", "70", "mmHg")}}}))
            .ok());
    auto settled = [](std::vector<std::tuple<std::string, std::string, std::string>> values) {
        v1::SettledForm form;
        for (const auto& [oid, value, unit] : values) {
            auto* v = form.add_values();
            v->set_item_oid(oid);
            v->set_value(value);
            v->set_unit(unit);
        }
        return form.SerializeAsString();
    };
    auto stored = [&](const FormKey& f) {
        auto db = openRaw();
        auto& st = db->prepare("SELECT items FROM form_settled WHERE subject_id = ?1");
        st.bind(1, f.subjectId);
        return st.step() ? st.blob(0) : std::string("(no row)");
    };
    EXPECT_EQ(stored(a), settled({{"PLATELETS", "120", "10^3/uL"}, {"BILI", "18", ""}}));
    EXPECT_EQ(stored(b), settled({{"PLATELETS", "", ""}, {"MAP", "65", "mmHg"}})) << "a cleared value has no entry";
    EXPECT_EQ(stored(c), settled({{"MAP", "70", "mmHg"}})) << "an item changed twice keeps its last value";
    EXPECT_EQ(store->formValues(a).value().at("BILI").value, "18");
}

TEST_F(TabletStoreTest, aFormPulledWholeIsOneRowThatReadsLikeAnyOtherUntilItChangesHere)
{
    auto store = openStore();
    const FormKey reg{"01-009", kRegistrationVisit, kRegistrationForm, 0}, sofa{"01-009", "D0", "SOFA", 0},
        other{"01-010", "D0", "SOFA", 0};
    ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok()); // 01-001, kept one row per value
    ASSERT_TRUE(store
                    ->applyPullPage(
                        pulledPage(1, {{reg, {setTo(kInitialsItem, "JD")}},
                                       {sofa, {setTo("PLATELETS", "120", "10^3/uL"), setTo("BILI", "18", "umol/L")}},
                                       {other, {setTo("PLATELETS", "60", "10^3/uL")}}}))
                    .ok());

    auto rows = [&](const char* table) {
        auto db = openRaw();
        auto& st = db->prepare(std::string("SELECT count(*) FROM ") + table);
        st.step();
        return st.int64(0);
    };
    EXPECT_EQ(rows("form_settled"), 3) << "one row per pulled form instance";
    EXPECT_EQ(rows("form_values"), 2) << "only the own save's values";

    auto values = store->formValues(sofa).value();
    ASSERT_EQ(values.size(), 2u);
    EXPECT_EQ(values["PLATELETS"].value, "120");
    EXPECT_EQ(values["PLATELETS"].unit, "10^3/uL");
    EXPECT_FALSE(values["PLATELETS"].pending || values["PLATELETS"].conflict);
    const auto subjects = store->subjects().value();
    ASSERT_EQ(subjects.size(), 3u);
    EXPECT_EQ(subjects[1].subjectId, "01-009");
    EXPECT_EQ(subjects[1].initials, "JD") << "initials read from a settled registration form";
    EXPECT_EQ(store->itemValues("SOFA", "PLATELETS").value(),
              (std::vector<std::pair<std::string, std::string>>{{"01-001", "85"}, {"01-009", "120"}, {"01-010", "60"}}))
        << "held one row per value and settled, in subject order";
    EXPECT_EQ(store->formRepeats("01-009", "D0", "SOFA").value().at(0).at("BILI").value, "18");
    const auto casebook = store->subjectForms("01-009").value();
    ASSERT_EQ(casebook.size(), 2u);
    EXPECT_EQ(casebook[0].form.visitOid, "D0");
    EXPECT_EQ(casebook[0].values.size(), 2u);
    EXPECT_EQ(casebook[1].values.at(kInitialsItem).value, "JD");

    // A signature covers the settled values like any others.
    const Actor investigator{"inv-01", "investigator", "01"};
    ASSERT_TRUE(store->sign(sofa, false, "I approve", "Dr Demo", investigator, kStudy).ok());
    const auto sig = store->pendingEvents(10).value().back();
    EXPECT_EQ(sig.signature().content_hash(),
              digestBytes(signature::signedContentHash(
                  {{"D0", "SOFA", 0, "BILI", "18", "umol/L"}, {"D0", "SOFA", 0, "PLATELETS", "120", "10^3/uL"}})));

    // Another tablet's later change and clearing stay in the one row; the signature no longer matches.
    ASSERT_TRUE(
        store->applyPullPage(pulledPage(4, {{sofa, {setTo("BILI", "22", "umol/L"), cleared("PLATELETS")}}})).ok());
    values = store->formValues(sofa).value();
    ASSERT_EQ(values.size(), 1u);
    EXPECT_EQ(values["BILI"].value, "22");
    EXPECT_EQ(rows("form_settled"), 3);
    EXPECT_FALSE(store->signatures("01-009").value().back().intact);
    // Clearing a settled form's last value removes its row, as with values kept one per row.
    ASSERT_TRUE(store->applyPullPage(pulledPage(5, {{other, {cleared("PLATELETS")}}})).ok());
    EXPECT_TRUE(store->formValues(other).value().empty());
    EXPECT_EQ(rows("form_settled"), 2);

    // A local correction moves the form to one row per value: the corrected value pending, the rest not.
    SaveRequest fix;
    fix.form = sofa;
    fix.values["BILI"] = FieldValue{"21", "umol/L"};
    fix.values["PLATELETS"] = FieldValue{"118", "10^3/uL"};
    fix.reasonCode = "TRANSCRIPTION_ERROR";
    fix.reasonText = "read from the wrong line";
    const auto saved = store->save(fix, kNurse, kStudy);
    ASSERT_TRUE(saved.ok()) << saved.error().text();
    const auto event = store->pendingEvents(10).value().back();
    ASSERT_EQ(event.changes_size(), 2);
    EXPECT_EQ(event.changes(0).item_oid(), "BILI");
    EXPECT_EQ(event.changes(0).old_value(), "22") << "the old value is the settled one";
    EXPECT_FALSE(event.changes(1).old_present());
    values = store->formValues(sofa).value();
    EXPECT_EQ(values["BILI"].value, "21");
    EXPECT_TRUE(values["BILI"].pending);
    EXPECT_EQ(rows("form_settled"), 1) << "only the registration form is still settled";

    // A conflict reported on a settled form moves it too, and marks the field.
    ASSERT_TRUE(store->applyPullPage(pulledPage(6, {{reg, {setTo(kInitialsItem, "JD")}}})).ok());
    auto page = pulledPage(7, {{reg, {setTo(kInitialsItem, "JE")}}});
    auto* note = page.mutable_events(0)->add_conflicts();
    note->set_item_oid(kInitialsItem);
    note->set_kept_present(true);
    note->set_kept_value("JD");
    ASSERT_TRUE(store->applyPullPage(page).ok());
    const auto initials = store->formValues(reg).value().at(kInitialsItem);
    EXPECT_EQ(initials.value, "JD");
    EXPECT_TRUE(initials.conflict);
    EXPECT_EQ(rows("form_settled"), 0);
    EXPECT_EQ(store->subjects().value()[1].initials, "JD");
}

// A settled row that cannot be read is reported as damage with the place named; nothing is written over it.
TEST_F(TabletStoreTest, aDamagedSettledFormIsAClearErrorAndNothingIsOverwritten)
{
    auto store = openStore();
    const FormKey sofa{"01-009", "D0", "SOFA", 0};
    ASSERT_TRUE(store->applyPullPage(pulledPage(1, {{sofa, {setTo("PLATELETS", "120", "10^3/uL")}}})).ok());
    store.reset();
    openRaw()->exec("UPDATE form_settled SET items = x'ffffffff'");
    store = openStore();
    const auto read = store->formValues(sofa);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().text().find("form SOFA"), std::string::npos) << read.error().text();
    EXPECT_NE(read.error().text().find("settled form instance"), std::string::npos) << read.error().text();
    const auto pulled = store->applyPullPage(pulledPage(2, {{sofa, {setTo("BILI", "18", "umol/L")}}}));
    ASSERT_FALSE(pulled.ok());
    EXPECT_EQ(store->pullCursor().value(), 1u) << "the page was not applied";
}

// A batch goes up as the outbox keeps its events (packing::packEventBytes): the bytes read for sending are the
// events the store wrote, in device order with their sequence numbers; a row whose bytes do not read as a message is
// an error naming the outbox, and the rows stay as they are.
TEST_F(TabletStoreTest, theEventsToSendAreReadAsStoredAndADamagedOneIsNamed)
{
    auto store = openStore();
    ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok());
    SaveRequest correction = sofaDay0("58");
    correction.reasonCode = "TRANSCRIPTION_ERROR";
    correction.reasonText = "digits swapped";
    ASSERT_TRUE(store->save(correction, kNurse, kStudy).ok());

    const auto parsed = store->pendingEvents(10).value();
    const auto stored = store->pendingEventBytes(10).value();
    ASSERT_EQ(stored.size(), 2u);
    for (size_t i = 0; i < stored.size(); ++i) {
        EXPECT_EQ(stored[i].deviceSeq, i + 1);
        EXPECT_EQ(stored[i].bytes, parsed[i].SerializeAsString());
    }
    EXPECT_EQ(store->pendingEventBytes(10, 1)->size(), 1u) << "after a sequence number";
    EXPECT_EQ(store->pendingEventBytes(1)->size(), 1u) << "at most the limit";

    store.reset();
    openRaw()->exec("UPDATE outbox SET payload = x'0aff' WHERE device_seq = 2"); // a length past the end
    store = openStore();
    const auto damaged = store->pendingEventBytes(10);
    ASSERT_FALSE(damaged.ok());
    EXPECT_NE(damaged.error().text().find("outbox"), std::string::npos) << damaged.error().text();
    EXPECT_NE(damaged.error().text().find("cannot be read"), std::string::npos) << damaged.error().text();
    EXPECT_FALSE(store->pendingEvents(10).ok());
    EXPECT_EQ(store->queuedCount().value(), 2) << "nothing was dropped from the queue";
}

// An answer records each acknowledged event's server sequence number, whether the batch was stored whole under
// consecutive numbers (one statement) or not (interleaved with another tablet's, a duplicate): an event answered
// twice keeps its first number.
TEST_F(TabletStoreTest, eachAcknowledgedEventKeepsItsOwnServerSequenceNumber)
{
    auto store = openStore();
    for (int i = 0; i < 6; ++i) {
        SaveRequest r = sofaDay0(std::to_string(80 + i));
        r.form.subjectId = "01-00" + std::to_string(i);
        ASSERT_TRUE(store->save(r, kNurse, kStudy).ok());
    }
    auto answer = [&](std::vector<std::pair<uint64_t, uint64_t>> seqs, v1::OutcomeStatus status) {
        v1::PushResponse response;
        for (auto [device, server] : seqs) {
            auto* o = response.add_outcomes();
            o->set_device_id(store->deviceId());
            o->set_device_seq(device);
            o->set_status(status);
            o->set_server_seq(server);
        }
        return store->applyPushOutcomes(response).value();
    };
    EXPECT_EQ(answer({{1, 40}, {2, 41}, {3, 42}}, v1::OUTCOME_STATUS_ACCEPTED), 3) << "a batch stored whole";
    EXPECT_EQ(answer({{4, 50}, {5, 52}}, v1::OUTCOME_STATUS_ACCEPTED), 2) << "another tablet's event between";
    EXPECT_EQ(answer({{3, 99}, {6, 60}}, v1::OUTCOME_STATUS_DUPLICATE), 1) << "3 was acknowledged already";
    EXPECT_EQ(answer({{1, 70}, {2, 71}}, v1::OUTCOME_STATUS_ACCEPTED), 0) << "answered twice: nothing changes";

    store.reset();
    auto raw = openRaw();
    auto& st = raw->prepare("SELECT device_seq, acked_server_seq FROM outbox ORDER BY device_seq");
    std::vector<std::pair<int64_t, int64_t>> acked;
    while (st.step())
        acked.emplace_back(st.int64(0), st.int64(1));
    const std::vector<std::pair<int64_t, int64_t>> expected{{1, 40}, {2, 41}, {3, 42}, {4, 50}, {5, 52}, {6, 60}};
    EXPECT_EQ(acked, expected);
}

// An own unsent change stays on top of pulled ones (DESIGN "Pull"), a cleared value included: another tablet's value
// for the same field does not reappear here before the gateway has merged the two.
TEST_F(TabletStoreTest, anOwnUnsentClearingStaysOnTopOfAPulledValue)
{
    auto store = openStore();
    const FormKey sofa{"01-001", "D0", "SOFA", 0};
    ASSERT_TRUE(store->save(sofaDay0("85"), kNurse, kStudy).ok());
    SaveRequest clear;
    clear.form = sofa;
    clear.values["PLATELETS"] = std::nullopt;
    clear.values["BILI"] = FieldValue{"40", "umol/L"};
    clear.reasonCode = "NOT_DONE";
    clear.reasonText = "sample haemolysed";
    ASSERT_TRUE(store->save(clear, kNurse, kStudy).ok());
    ASSERT_EQ(store->formValues(sofa).value().count("PLATELETS"), 0u);

    ASSERT_TRUE(store->applyPullPage(pulledPage(1, {{sofa, {setTo("PLATELETS", "60", "10^3/uL")}}})).ok());
    EXPECT_EQ(store->formValues(sofa).value().count("PLATELETS"), 0u) << "the own clearing is still unsent";
    EXPECT_EQ(store->subjectForms("01-001").value().at(0).values.count("PLATELETS"), 0u);
    EXPECT_TRUE(store->itemValues("SOFA", "PLATELETS").value().empty());

    // Once the gateway has the clearing, what it sends next is shown, as for any value.
    v1::PushResponse acks;
    const auto sent = store->pendingEvents(10).value();
    for (const auto& e : sent) {
        auto* o = acks.add_outcomes();
        o->set_device_id(store->deviceId());
        o->set_device_seq(e.device_seq());
        o->set_status(v1::OUTCOME_STATUS_ACCEPTED);
        o->set_server_seq(100 + e.device_seq());
    }
    ASSERT_EQ(store->applyPushOutcomes(acks).value(), 2);
    ASSERT_TRUE(store->applyPullPage(pulledPage(2, {{sofa, {setTo("PLATELETS", "62", "10^3/uL")}}})).ok());
    const auto platelets = store->formValues(sofa).value().at("PLATELETS");
    EXPECT_EQ(platelets.value, "62");
    EXPECT_FALSE(platelets.pending);
}

TEST_F(TabletStoreTest, aPhotoIsReadBackByRangeFromTheEncryptedStore)
{
    // A JPEG of 40,000 bytes of image data: it spans many pages of the store, as a real photo does.
    std::string jpeg("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12);
    for (int i = 0; i < 40'000; ++i)
        jpeg += static_cast<char>(i * 7 % 251); // never 0xFF: no marker inside the image data
    jpeg += std::string("\xFF\xD9", 2);
    auto store = openStore();
    const std::string digest = store->addPhoto(jpeg, 1'000'000).value();

    struct Range {
        uint64_t offset;
        uint32_t length;
        std::string expected;
    };
    const Range ranges[] = {
        {0, static_cast<uint32_t>(jpeg.size()), jpeg},            // the whole photo, as an upload reads it
        {4'000, 9'000, jpeg.substr(4'000, 9'000)},                // a range across page boundaries
        {jpeg.size() - 10, 1'000, jpeg.substr(jpeg.size() - 10)}, // a length past the end: what is there
        {jpeg.size(), 100, ""},                                   // from the end: nothing
        {jpeg.size() + 5, 100, ""},                               // past the end: nothing
    };
    for (const auto& r : ranges) {
        const auto read = store->photoChunk(digest, r.offset, r.length);
        ASSERT_TRUE(read.ok()) << r.offset;
        EXPECT_EQ(read.value(), r.expected) << "offset " << r.offset << ", length " << r.length;
    }
    const auto unknown = store->photoChunk(std::string(64, 'a'), 0, 10);
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().text().find("not in this tablet's store"), std::string::npos) << unknown.error().text();
}

namespace {

/// A JPEG of `n` bytes of image data, each byte `marker` cycled (never 0xFF: no marker inside the image data).
std::string markedJpeg(size_t n, const std::string& marker)
{
    std::string jpeg("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12);
    for (size_t i = 0; i < n; ++i)
        jpeg += marker[i % marker.size()];
    return jpeg + std::string("\xFF\xD9", 2);
}

} // namespace

// Since schema 19 a photo's bytes are in a file of their own beside the store (crf-photos.db), encrypted with the
// same key in pages of 64 KiB: a photo is read and written in a sixteenth of the pages. Neither file, nor either
// write-ahead log, holds the photo in clear; the store's own file holds none of its bytes.
TEST_F(TabletStoreTest, aPhotosBytesGoToTheirOwnEncryptedFileWithLargePages)
{
    const std::string jpeg = markedJpeg(600'000, "KNEEMOTTLINGSCAN");
    const std::string photos = TabletStore::photoFileOf(dbPath());
    EXPECT_EQ(photos, dir.filePath("crf-photos.db").toStdString());
    auto store = openStore();
    const std::string digest = store->addPhoto(jpeg, 1'000'000).value();
    for (const std::string& file : {dbPath(), dbPath() + "-wal", photos, photos + "-wal"})
        EXPECT_EQ(test::readFile(file).find("KNEEMOTTLINGSCAN"), std::string::npos) << "in clear in " << file;
    store.reset(); // closed: both logs copied into their files
    EXPECT_LT(std::filesystem::file_size(dbPath()), jpeg.size());
    EXPECT_GT(std::filesystem::file_size(photos), jpeg.size());
    auto raw = openRawWithPhotos();
    auto& page = raw->prepare("PRAGMA photo_store.page_size");
    ASSERT_TRUE(page.step());
    EXPECT_EQ(page.int64(0), 65536);
    raw.reset();
    store = openStore();
    EXPECT_EQ(store->photoChunk(digest, 0, static_cast<uint32_t>(jpeg.size())).value(), jpeg);
}

// The store and its photo file belong together: a store of schema 19 opened without its photo file is refused
// naming the file, and no empty one is made in its place (it would lose every photo silently).
TEST_F(TabletStoreTest, aStoreWithoutItsPhotoFileIsRefusedNamingIt)
{
    const std::string jpeg = markedJpeg(50'000, "abc");
    const std::string digest = storePhoto(jpeg);
    const std::string photos = TabletStore::photoFileOf(dbPath());
    std::filesystem::rename(photos, photos + ".away");
    auto opened = TabletStore::open(dbPath(), *keys, "crf-db", clock);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().where, photos);
    EXPECT_NE(opened.error().text().find("missing"), std::string::npos) << opened.error().text();
    EXPECT_FALSE(std::filesystem::exists(photos));
    std::filesystem::rename(photos + ".away", photos);
    auto store = openStore();
    EXPECT_EQ(store->photoChunk(digest, 0, 1'000'000).value(), jpeg);
}

// The move of schema 19: the photos of a store of schema 18 (bytes in the store's own `photos` table) end in the
// photo file, byte for byte and each once, still pending; the store's table is gone. Cut after the copy's commit and
// before the version's (the photos in both files, the store still at 18), the next opening finishes the move.
TEST_F(TabletStoreTest, thePhotosMoveToTheirOwnFileAndAMoveCutBeforeItsVersionIsFinished)
{
    const std::string jpeg = markedJpeg(300'000, "xyz");
    const std::string digest = storePhoto(jpeg);
    const std::string photos = TabletStore::photoFileOf(dbPath());
    for (const bool cut : {false, true}) {
        SCOPED_TRACE(cut ? "cut after the copy" : "from schema 18");
        {
            // Back to schema 18: the bytes in the store's own table (and, cut, also still in the photo file).
            auto raw = openRawWithPhotos();
            raw->exec(R"sql(
                CREATE TABLE main.photos (digest TEXT PRIMARY KEY, data BLOB NOT NULL, size INTEGER NOT NULL,
                                          created_at_ms INTEGER NOT NULL, verified INTEGER NOT NULL DEFAULT 0);
                INSERT INTO main.photos (digest, data, size, created_at_ms)
                    SELECT digest, data, length(data), 0 FROM photo_store.photos;
            )sql");
            if (!cut)
                raw->exec("DROP TABLE photo_store.photos");
            raw->setUserVersion(18);
        }
        if (!cut)
            std::filesystem::remove(photos); // schema 18 had no photo file
        auto store = openStore();
        ASSERT_TRUE(store);
        EXPECT_EQ(store->schemaVersion(), 19);
        EXPECT_EQ(store->photoChunk(digest, 0, 1'000'000).value(), jpeg);
        const auto pending = store->pendingPhotos().value();
        ASSERT_EQ(pending.size(), 1u);
        EXPECT_EQ(pending[0].digest, digest);
        store.reset();
        auto raw = openRawWithPhotos();
        auto& left = raw->prepare("SELECT (SELECT count(*) FROM main.sqlite_master WHERE name = 'photos'), "
                                  "(SELECT count(*) FROM photo_store.photos)");
        ASSERT_TRUE(left.step());
        EXPECT_EQ(left.int64(0), 0);
        EXPECT_EQ(left.int64(1), 1);
    }
}
