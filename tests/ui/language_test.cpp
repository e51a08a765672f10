// Languages of the screens (docs/bedside.md "Languages"): French or English, chosen by flag, $CRF_LANG or the system
// locale; the embedded translations are complete for French and give English its plural forms.
#include "language.h"

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
