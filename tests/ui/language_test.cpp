// Languages of the screens (docs/bedside.md "Languages"): French or English, chosen by flag, $CRF_LANG or the system
// locale; the embedded translations are complete for French and give English its plural forms.
#include "consent.h"
#include "crt.h"
#include "definition.h"
#include "form_engine.h"
#include "gateway_access.h"
#include "language.h"
#include "photo.h"
#include "study_controller.h"
#include "sync_client.h"
#include "sync_engine.h"
#include "tablet_store.h"
#include "titration.h"
#include "wording.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTemporaryDir>
#include <QTranslator>
#include <gtest/gtest.h>

using namespace crf;

TEST(Languages, aFlagWinsThenTheEnvironmentAndAnUnknownLanguageIsRefusedByName)
{
    qputenv("CRF_LANG", "fr");
    EXPECT_EQ(ui::chooseLanguage(""), "fr");
    EXPECT_EQ(ui::chooseLanguage("EN"), "en");
    qputenv("CRF_LANG", "en");
    EXPECT_EQ(ui::chooseLanguage(""), "en");
    QString error;
    EXPECT_TRUE(ui::chooseLanguage("de", &error).isEmpty());
    EXPECT_TRUE(error.contains("\"de\"")) << error.toStdString();
    qunsetenv("CRF_LANG");
}

TEST(Languages, theFrenchScreensAreTranslatedAndEnglishPluralsAgree)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    EXPECT_EQ(QCoreApplication::translate("FormPage", "Save"), "Enregistrer");
    EXPECT_EQ(QCoreApplication::translate("SubjectListPage", "%n open query(ies)", nullptr, 2), "2 requêtes ouvertes");
    EXPECT_EQ(QCoreApplication::translate("SubjectListPage", "%n open query(ies)", nullptr, 1), "1 requête ouverte");
    EXPECT_EQ(QLocale().language(), QLocale::French) << "dates and numbers follow";
    for (auto* t : app.findChildren<QTranslator*>())
        QCoreApplication::removeTranslator(t);

    ASSERT_TRUE(ui::installLanguage(app, "en"));
    EXPECT_EQ(QCoreApplication::translate("SubjectListPage", "%n open query(ies)", nullptr, 1), "1 open query");
    EXPECT_EQ(QCoreApplication::translate("SubjectListPage", "%n open query(ies)", nullptr, 3), "3 open queries");
    EXPECT_EQ(QCoreApplication::translate("FormPage", "Save"), "Save");
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
}

// The study's own texts and the form engine's refusals reach a French screen in French; the English sentence the
// core builds stays the source (audit, logs, the gateway).
TEST(Languages, aFrenchScreenShowsTheStudyAndTheRefusalsInFrench)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    auto def = ui::StudyController::loadFile(QStringLiteral(CRF_STUDIES_DIR "/imicro.json"), QStringLiteral("fr"));
    ASSERT_TRUE(def.ok()) << def.error().text();
    const v1::Form* sofa = study::findForm(**def, "SOFA");
    ASSERT_NE(sofa, nullptr);
    EXPECT_EQ(sofa->name(), "Score SOFA");

    const auto state = study::evaluateForm(**def, *sofa, {{"GCS", {"2", ""}}, {"FIO2", {"0.5", "%"}}});
    std::map<std::string, QString> byItem;
    for (const auto& issue : state.issues)
        byItem[issue.item] = ui::messageText(issue.said());
    EXPECT_EQ(byItem["GCS"], QString::fromUtf8("Score de Glasgow doit être entre 3 et 15 ; 2 est impossible"));
    EXPECT_EQ(byItem["PLATELETS"],
              QString::fromUtf8("Plaquettes est obligatoire : saisissez-le, ou indiquez pourquoi il manque"));
    for (const auto& issue : state.issues)
        EXPECT_FALSE(issue.message.empty()) << "the core's English sentence is kept for " << issue.item;
    EXPECT_EQ(ui::messageText(message("Keep pressing: %1 s", {"7"})), QString::fromUtf8("Maintenez la pression : 7 s"));
    EXPECT_EQ(ui::messageText(message("Refilling %1 s: tap when the colour returns", {"4.2"})),
              QString::fromUtf8("Recoloration 4,2 s : touchez quand la couleur revient"))
        << "tenths in the screen's notation";
    crt::Stopwatch watch;
    const Status early = watch.release(1'000);
    ASSERT_FALSE(early.ok());
    EXPECT_EQ(ui::errorMessage(early.error()), QString::fromUtf8("appuyez d'abord")) << "the stopwatch's refusals too";
    const auto photo = photo::stripMetadata("GIF89a");
    ASSERT_FALSE(photo.ok());
    EXPECT_EQ(ui::errorMessage(photo.error()), QString::fromUtf8("seules les photos JPEG et PNG sont acceptées"));
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    QLocale::setDefault(QLocale::c());
}

