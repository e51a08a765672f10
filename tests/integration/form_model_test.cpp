// FormModel with a real AppCore and the I-MICRO definition: live derived values, refusals, confirmations, missing-data
// reasons, reason for change, site-only items kept off the outbox, definition version stamped on events.
#include "app_core.h"
#include "crt_stopwatch_model.h"
#include "form_model.h"
#include "full_storage.h"
#include "key_store.h"
#include "session_controller.h"
#include "study_controller.h"
#include "test_support.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>

using namespace crf;

namespace {

class FormModelTest : public ::testing::Test {
protected:
    QTemporaryDir dir;
    std::shared_ptr<const v1::StudyDefinition> definition =
        ui::StudyController::loadFile(QStringLiteral(CRF_STUDIES_DIR "/imicro.json")).value();
    ui::StudyController study{definition};
    std::unique_ptr<app::AppCore> core;
    ManualClock clock{1'795'000'000'000}; // 2026-11-18: the nurse's hands, to the millisecond

    void SetUp() override
    {
        app::AppConfig cfg;
        cfg.dataDir = dir.path();
        cfg.gatewayAddress = QStringLiteral("127.0.0.1:1");
        cfg.actor = {"nurse-a", "research_nurse", "01"};
        cfg.definition = definition;
        cfg.clock = &clock;
        const QString keyDir = dir.path();
        cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
        core = std::make_unique<app::AppCore>(cfg);
        ASSERT_TRUE(test::await<Status>([&](auto done) { core->open(done); }).ok());
    }

    std::unique_ptr<ui::FormModel> open(const QString& visit, const QString& form, int repeat = 0)
    {
        auto m = std::make_unique<ui::FormModel>();
        m->setStudy(&study);
        m->setCore(core.get());
        m->setProperty("subjectId", QStringLiteral("01-001"));
        m->setProperty("visitOid", visit);
        m->setProperty("repeat", repeat);
        m->setFormOid(form);
        m->load();
        test::spinUntil([&] { return !m->busy(); });
        return m;
    }

    std::pair<bool, QString> save(ui::FormModel& m, const QString& code = {}, const QString& text = {})
    {
        QSignalSpy saved(&m, &ui::FormModel::saved);
        m.save(code, text);
        EXPECT_TRUE(test::spinUntil([&] { return saved.count() > 0; }));
        return {saved.at(0).at(0).toBool(), saved.at(0).at(1).toString()};
    }

    QString issue(ui::FormModel& m, const QString& oid)
    {
        return m.data(m.index(m.rowOf(oid)), ui::FormModel::IssueLevelRole).toString();
    }

    void fillSofa(ui::FormModel& m)
    {
        const std::vector<std::pair<const char*, const char*>> values = {
            {"PAO2", "68"},   {"FIO2", "45"},      {"RESP_SUPPORT", "Y"},      {"PLATELETS", "92"},
            {"BILI", "38"},   {"MAP", "66"},       {"NOREPINEPHRINE", "0,32"}, {"GCS", "10"},
            {"CREAT", "190"}, {"URINE_24H", "420"}};
        for (const auto& [oid, v] : values)
            m.setValue(QString::fromLatin1(oid), QString::fromLatin1(v));
    }
};

} // namespace

TEST_F(FormModelTest, rendersTheSofaFormFromTheDefinitionWithLiveScores)
{
    auto m = open("D0", "SOFA");
    EXPECT_EQ(m->title(), QStringLiteral("SOFA score"));
    EXPECT_GT(m->rowCount(), 10);
    EXPECT_EQ(m->valueOf("SOFA_TOTAL"), QStringLiteral("0"));
    m->setValue("PLATELETS", "45");
    EXPECT_EQ(m->valueOf("SOFA_COAG"), QStringLiteral("3"));
    EXPECT_EQ(m->valueOf("SOFA_TOTAL"), QStringLiteral("3"));
    fillSofa(*m);
    EXPECT_EQ(m->valueOf("SOFA_TOTAL"), QStringLiteral("16"));
    EXPECT_EQ(m->valueOf("PF_RATIO"), QStringLiteral("151"));
    EXPECT_TRUE(m->canSave());
    const auto [ok, message] = save(*m);
    EXPECT_TRUE(ok) << message.toStdString();
    EXPECT_FALSE(m->dirty());

    auto reopened = open("D0", "SOFA");
    EXPECT_EQ(reopened->valueOf("NOREPINEPHRINE"), QStringLiteral("0,32"));
    EXPECT_EQ(reopened->valueOf("SOFA_TOTAL"), QStringLiteral("16"));
    EXPECT_EQ(open("D1", "SOFA")->valueOf("SOFA_TOTAL"), QStringLiteral("0"));
}

