// The central assessor's desk (crf-review) against an in-process gateway on loopback: photos taken on a tablet reach
// the assessor behind random codes only; scores are given on the page as a person would (a tap on the scale) and are
// what the data manager's site-versus-central report compares.
#include "app_core.h"
#include "gateway_access.h"
#include "key_store.h"
#include "photo.h"
#include "review_desk.h"
#include "study_controller.h"
#include "test_support.h"

#include <QBuffer>
#include <QImage>
#include <QPainter>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <chrono>
#include <functional>
#include <gtest/gtest.h>

using namespace crf;
using crf::test::await;

namespace {

std::shared_ptr<const v1::StudyDefinition> imicro()
{
    return ui::StudyController::loadFile(QStringLiteral(CRF_STUDIES_DIR "/imicro.json")).value();
}

/// A real JPEG (the page must show it): a plain colour with a few darker patches, different per `shade`.
std::string jpeg(int shade)
{
    QImage image(320, 240, QImage::Format_RGB32);
    image.fill(QColor(200 + shade, 160, 140));
    QPainter p(&image);
    p.setBrush(QColor(120, 80, 110));
    for (int i = 0; i < 5 + shade; ++i)
        p.drawEllipse(QPointF(40 + 40 * i, 120), 12, 8);
    p.end();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "JPEG", 90);
    return bytes.toStdString();
}

/// Finds a visual descendant by objectName (delegates of Repeaters and views are visual children, not QObject ones).
QQuickItem* findItem(QQuickItem* root, const QString& name)
{
    for (QQuickItem* child : root->childItems()) {
        if (child->objectName() == name)
            return child;
        if (QQuickItem* found = findItem(child, name))
            return found;
    }
    return nullptr;
}

bool settled(ui::ReviewDesk& desk)
{
    return test::spinUntil([&] { return !desk.busy(); }, 15000);
}

struct ReviewFixture : ::testing::Test {
    SystemClock clock;
    QTemporaryDir gatewayData, tabletDir;
    std::unique_ptr<gateway::GatewayServer> gw;
    std::unique_ptr<app::AppCore> tablet;
    std::map<std::string, std::string> digestOfSubject;

    void SetUp() override
    {
        auto started = gateway::GatewayServer::start(
            test::devGateway(gatewayData.path().toStdString(), "127.0.0.1:0", {CRF_STUDIES_DIR "/imicro.json"}), clock);
        ASSERT_TRUE(started.ok()) << started.error().text();
        gw = std::move(started).value();
    }

    /// A nurse photographs the knees of two subjects on D1 (site scores 3 and 1) through the app core and syncs.
    void photographKnees()
    {
        app::AppConfig cfg;
        cfg.dataDir = tabletDir.path();
        cfg.gatewayAddress = QString::fromStdString(gw->address());
        cfg.definition = imicro();
        const QString keyDir = tabletDir.path();
        cfg.makeKeyStore = [keyDir] { return platform::makeFileKeyStore(keyDir); };
        tablet = std::make_unique<app::AppCore>(cfg);
        ASSERT_TRUE(await<Status>([&](auto done) { tablet->open(done); }).ok());
        const std::string password = test::addUser(*gw, "nurse-r", "research_nurse", "01");
        ASSERT_TRUE(await<Result<app::LoginInfo>>([&](auto done) { tablet->login("nurse-r", password, done); }).ok());
        const std::pair<const char*, const char*> subjects[] = {{"01-201", "3"}, {"01-202", "1"}};
        int shade = 0;
        for (const auto& [subject, score] : subjects) {
            auto digest = await<Result<std::string>>([&](auto done) { tablet->addPhoto(jpeg(shade += 20), done); });
            ASSERT_TRUE(digest.ok()) << digest.error().text();
            digestOfSubject[subject] = digest.value();
            store::SaveRequest m;
            m.form = {subject, "D1", "MOTTLING", 0};
            m.values["MOTTLING_SCORE"] = store::FieldValue{score, ""};
            m.values["KNEE_PHOTO"] = store::FieldValue{digest.value(), ""};
            m.values["MOTTLING_TIME"] = store::FieldValue{"2026-11-20T08:00:00Z", ""};
            ASSERT_TRUE(await<Result<store::SaveOutcome>>([&](auto done) { tablet->save(m, done); }).ok());
        }
        QSignalSpy finished(tablet.get(), &app::AppCore::syncFinished);
        sync::SyncReport report;
        QObject::connect(tablet.get(), &app::AppCore::syncFinished, [&](const sync::SyncReport& r) { report = r; });
        tablet->syncNow();
        ASSERT_TRUE(test::spinUntil([&] { return finished.count() > 0; }, 30000));
        ASSERT_TRUE(report.ok()) << report.error.text;
        ASSERT_EQ(report.photosVerified, 2);
    }

