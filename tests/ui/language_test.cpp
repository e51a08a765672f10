// Languages of the screens (docs/bedside.md "Languages"): French or English, chosen by flag, $CRF_LANG or the system
// locale; the embedded translations are complete for French and give English its plural forms.
#include "consent.h"
#include "definition.h"
#include "language.h"
#include "login_wording.h"
#include "study_controller.h"
#include "sync_client.h"
#include "titration.h"

#include <QCoreApplication>
#include <QLocale>
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
        byItem[issue.item] = ui::issueText(issue);
    EXPECT_EQ(byItem["GCS"], QString::fromUtf8("Score de Glasgow doit être entre 3 et 15 ; 2 est impossible"));
    EXPECT_EQ(byItem["PLATELETS"],
              QString::fromUtf8("Plaquettes est obligatoire : saisissez-le, ou indiquez pourquoi il manque"));
    for (const auto& issue : state.issues)
        EXPECT_FALSE(issue.message.empty()) << "the core's English sentence is kept for " << issue.item;
    EXPECT_EQ(QCoreApplication::translate("crf::ui::CrtStopwatchModel", "Keep pressing: %1 s").arg(7),
              QString::fromUtf8("Maintenez la pression : 7 s"));
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    QLocale::setDefault(QLocale::c());
}

TEST(Languages, theTabletsTransportFailuresAreRewordedAndOtherErrorsShownAsGiven)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    // Exactly what SyncClient says when the gateway is out of reach (the Wi-Fi of a ward).
    sync::SyncClient client("127.0.0.1:1", std::chrono::milliseconds(200));
    v1::PullRequest request;
    auto pulled = client.pull(request);
    ASSERT_FALSE(pulled.ok());
    EXPECT_EQ(
        ui::syncErrorText(pulled.error().what),
        QString::fromUtf8("passerelle injoignable à 127.0.0.1:1 (les modifications sont gardées sur cette tablette)"));
    EXPECT_EQ(ui::syncErrorText("gateway refused this tablet: device revoked"),
              QString::fromUtf8("la passerelle a refusé cette tablette : device revoked"));
    EXPECT_EQ(ui::syncErrorText("sync made no progress at change 12"), "sync made no progress at change 12");
    for (auto* t : app.findChildren<QTranslator*>()) {
        QCoreApplication::removeTranslator(t);
        delete t;
    }
    QLocale::setDefault(QLocale::c());
    EXPECT_EQ(ui::syncErrorText(pulled.error().what).toStdString(), pulled.error().what) << "English: as given";
}

TEST(Languages, loginRefusalsAreWordedForTheScreenFromTheirOneSpelling)
{
    auto& app = *QCoreApplication::instance();
    ASSERT_TRUE(ui::installLanguage(app, "fr"));
    namespace w = wording::login;
    EXPECT_EQ(ui::loginErrorText(std::string(w::kBadCredentials)),
              QString::fromUtf8("identifiant ou mot de passe incorrect"));
    EXPECT_EQ(ui::loginErrorText(std::string(w::kNowLockedUntil) + "2026-11-22 14:35 UTC"),
              QString::fromUtf8("trop d'échecs de connexion : ce compte est bloqué jusqu'à 2026-11-22 14:35 UTC"));
    EXPECT_EQ(ui::loginErrorText(std::string(w::kNoRolePrefix) + "I-MICRO" + std::string(w::kNoRoleSuffix)),
              QString::fromUtf8("vous n'avez aucun rôle dans un centre de I-MICRO (adressez-vous à l'administrateur)"));
    // Offline, with why the gateway was not reached, both in French.
    EXPECT_EQ(ui::loginErrorText(std::string(w::kOfflineUnknown) +
                                 " (gateway unreachable at 10.0.0.5:8443 (changes are kept on this tablet))"),
              QString::fromUtf8("hors ligne : identifiant ou mot de passe incorrect, ou cet utilisateur ne s'est "
                                "jamais connecté en ligne sur cette tablette (passerelle injoignable à 10.0.0.5:8443 "
                                "(les modifications sont gardées sur cette tablette))"));
    EXPECT_EQ(ui::loginErrorText("something new"), "something new");
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