TEST_F(FormModelTest, refusesImpossibleValuesAndAsksToConfirmUnusualOnes)
{
    auto m = open("D0", "SOFA");
    fillSofa(*m);
    m->setValue("PLATELETS", "2500");
    EXPECT_EQ(issue(*m, "PLATELETS"), QStringLiteral("error"));
    EXPECT_FALSE(m->canSave());
    EXPECT_FALSE(save(*m).first);
    m->setValue("PLATELETS", "1500");
    EXPECT_EQ(issue(*m, "PLATELETS"), QStringLiteral("warning"));
    EXPECT_FALSE(m->canSave());
    m->setConfirmed("PLATELETS", true);
    EXPECT_TRUE(m->canSave());
    EXPECT_TRUE(save(*m).first);
}

TEST_F(FormModelTest, aRequiredItemLeftEmptyNeedsAMissingDataReason)
{
    auto m = open("D0", "SOFA");
    fillSofa(*m);
    m->setValue("URINE_24H", "");
    EXPECT_EQ(issue(*m, "URINE_24H"), QString()) << "not shouted before a save attempt";
    EXPECT_FALSE(m->canSave());
    EXPECT_FALSE(save(*m).first);
    EXPECT_EQ(issue(*m, "URINE_24H"), QStringLiteral("missing"));
    m->setMissingReason("URINE_24H", "NOT_DONE", "no catheter");
    EXPECT_TRUE(m->canSave());
    EXPECT_TRUE(save(*m).first);
    auto reopened = open("D0", "SOFA");
    EXPECT_EQ(reopened->data(reopened->index(reopened->rowOf("URINE_24H")), ui::FormModel::MissingReasonRole),
              QStringLiteral("NOT_DONE"));
}

TEST_F(FormModelTest, changingASavedValueNeedsAReason)
{
    auto m = open("D0", "SOFA");
    fillSofa(*m);
    ASSERT_TRUE(save(*m).first);
    m->setValue("PLATELETS", "29");
    EXPECT_TRUE(m->needsReason());
    EXPECT_FALSE(save(*m).first);
    EXPECT_TRUE(save(*m, "TRANSCRIPTION_ERROR", "digits swapped").first);
    EXPECT_EQ(open("D0", "SOFA")->valueOf("PLATELETS"), QStringLiteral("29"));
}

TEST_F(FormModelTest, showsTheEligibilityVerdictNamingCriteria)
{
    auto m = open("D0", "ELIG");
    EXPECT_EQ(m->eligibilityStatus(), QStringLiteral("incomplete"));
    m->setValue("AGE", "16");
    EXPECT_EQ(m->eligibilityStatus(), QStringLiteral("not met"));
    ASSERT_EQ(m->eligibilityFailing().size(), 1);
    EXPECT_TRUE(m->eligibilityFailing().at(0).toString().startsWith("I1"));
    EXPECT_TRUE(m->eligibilityUndecided().at(0).toString().contains("missing"));
}

TEST_F(FormModelTest, siteOnlyContactDetailsAreSavedButNeverQueuedForTheGateway)
{
    auto contact = open("D0", "CONTACT");
    contact->setValue("TRUSTED_PHONE", "+33 6 12 34 56 78");
    ASSERT_TRUE(save(*contact).first);
    EXPECT_EQ(open("D0", "CONTACT")->valueOf("TRUSTED_PHONE"), QStringLiteral("+33 6 12 34 56 78"));
    auto st = test::await<Result<store::SyncState>>([&](auto d) { core->loadSyncState(d); });
    EXPECT_EQ(st->pendingEvents, 0);
}