    ui::ReviewConfig config() { return {QString::fromStdString(gw->address()), "", imicro()}; }
};

} // namespace

TEST_F(ReviewFixture, onlyACentralAssessorOfTheStudyGetsIn)
{
    test::addUser(*gw, "dm-r", "data_manager", "*");
    ui::ReviewDesk desk(config());
    desk.login(QStringLiteral("dm-r"), QString::fromStdString(test::passwordOf("dm-r")));
    ASSERT_TRUE(settled(desk));
    EXPECT_FALSE(desk.loggedIn());
    EXPECT_TRUE(desk.message().contains(QStringLiteral("not a central assessor of I-MICRO")))
        << desk.message().toStdString();

    test::addUser(*gw, "central-r", "central_assessor", "*");
    desk.login(QStringLiteral("central-r"), QStringLiteral("wrong password 123"));
    ASSERT_TRUE(settled(desk));
    EXPECT_FALSE(desk.loggedIn());
    EXPECT_FALSE(desk.message().isEmpty());
}

TEST_F(ReviewFixture, theAssessorSeesCodesAndPhotosOnlyAndScoresOnThePage)
{
    photographKnees();
    test::addUser(*gw, "central-r", "central_assessor", "*");
    ui::ReviewDesk desk(config());
    desk.login(QStringLiteral("central-r"), QString::fromStdString(test::passwordOf("central-r")));
    ASSERT_TRUE(settled(desk));
    ASSERT_TRUE(desk.loggedIn()) << desk.message().toStdString();
    ASSERT_EQ(desk.items().size(), 2);
    EXPECT_EQ(desk.remaining(), 2);

    // Masking: each item is a random code; nothing the desk holds names a subject, site or visit.
    for (const auto& v : desk.items()) {
        const QString code = v.toMap().value(QStringLiteral("code")).toString();
        EXPECT_TRUE(QRegularExpression(QStringLiteral("^MOT-[0-9A-F]{12}$")).match(code).hasMatch())
            << code.toStdString();
    }
    // The first unscored photo is open, and it is one of the tablet's photos, byte for byte.
    ASSERT_FALSE(desk.currentCode().isEmpty());
    const QString prefix = QStringLiteral("data:image/jpeg;base64,");
    ASSERT_TRUE(desk.photoUrl().startsWith(prefix));
    const std::string shown = QByteArray::fromBase64(desk.photoUrl().mid(prefix.size()).toLatin1()).toStdString();
    const std::string digest = photo::digestHex(shown);
    EXPECT_TRUE(digest == digestOfSubject["01-201"] || digest == digestOfSubject["01-202"]);
    // The reference scale is the study's MOTTLING code list (data, not code).
    ASSERT_EQ(desk.scale().size(), 6);
    EXPECT_EQ(desk.scale()[3].toMap().value(QStringLiteral("label")).toString(),
              QStringLiteral("3: up to the middle of the thigh"));

    // A score outside the scale is refused by the gateway, with its words, and nothing changes.
    desk.submitScore(7);
    ASSERT_TRUE(settled(desk));
    EXPECT_TRUE(desk.message().contains(QStringLiteral("0 to 5"))) << desk.message().toStdString();
    EXPECT_EQ(desk.remaining(), 2);

    // The page, offscreen: the assessor taps the scale beside the photo.
    QQuickStyle::setStyle(QStringLiteral("Material"));
    QQmlEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    QQmlComponent component(&engine, QUrl(QStringLiteral("qrc:/Crf/Ui/ReviewPage.qml")));
    ASSERT_FALSE(component.isError()) << component.errorString().toStdString();
    std::unique_ptr<QObject> created(
        component.createWithInitialProperties({{QStringLiteral("desk"), QVariant::fromValue<QObject*>(&desk)}}));
    auto* page = qobject_cast<QQuickItem*>(created.get());
    ASSERT_NE(page, nullptr);
    QQuickWindow window;
    window.resize(1280, 800);
    page->setParentItem(window.contentItem());
    page->setSize(QSizeF(1280, 800));
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));

    auto tap = [&](const char* name) {
        QQuickItem* button = findItem(page, QString::fromLatin1(name));
        EXPECT_NE(button, nullptr) << name;
        if (!button)
            return;
        EXPECT_TRUE(test::spinUntil([&] { return button->isEnabled(); }, 5000)) << name << " stays disabled";
        const QPointF centre = button->mapToScene(QPointF(button->width() / 2, button->height() / 2));
        QTest::mouseClick(&window, Qt::LeftButton, {}, centre.toPoint());
        ASSERT_TRUE(settled(desk));
    };
    const QString first = desk.currentCode();
    tap("score_4");
    EXPECT_EQ(desk.remaining(), 1);
    EXPECT_NE(desk.currentCode(), first) << "the next unscored photo opens by itself";
    const QString second = desk.currentCode();
    tap("score_1");
    EXPECT_EQ(desk.remaining(), 0);
    QQuickItem* remaining = findItem(page, QStringLiteral("remaining"));
    ASSERT_NE(remaining, nullptr);
    EXPECT_EQ(remaining->property("text").toString(), QStringLiteral("0 of 2 left to score"));

    // A later session sees its own scores from the gateway (a revision replaces the earlier score in the report).
    ui::ReviewDesk again(config());
    again.login(QStringLiteral("central-r"), QString::fromStdString(test::passwordOf("central-r")));
    ASSERT_TRUE(settled(again));
    std::map<QString, int> scores;
    for (const auto& v : again.items())
        scores[v.toMap().value(QStringLiteral("code")).toString()] = v.toMap().value(QStringLiteral("score")).toInt();
    EXPECT_EQ(scores[first], 4);
    EXPECT_EQ(scores[second], 1);

    // The data manager's report pairs each site score with the central one.
    sync::SyncClient dm(gw->address());
    test::addUser(*gw, "dm-r", "data_manager", "*");
    test::DeviceSecrets secrets;
    ASSERT_TRUE(secrets.login(dm, "dm-r", "dm-r-laptop").ok());
    v1::ReviewReportRequest r;
    r.set_study_id("I-MICRO");
    auto report = dm.reviewReport(r);
    ASSERT_TRUE(report.ok()) << report.error().text();
    EXPECT_EQ(report->pairs(), 2u);
    // Site 3 and 1; central 4 and 1 in whichever order the codes came: exactly one agreement either way only if the
    // photo scored 4 was the site's 3. The digests say which was which.
    const bool firstWasSubject201 =
        photo::digestHex(shown) == digestOfSubject["01-201"]; // `shown` was the first photo opened
    EXPECT_EQ(report->exact_agreement(), firstWasSubject201 ? 1u : 0u);
}