TEST(Languages, theTabletsTransportFailuresAreWordedFromTheirTemplate)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    // Exactly what SyncClient says when the gateway is out of reach (the Wi-Fi of a ward).
    sync::SyncClient client("127.0.0.1:1", std::chrono::milliseconds(200));
    v1::PullRequest request;
    auto pulled = client.pull(request);
    ASSERT_FALSE(pulled.ok());
    EXPECT_TRUE(sync::notReached(pulled.error()));
    EXPECT_EQ(pulled.error().what, "gateway unreachable at 127.0.0.1:1 (changes are kept on this tablet)");
    EXPECT_EQ(
        ui::errorMessage(pulled.error()),
        QString::fromUtf8("passerelle injoignable à 127.0.0.1:1 (les modifications sont gardées sur cette tablette)"));
    // A sentence inside a sentence: the gateway's refusal, as its parts travelled, inside the tablet's own words.
    const Error revoked = messageError("push", "gateway refused this tablet: %1",
                                       {message("this device has been revoked: ask the gateway administrator")});
    EXPECT_EQ(revoked.what, "gateway refused this tablet: this device has been revoked: ask the gateway administrator");
    EXPECT_EQ(
        ui::errorMessage(revoked),
        QString::fromUtf8("la passerelle a refusé cette tablette : cette tablette a été révoquée : adressez-vous à "
                          "l'administrateur de la passerelle"));
    EXPECT_EQ(ui::messageText(Message("sync made no progress")), "sync made no progress") << "no template: as given";
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    QLocale::setDefault(QLocale::c());
    EXPECT_EQ(ui::errorMessage(pulled.error()).toStdString(), pulled.error().what) << "English: the English sentence";
}

// A message travels as its English text and its parts (crf.v1.Wording), nested sentences included; parts that do not
// fill to the text that travelled are dropped rather than shown.
TEST(Languages, aWordingSurvivesTheWireAndPartsThatDisagreeWithTheTextAreDropped)
{
    const Error inner = messageError("item GCS", "not an item of form %1", {"SOFA"});
    const Error outer = messageError("push", "gateway refused this tablet: %1", {inner.sentence()});
    const v1::Wording w = toWording(outer);
    v1::Wording wire;
    ASSERT_TRUE(wire.ParseFromString(w.SerializeAsString()));
    const Error back = fromWording(wire, outer.text());
    EXPECT_EQ(back.text(), outer.text());
    EXPECT_EQ(back.tmpl, outer.tmpl);
    ASSERT_EQ(back.args.size(), 1u);
    EXPECT_EQ(back.args[0], inner.sentence()) << "the nested sentence keeps its own template and arguments";
    const Error tampered = fromWording(wire, "something else was said");
    EXPECT_TRUE(tampered.tmpl.empty());
    EXPECT_EQ(tampered.text(), "something else was said");
    EXPECT_EQ(messageFromWording(v1::Wording{}, "plain").text, "plain");
}

// The gateway's refusals reach a French tablet in French through a real gateway on loopback: the login refusal and an
// access decision (their parts in the call's trailing metadata), and a revoked tablet's sync failure, a sentence
// inside the tablet's own, as the tablet's store keeps it for the sync bar.
TEST(Languages, aRealGatewaysRefusalsAreShownInFrenchOnAFrenchTablet)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    SystemClock clock;
    QTemporaryDir dir, tabletDir;
    auto gw = gateway::GatewayServer::start(test::devGateway(dir.path().toStdString()), clock).value();
    test::addUser(*gw, "nurse1");
    auto tablet =
        store::TabletStore::openWithKey(tabletDir.filePath("t.db").toStdString(), SecretKey::random(), clock).value();
    sync::SyncClient client(gw->address());
    test::DeviceSecrets secrets;

    auto wrong = secrets.login(client, "nurse1", tablet->deviceId(), "Not-The-Password-42");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().what, "user id or password is wrong") << "the English sentence is still what was said";
    EXPECT_EQ(ui::errorMessage(wrong.error()), QString::fromUtf8("identifiant ou mot de passe incorrect"));

    ASSERT_TRUE(secrets.login(client, "nurse1", tablet->deviceId()).ok());
    v1::UnblindRequest unblind;
    unblind.set_study_id("I-MICRO");
    unblind.set_subject_id("01-009");
    unblind.set_reason("anaphylaxis, the arm must be known");
    auto denied = client.unblind(unblind);
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(ui::errorMessage(denied.error()),
              QString::fromUtf8("le patient 01-009 n'est pas encore connu de la passerelle"));

    store::SaveRequest r;
    r.form = {"01-001", "D0", "SOFA", 0};
    r.values["GCS"] = store::FieldValue{"12", ""};
    ASSERT_TRUE(tablet->save(r, {"nurse1", "research_nurse", "01"}, {"I-MICRO", "2020-1"}).ok());
    ASSERT_TRUE(gw->identity().revokeDevice("admin", tablet->deviceId()).ok());
    sync::SyncEngine engine([&](const auto& fn) { fn(*tablet); }, client, clock, "I-MICRO");
    ASSERT_FALSE(engine.run().ok());
    const auto kept = tablet->syncState();
    ASSERT_TRUE(kept.ok());
    EXPECT_EQ(ui::messageText(kept->lastError),
              QString::fromUtf8("la passerelle a refusé cette tablette : cette tablette a été révoquée : adressez-vous "
                                "à l'administrateur de la passerelle"));
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    QLocale::setDefault(QLocale::c());
}