TEST_F(FormModelTest, hiddenAnswersAreNotRequiredAndAreClearedWhenSaved)
{
    auto m = open("D0", "AE");
    m->setValue("AE_TERM", "hypotension");
    m->setValue("SERIOUS", "Y");
    m->setValue("SAE_DEATH", "N");
    EXPECT_TRUE(m->data(m->index(m->rowOf("SAE_DEATH")), ui::FormModel::VisibleRole).toBool());
    m->setValue("SERIOUS", "N");
    EXPECT_FALSE(m->data(m->index(m->rowOf("SAE_DEATH")), ui::FormModel::VisibleRole).toBool());
    EXPECT_NE(issue(*m, "SAE_HOSPITALISATION"), QStringLiteral("missing"));
}

TEST_F(FormModelTest, theCapillaryRefillStopwatchGuidesTheFingerPressureAndWritesTheMeasurementIntoTheForm)
{
    auto m = open("D0", "CRT");
    ASSERT_EQ(m->data(m->index(m->rowOf("CRT_VALUE")), ui::FormModel::CaptureRole).toString(), "crt_stopwatch");
    ui::CrtStopwatchModel watch;
    watch.setForm(m.get());
    watch.setOid(QStringLiteral("CRT_VALUE"));
    watch.setSite(QStringLiteral("FINGER"));
    EXPECT_EQ(m->valueOf("CRT_SITE"), "FINGER") << "the site chosen on the watch is the form's site";

    watch.press();
    EXPECT_EQ(watch.countdown(), 10);
    clock.advance(6'300);
    EXPECT_EQ(watch.countdown(), 4);
    EXPECT_EQ(watch.guidance(), "Keep pressing: 4 s");
    clock.advance(3'900); // 10.2 s of pressure
    EXPECT_EQ(watch.guidance(), "Release now");
    const int64_t releasedAt = clock.nowMs();
    watch.release();
    clock.advance(3'420);
    EXPECT_EQ(watch.elapsed(), "3.4");
    QSignalSpy measured(&watch, &ui::CrtStopwatchModel::measured);
    watch.colourReturned();
    ASSERT_EQ(measured.count(), 1);
    EXPECT_TRUE(measured.at(0).at(1).toBool()) << "3.4 s on the finger is abnormal (> 3 s)";

    EXPECT_EQ(m->valueOf("CRT_VALUE"), "3.4");
    EXPECT_EQ(m->valueOf("CRT_PRESSURE"), "10.2");
    EXPECT_EQ(m->valueOf("CRT_METHOD"), "ANDROMEDA") << "the guided 10 s were held";
    const QDateTime at = QDateTime::fromString(m->valueOf("CRT_TIME"), Qt::ISODate);
    ASSERT_TRUE(at.isValid()) << m->valueOf("CRT_TIME").toStdString();
    EXPECT_EQ(at.toMSecsSinceEpoch(), releasedAt / 1000 * 1000) << "the release is the measurement's time";
    EXPECT_TRUE(watch.message().contains("abnormal")) << watch.message().toStdString();

    // Side is the nurse's to choose; then the form saves like any other, and the values are stored.
    m->setValue("CRT_SIDE", "RIGHT");
    auto [ok, message] = save(*m);
    ASSERT_TRUE(ok) << message.toStdString();
    auto reopened = open("D0", "CRT");
    EXPECT_EQ(reopened->valueOf("CRT_VALUE"), "3.4");
    EXPECT_EQ(reopened->valueOf("CRT_PRESSURE"), "10.2");

    // A second measurement (the next entry of the repeating form): released after 6 s, the method is left to the
    // nurse and the short pressure is said.
    auto next = open("D0", "CRT", 1);
    ui::CrtStopwatchModel again;
    again.setForm(next.get());
    again.setOid(QStringLiteral("CRT_VALUE"));
    again.setSite(QStringLiteral("FINGER"));
    again.press();
    clock.advance(6'000);
    again.release();
    clock.advance(2'000);
    again.colourReturned();
    EXPECT_EQ(next->valueOf("CRT_VALUE"), "2.0");
    EXPECT_EQ(next->valueOf("CRT_METHOD"), "");
    EXPECT_TRUE(again.message().contains("pressure held 6.0 s, the protocol asks 10 s"))
        << again.message().toStdString();
}

TEST_F(FormModelTest, aKneePhotoImportedFromAFileIsKeptInTheEncryptedStoreAndShownFromMemory)
{
    auto m = open("D1", "MOTTLING");
    QTemporaryDir files;
    // A JPEG as a camera writes it (start of image, a scan, end of image); the store strips any metadata.
    std::string jpeg("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12);
    jpeg += std::string(4000, '\x42') + std::string("\xFF\xD9", 2);
    const QString photo = files.filePath("knees.jpg");
    test::writeFile(photo.toStdString(), jpeg);
    const QString text = files.filePath("notes.jpg");
    test::writeFile(text.toStdString(), "not a picture at all");

    // Refusals name the file and leave the item empty.
    m->attachPhoto("KNEE_PHOTO", QUrl::fromLocalFile(files.filePath("missing.jpg")));
    EXPECT_TRUE(m->message().contains("missing.jpg cannot be read")) << m->message().toStdString();
    m->attachPhoto("KNEE_PHOTO", QUrl::fromLocalFile(text));
    ASSERT_TRUE(test::spinUntil([&] { return !m->busy(); }));
    EXPECT_TRUE(m->message().startsWith("The photo notes.jpg was not kept")) << m->message().toStdString();
    EXPECT_EQ(m->valueOf("KNEE_PHOTO"), "");
    m->attachPhoto("MOTTLING_SCORE", QUrl::fromLocalFile(photo));
    EXPECT_TRUE(m->message().contains("not a photo item")) << m->message().toStdString();

    QSignalSpy shown(m.get(), &ui::FormModel::photosChanged);
    m->attachPhoto("KNEE_PHOTO", QUrl::fromLocalFile(photo));
    ASSERT_TRUE(test::spinUntil([&] { return m->photos().contains("KNEE_PHOTO"); }));
    const QString digest = m->valueOf("KNEE_PHOTO");
    EXPECT_EQ(digest.size(), 64) << "the item holds the photo's SHA-256";
    const QString url = m->photos().value("KNEE_PHOTO").toString();
    ASSERT_TRUE(url.startsWith("data:image/jpeg;base64,"));
    EXPECT_EQ(
        QCryptographicHash::hash(QByteArray::fromBase64(url.mid(23).toLatin1()), QCryptographicHash::Sha256).toHex(),
        digest.toLatin1())
        << "shown from the store, byte for byte";
    EXPECT_TRUE(QFile::exists(photo)) << "the source file is read, never moved";
    EXPECT_EQ(QDir(dir.path()).entryList({"*.jpg", "*.jpeg", "*.png"}).size(), 0) << "no clear copy next to the store";

    m->setValue("MOTTLING_SCORE", "3");
    m->setValue("MOTTLING_TIME", "2026-11-20T08:00+01:00");
    auto [ok, message] = save(*m);
    ASSERT_TRUE(ok) << message.toStdString();
    auto reopened = open("D1", "MOTTLING");
    ASSERT_TRUE(test::spinUntil([&] { return reopened->photos().contains("KNEE_PHOTO"); }));
    auto state = test::await<Result<store::SyncState>>([&](auto done) { core->loadSyncState(done); });
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->pendingPhotos, 1) << "pending until the gateway has verified it";
}

// The tablet's storage is full at the bedside: the save is refused saying so and what to do, every value typed
// stays on the screen, and the same save goes through once space is back.
TEST_F(FormModelTest, aSaveThatFindsTheStorageFullKeepsWhatWasTypedAndSaysWhatToDo)
{
    auto m = open("D0", "SOFA");
    fillSofa(*m);
    test::FullStorage::fill(dir.path().toStdString());
    const auto [refused, why] = save(*m);
    test::FullStorage::empty();
    EXPECT_FALSE(refused);
    EXPECT_TRUE(why.contains("storage is full")) << why.toStdString();
    EXPECT_TRUE(why.contains("free space")) << why.toStdString();
    EXPECT_TRUE(m->dirty()) << "still shown as unsaved";
    EXPECT_EQ(m->valueOf("NOREPINEPHRINE"), QStringLiteral("0,32"));
    EXPECT_EQ(m->valueOf("SOFA_TOTAL"), QStringLiteral("16"));
    EXPECT_TRUE(open("D0", "SOFA")->valueOf("GCS").isEmpty()) << "nothing of it was written";

    const auto [ok, message] = save(*m);
    EXPECT_TRUE(ok) << message.toStdString();
    EXPECT_FALSE(m->dirty());
    EXPECT_EQ(open("D0", "SOFA")->valueOf("GCS"), QStringLiteral("10"));
}

// A tablet full of photos: the input cannot be kept as a draft. The page says so (leaving would lose it), the input
// stays on the screen, and the draft is written by itself once space is back.
TEST_F(FormModelTest, inputThatCannotBeKeptAsADraftIsSaidSoAndKeptOnceSpaceIsBack)
{
    {
        auto m = open("D0", "SOFA");
        m->setDraftRetryInterval(50);
        test::FullStorage::fill(dir.path().toStdString());
        m->setValue("PAO2", "68");
        const bool warned = test::spinUntil([&] { return !m->draftWarning().isEmpty(); });
        const QString warning = m->draftWarning();
        const bool unkept = core->hasUnkeptInput(); // the lock screen asks twice before a user switch
        // Still full through several retries: still said, still on the screen.
        QTest::qWait(200);
        const QString stillWarned = m->draftWarning();
        test::FullStorage::empty();
        ASSERT_TRUE(warned);
        EXPECT_TRUE(warning.contains("not kept on this tablet")) << warning.toStdString();
        EXPECT_TRUE(warning.contains("storage is full")) << warning.toStdString();
        EXPECT_FALSE(stillWarned.isEmpty());
        EXPECT_TRUE(unkept);
        EXPECT_EQ(m->valueOf("PAO2"), "68");
        EXPECT_TRUE(m->dirty());
        // Space is back: kept without another keystroke, and the warning goes.
        ASSERT_TRUE(test::spinUntil([&] { return m->draftWarning().isEmpty(); }));
        EXPECT_FALSE(core->hasUnkeptInput());
    }
    auto back = open("D0", "SOFA");
    ASSERT_TRUE(test::spinUntil([&] { return !back->draftNote().isEmpty(); }));
    EXPECT_EQ(back->valueOf("PAO2"), "68");
    EXPECT_TRUE(back->draftWarning().isEmpty());
}

TEST_F(FormModelTest, unsavedInputIsKeptAsADraftAndShownAgainUntilSavedOrDiscarded)
{
    {
        auto m = open("D0", "SOFA");
        m->setValue("PAO2", "68");
        m->setValue("FIO2", "45");
        m->setConfirmed("PAO2", true);
        // The draft is written once the input pauses; the model is then dropped without a save (the app stopped).
        QTest::qWait(600);
    }
    auto back = open("D0", "SOFA");
    ASSERT_TRUE(test::spinUntil([&] { return !back->draftNote().isEmpty(); }));
    EXPECT_EQ(back->valueOf("PAO2"), "68");
    EXPECT_EQ(back->valueOf("FIO2"), "45");
    EXPECT_TRUE(back->dirty()) << "shown as unsaved, not as recorded";
    auto state = test::await<Result<store::SyncState>>([&](auto done) { core->loadSyncState(done); });
    EXPECT_EQ(state->pendingEvents, 0) << "a draft is never a change event";

    // Saved: the draft goes.
    fillSofa(*back);
    auto [ok, message] = save(*back);
    ASSERT_TRUE(ok) << message.toStdString();
    QTest::qWait(100);
    auto saved = open("D0", "SOFA");
    QTest::qWait(100);
    EXPECT_TRUE(saved->draftNote().isEmpty());
    EXPECT_FALSE(saved->dirty());

    // Typed over a saved value, then discarded: the saved value is back and no draft remains.
    saved->setValue("GCS", "7");
    QTest::qWait(600);
    saved->discardChanges();
    ASSERT_TRUE(test::spinUntil([&] { return !saved->busy(); }));
    EXPECT_EQ(saved->valueOf("GCS"), "10");
    auto again = open("D0", "SOFA");
    QTest::qWait(100);
    EXPECT_TRUE(again->draftNote().isEmpty());
    EXPECT_EQ(again->valueOf("GCS"), "10");

    // Another entry of a repeating form keeps its own draft when the page moves between entries.
    auto crt = open("D0", "CRT", 0);
    crt->setValue("CRT_VALUE", "2.5");
    crt->setProperty("repeat", 1);
    crt->load(); // the draft of entry #1 is written before entry #2 is shown
    ASSERT_TRUE(test::spinUntil([&] { return !crt->busy(); }));
    EXPECT_EQ(crt->valueOf("CRT_VALUE"), "");
    auto first = open("D0", "CRT", 0);
    ASSERT_TRUE(test::spinUntil([&] { return !first->draftNote().isEmpty(); }));
    EXPECT_EQ(first->valueOf("CRT_VALUE"), "2.5");
}

TEST_F(FormModelTest, theCasebookOverviewShowsEachFormsEntriesFillAndMarksFromTheStore)
{
    auto sofa = open("D0", "SOFA");
    fillSofa(*sofa);
    ASSERT_TRUE(save(*sofa).first);
    // Part of a form, as another tablet's sync or an earlier definition may leave it (the page itself asks for every
    // required value or a reason before it saves).
    auto direct = [&](const char* visit, const char* form, uint32_t repeat, const char* item, const char* value) {
        store::SaveRequest r;
        r.form = {"01-001", visit, form, repeat};
        r.values[item] = store::FieldValue{value, ""};
        return test::await<Result<store::SaveOutcome>>([&](auto done) { core->save(r, done); }).ok();
    };
    ASSERT_TRUE(direct("D0", "ELIG", 0, "AGE", "64"));
    ASSERT_TRUE(direct("D0", "CRT", 0, "CRT_VALUE", "2.5"));
    ASSERT_TRUE(direct("D0", "CRT", 1, "CRT_VALUE", "3.5"));
    ASSERT_TRUE(direct("D1", "SOFA", 0, "PAO2", "70"));
    auto d1 = open("D1", "SOFA");
    QSignalSpy status(d1.get(), &ui::FormModel::saved);
    d1->setRecordStatus("ENTERED_IN_ERROR", "WRONG_SUBJECT", "entered on the wrong patient");
    ASSERT_TRUE(test::spinUntil([&] { return status.count() > 0; }));

    auto view = test::await<Result<app::trial::CasebookView>>([&](auto done) { core->casebook("01-001", done); });
    ASSERT_TRUE(view.ok()) << view.error().text();
    auto find = [&](const char* visit, const char* form) {
        for (const auto& f : view->forms)
            if (f.visitOid == visit && f.formOid == form)
                return f;
        ADD_FAILURE() << visit << " " << form << " not in the casebook";
        return app::trial::CasebookForm{};
    };
    EXPECT_EQ(find("D0", "SOFA").fill, study::Fill::Complete);
    EXPECT_TRUE(find("D0", "SOFA").pending) << "saved here, not yet at the gateway";
    EXPECT_EQ(find("D0", "ELIG").fill, study::Fill::Partial);
    EXPECT_EQ(find("D0", "CRT").entries, 2);
    EXPECT_EQ(find("D0", "MOTTLING").fill, study::Fill::Empty);
    EXPECT_EQ(find("D0", "MOTTLING").entries, 0);
    EXPECT_TRUE(find("D1", "SOFA").enteredInError);
    EXPECT_FALSE(find("D0", "SOFA").conflict);
    EXPECT_FALSE(view->d0Ms.has_value()) << "not randomized: no study day yet";
    // Every scheduled form is listed, in schedule order.
    int scheduled = 0;
    for (const auto& v : definition->visits())
        scheduled += v.form_oids_size();
    EXPECT_EQ(static_cast<int>(view->forms.size()), scheduled);
}

TEST_F(FormModelTest, theSiteDashboardCountsVisitsDueAndOverdueFromRandomizationAndUnsentChanges)
{
    auto direct = [&](const std::string& subject, const char* visit, const char* form,
                      std::map<std::string, std::string> values) {
        store::SaveRequest r;
        r.form = {subject, visit, form, 0};
        for (const auto& [item, value] : values)
            r.values[item] = store::FieldValue{value, ""};
        auto saved = test::await<Result<store::SaveOutcome>>([&](auto done) { core->save(r, done); });
        EXPECT_TRUE(saved.ok()) << subject << " " << form << ": " << (saved.ok() ? "" : saved.error().text());
    };
    auto iso = [&](int64_t ms) {
        return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate).toStdString();
    };
    const int64_t day = 24 * 3600 * 1000;
    // 01-101 randomized yesterday: D1 is due today. 01-102 randomized 3 days ago: D1 and D2 are overdue, D3 due.
    // 01-103 registered only: no study day yet.
    for (const char* s : {"01-101", "01-102", "01-103"})
        direct(s, store::kRegistrationVisit, store::kRegistrationForm, {{store::kInitialsItem, "AB"}});
    direct("01-101", "D0", "RANDO", {{"BOX_NUMBER", "1"}, {"RANDOMIZATION_TIME", iso(clock.nowMs() - day)}});
    direct("01-102", "D0", "RANDO", {{"BOX_NUMBER", "2"}, {"RANDOMIZATION_TIME", iso(clock.nowMs() - 3 * day)}});

    ui::SubjectListModel list(core.get());
    list.refresh();
    ASSERT_TRUE(test::spinUntil([&] { return !list.summary().isEmpty(); }));
    auto row = [&](const QString& subject) {
        for (int i = 0; i < list.rowCount(); ++i)
            if (list.data(list.index(i), ui::SubjectListModel::SubjectIdRole).toString() == subject)
                return i;
        ADD_FAILURE() << subject.toStdString();
        return 0;
    };
    auto role = [&](const char* subject, int r) { return list.data(list.index(row(subject)), r).toInt(); };
    EXPECT_GE(role("01-101", ui::SubjectListModel::DueTodayRole), 1);
    EXPECT_EQ(role("01-101", ui::SubjectListModel::OverdueRole), 1) << "D0 itself, still to fill";
    EXPECT_GE(role("01-102", ui::SubjectListModel::OverdueRole), 3) << "D0, D1 and D2";
    EXPECT_EQ(role("01-103", ui::SubjectListModel::DueTodayRole), 0);
    EXPECT_EQ(role("01-103", ui::SubjectListModel::OverdueRole), 0) << "no study day before randomization";
    EXPECT_GE(role("01-101", ui::SubjectListModel::UnsentRole), 1) << "saved here, not yet at the gateway";
    EXPECT_EQ(list.summary().value("dueToday").toInt(), 2) << "01-101 (D1) and 01-102 (D3)";
    EXPECT_EQ(list.summary().value("overdue").toInt(), 2);
}

TEST_F(FormModelTest, aPhotoFromTheCameraGoesFromMemoryIntoTheEncryptedStore)
{
    auto m = open("D1", "MOTTLING");
    m->attachImage("KNEE_PHOTO", QImage());
    EXPECT_TRUE(m->message().contains("no picture")) << m->message().toStdString();
    QImage still(640, 480, QImage::Format_RGB32);
    still.fill(QColor(0xe8, 0xb8, 0x9a));
    m->attachImage("KNEE_PHOTO", still);
    ASSERT_TRUE(test::spinUntil([&] { return m->photos().contains("KNEE_PHOTO"); }));
    EXPECT_EQ(m->valueOf("KNEE_PHOTO").size(), 64);
    const QString url = m->photos().value("KNEE_PHOTO").toString();
    ASSERT_TRUE(url.startsWith("data:image/jpeg;base64,"));
    QImage back;
    ASSERT_TRUE(back.loadFromData(QByteArray::fromBase64(url.mid(23).toLatin1()), "JPEG"));
    EXPECT_EQ(back.size(), still.size());
    EXPECT_EQ(QDir(dir.path()).entryList({"*.jpg", "*.jpeg", "*.png"}).size(), 0) << "nothing written beside the store";
}