TEST_F(ReviewFixture, aGatewayOutOfReachIsSaidAtOnceNothingIsTakenAsSentAndTheDeskCarriesOnWhenItIsBack)
{
    photographKnees();
    test::addUser(*gw, "central-r", "central_assessor", "*");
    ui::ReviewConfig cfg = config();
    // A wait far longer than one connection attempt on loopback: the desk must not sit it out.
    cfg.connectWait = std::chrono::seconds(20);
    constexpr auto kWithin = std::chrono::seconds(5);
    ui::ReviewDesk desk(cfg);
    desk.login(QStringLiteral("central-r"), QString::fromStdString(test::passwordOf("central-r")));
    ASSERT_TRUE(settled(desk));
    ASSERT_TRUE(desk.loggedIn()) << desk.message().toStdString();
    const QString code = desk.currentCode();
    ASSERT_FALSE(code.isEmpty());
    auto timed = [&](const std::function<void()>& step) {
        const auto start = std::chrono::steady_clock::now();
        step();
        EXPECT_TRUE(settled(desk));
        return std::chrono::steady_clock::now() - start;
    };

    const std::string address = gw->address();
    gw.reset(); // the desk's network goes away
    EXPECT_LT(timed([&] { desk.submitScore(4); }), kWithin);
    EXPECT_TRUE(desk.message().contains(QStringLiteral("out of reach, so nothing was sent")))
        << desk.message().toStdString();
    EXPECT_EQ(desk.remaining(), 2) << "a score that did not reach the gateway is not shown as given";
    EXPECT_EQ(desk.currentCode(), code) << "the photo stays open to score again";
    EXPECT_LT(timed([&] { desk.refresh(); }), kWithin);
    EXPECT_EQ(desk.items().size(), 2) << "the queue in hand is kept";

    // Back: the same desk and session carry on at once.
    auto again = gateway::GatewayServer::start(
        test::devGateway(gatewayData.path().toStdString(), address, {CRF_STUDIES_DIR "/imicro.json"}), clock);
    ASSERT_TRUE(again.ok()) << again.error().text();
    gw = std::move(again).value();
    EXPECT_LT(timed([&] { desk.submitScore(4); }), kWithin);
    EXPECT_EQ(desk.remaining(), 1) << desk.message().toStdString();
    EXPECT_NE(desk.currentCode(), code);
}