TEST(Languages, loginRefusalsAreWordedForTheScreenFromTheirTemplate)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    EXPECT_EQ(ui::messageText(message("user id or password is wrong")),
              QString::fromUtf8("identifiant ou mot de passe incorrect"));
    EXPECT_EQ(
        ui::messageText(message("too many failed logins: this account is locked until %1", {"2026-11-22 14:35 UTC"})),
        QString::fromUtf8("trop d'échecs de connexion : ce compte est bloqué jusqu'à 2026-11-22 14:35 UTC"));
    EXPECT_EQ(ui::messageText(message("you hold no role at a site of %1 (ask the administrator)", {"I-MICRO"})),
              QString::fromUtf8("vous n'avez aucun rôle dans un centre de I-MICRO (adressez-vous à l'administrateur)"));
    // Offline, with why the gateway was not reached, both in French.
    EXPECT_EQ(ui::messageText(message(
                  "offline: user id or password is wrong, or this user never logged in online on this tablet (%1)",
                  {message("gateway unreachable at %1 (changes are kept on this tablet)", {"10.0.0.5:8443"})})),
              QString::fromUtf8("hors ligne : identifiant ou mot de passe incorrect, ou cet utilisateur ne s'est "
                                "jamais connecté en ligne sur cette tablette (passerelle injoignable à 10.0.0.5:8443 "
                                "(les modifications sont gardées sur cette tablette))"));
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    QLocale::setDefault(QLocale::c());
}

// A refusal made in core/ keeps its English sentence and is worded in French on a French screen, with a consent
// state among its arguments worded too.
TEST(Languages, coreRefusalsAreWordedFromTheirTemplate)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    consent::Decision d;
    d.event = consent::Event::PatientConsents;
    d.decidedBy = consent::Decider::Patient;
    auto none = consent::next(consent::State::NotIncluded, d);
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().what, "no inclusion is recorded for this subject: record the inclusion first");
    EXPECT_EQ(
        ui::errorMessage(none.error()),
        QString::fromUtf8("aucune inclusion n'est enregistrée pour ce patient : enregistrez d'abord l'inclusion"));
    d.event = consent::Event::IncludedEmergency;
    d.decidedBy = consent::Decider::None;
    auto again = consent::next(consent::State::Consented, d);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(
        ui::errorText(again.error()),
        QString::fromUtf8("consent INCLUDED_EMERGENCY: le patient est déjà inclus (Consentement de poursuite donné)"));
    EXPECT_EQ(ui::errorText(Error{"box", "plain"}), "box: plain") << "an error without a template as it is";
    // A gateway's refusal as the tablet keeps it (crf.v1.Wording, TabletStore::syncState).
    EXPECT_EQ(ui::errorText(Error{"item PLATELETZ", "not an item of form SOFA", "not an item of form %1", {"SOFA"}}),
              QString::fromUtf8("item PLATELETZ: n'est pas une donnée du formulaire SOFA"));
    // The titration's advice, with its reason (a Core text as an argument) worded too.
    titration::Titration t;
    t.start(0);
    t.hypotension(60'000);
    EXPECT_EQ(
        ui::messageText(t.advise(60'000).instruction),
        QString::fromUtf8("Perfuser à 0,5 ng/kg/min ; descendre d'un palier à la fin du minuteur (PAM < 65 mmHg : "
                          "remplissage et augmentation de la noradrénaline de 25 %)"));
    EXPECT_EQ(
        ui::messageText(message("Take box %1 (the lowest on the shelf) and confirm the number printed on it.", {"3"})),
        QString::fromUtf8("Prenez la boîte 3 (la plus petite sur l'étagère) et confirmez le numéro imprimé dessus."));
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    QLocale::setDefault(QLocale::c());
}
