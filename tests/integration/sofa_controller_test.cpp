// SofaController with a real AppCore: inputs -> live scores -> save into the encrypted store -> reload; a change to a
// saved value needs a reason.
#include "app_core.h"
#include "key_store.h"
#include "sofa_controller.h"
#include "test_support.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <gtest/gtest.h>

using namespace crf;

namespace {

class SofaControllerTest : public ::testing::Test {
protected:
    QTemporaryDir dir;
    std::unique_ptr<app::AppCore> core;

    void SetUp() override
    {
        app::AppConfig cfg;
        cfg.dataDir = dir.path();
        cfg.gatewayAddress = QStringLiteral("127.0.0.1:1");
        cfg.actor = {"nurse-a", "research_nurse", "01"};
        cfg.study = {"I-MICRO", "2020-1"};
        const QString keyDir = dir.path();
        cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
        core = std::make_unique<app::AppCore>(cfg);
        ASSERT_TRUE(test::await<Status>([&](auto done) { core->open(done); }).ok());
    }

    std::unique_ptr<ui::SofaController> page(int day = 0)
    {
        auto c = std::make_unique<ui::SofaController>();
        c->setCore(core.get());
        c->setProperty("subjectId", QStringLiteral("01-001"));
        c->setProperty("day", day);
        c->load();
        test::spinUntil([&] { return !c->busy(); });
        return c;
    }

    std::pair<bool, QString> save(ui::SofaController& c, const QString& code = {}, const QString& text = {})
    {
        QSignalSpy saved(&c, &ui::SofaController::saved);
        c.save(code, text);
        EXPECT_TRUE(test::spinUntil([&] { return saved.count() > 0; }));
        return {saved.at(0).at(0).toBool(), saved.at(0).at(1).toString()};
    }
};

} // namespace

TEST_F(SofaControllerTest, scoresLiveSavesAndReloadsFromTheEncryptedStore)
{
    auto c = page();
    c->setProperty("platelets", QStringLiteral("45"));
    c->setProperty("gcs", QStringLiteral("14"));
    EXPECT_EQ(c->coagulationScore(), 3);
    EXPECT_EQ(c->cnsScore(), 1);
    EXPECT_EQ(c->total(), 4);
    EXPECT_EQ(c->liverScore(), -1);
    EXPECT_TRUE(c->dirty());
    EXPECT_FALSE(c->needsReason());
    const auto [ok, message] = save(*c);
    EXPECT_TRUE(ok) << message.toStdString();
    EXPECT_FALSE(c->dirty());

    auto reopened = page();
    EXPECT_EQ(reopened->property("platelets").toString(), QStringLiteral("45"));
    EXPECT_EQ(reopened->total(), 4);
    EXPECT_TRUE(reopened->hasSavedValues());
    // Another day is another form instance.
    EXPECT_FALSE(page(1)->hasSavedValues());
}

TEST_F(SofaControllerTest, changingASavedValueAsksForAReasonAndIsRefusedWithoutOne)
{
    auto c = page();
    c->setProperty("platelets", QStringLiteral("45"));
    ASSERT_TRUE(save(*c).first);
    c->setProperty("platelets", QStringLiteral("54"));
    EXPECT_TRUE(c->needsReason());
    const auto refused = save(*c);
    EXPECT_FALSE(refused.first);
    EXPECT_TRUE(refused.second.contains(QStringLiteral("reason"))) << refused.second.toStdString();
    EXPECT_EQ(page()->property("platelets").toString(), QStringLiteral("45"));
    const auto accepted = save(*c, QStringLiteral("TRANSCRIPTION_ERROR"), QStringLiteral("digits swapped"));
    EXPECT_TRUE(accepted.first) << accepted.second.toStdString();
    EXPECT_EQ(page()->property("platelets").toString(), QStringLiteral("54"));
}

TEST_F(SofaControllerTest, impossibleValuesAreNotSaved)
{
    auto c = page();
    c->setProperty("gcs", QStringLiteral("17"));
    EXPECT_TRUE(c->errors().contains(QStringLiteral("GCS")));
    const auto refused = save(*c);
    EXPECT_FALSE(refused.first);
    EXPECT_FALSE(page()->hasSavedValues());
}
