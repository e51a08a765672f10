// crf-ui-bench: the tablet's speed as a nurse feels it (issue "bedside experience", docs/performance.md "The tablet's
// screens"), offscreen, on a real SQLCipher store and an in-process gateway on loopback. Never a timed test: prints
// one JSON object. Figures:
//  - cold start: from an unopened store to the subject list of N subjects drawn (store open with its key, QML engine,
//    first frame with every row counted);
//  - form open: a SOFA page created, its values loaded from the store and a frame drawn (median and worst of 20);
//  - save: the longest the UI thread stays away from its event loop while 50 forms are saved (a 1 ms heartbeat timer
//    measures it: a stall longer than one frame, 16 ms, is a visible jank);
//  - sync: the same heartbeat while the tablet pushes its N x 2 events and while another tablet pulls them.
#include "app_core.h"
#include "form_model.h"
#include "gateway_server.h"
#include "identity/identity.h"
#include "key_store.h"
#include "session_controller.h"
#include "study_controller.h"
#include "trial_controller.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace crf;

namespace {

bool spin(const std::function<bool()>& done, int timeoutMs = 120000)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

template <typename R, typename F> R await(F&& start)
{
    std::optional<R> out;
    start([&](R r) { out = std::move(r); });
    spin([&] { return out.has_value(); });
    return std::move(*out);
}

/// The longest gap between two ticks of a 1 ms timer on the UI thread while it runs: how long the UI was blocked.
struct Heartbeat {
    QTimer timer;
    QElapsedTimer clock;
    qint64 last = 0, longest = 0;
    Heartbeat()
    {
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(1);
        QObject::connect(&timer, &QTimer::timeout, [this] {
            const qint64 now = clock.nsecsElapsed() / 1000;
            longest = std::max(longest, now - last);
            last = now;
        });
    }
    void start()
    {
        clock.start();
        last = 0;
        longest = 0;
        timer.start();
    }
    double stopMs()
    {
        timer.stop();
        return static_cast<double>(longest) / 1000.0;
    }
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

app::AppConfig tabletConfig(const QString& dir, const std::string& gateway,
                            std::shared_ptr<const v1::StudyDefinition> def)
{
    app::AppConfig cfg;
    cfg.dataDir = dir;
    cfg.gatewayAddress = QString::fromStdString(gateway);
    cfg.definition = std::move(def);
    cfg.makeKeyStore = [dir] { return platform::makeFileKeyStore(dir); };
    return cfg;
}

/// A drawn frame of `window` (offscreen rendering runs on the UI thread).
bool frameDrawn(QQuickWindow& window)
{
    bool swapped = false;
    auto c = QObject::connect(&window, &QQuickWindow::frameSwapped, [&] { swapped = true; });
    window.contentItem()->update();
    const bool ok = spin([&] { return swapped; }, 10000);
    QObject::disconnect(c);
    return ok;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The tablet's screens: start, form, save and sync timings"));
    parser.addHelpOption();
    const QCommandLineOption subjectsOpt(QStringLiteral("subjects"), QStringLiteral("Subjects on the tablet."),
                                         QStringLiteral("n"), QStringLiteral("200"));
    const QCommandLineOption studyOpt(QStringLiteral("study"), QStringLiteral("Study definition (JSON)."),
                                      QStringLiteral("file"), QStringLiteral(CRF_STUDIES_DIR "/imicro.json"));
    parser.addOptions({subjectsOpt, studyOpt});
    parser.process(app);
    bool ok = false;
    const int subjects = parser.value(subjectsOpt).toInt(&ok);
    if (!ok || subjects < 1 || subjects > 100000) {
        std::fprintf(stderr, "crf-ui-bench: --subjects: a number from 1 to 100000\n");
        return 2;
    }
    auto def = ui::StudyController::loadFile(parser.value(studyOpt));
    if (!def) {
        std::fprintf(stderr, "crf-ui-bench: %s\n", def.error().text().c_str());
        return 2;
    }
    qputenv("CRF_KEYSTORE", "file");
    QQuickStyle::setStyle(QStringLiteral("Material"));

    // The gateway, in process on loopback (plaintext, development mode), with one nurse at site 01.
    QTemporaryDir gatewayDir, tabletDir, otherDir;
    SystemClock clock;
    gateway::GatewayServer::Options o;
    o.listen = "127.0.0.1:0";
    o.dataDir = gatewayDir.path().toStdString();
    o.insecureDev = true;
    o.studyFiles = {parser.value(studyOpt).toStdString()};
    auto gw = gateway::GatewayServer::start(o, clock);
    if (!gw) {
        std::fprintf(stderr, "crf-ui-bench: gateway: %s\n", gw.error().text().c_str());
        return 1;
    }
    const std::string password = "Bench-Nurse-Password-7";
    const std::string study = def.value()->study_id();
    if (!(*gw)->identity().addUser("crf-ui-bench", "nurse-b", "Bench Nurse", password).ok() ||
        !(*gw)->identity().grant("crf-ui-bench", "nurse-b", "research_nurse", study, "01").ok()) {
        std::fprintf(stderr, "crf-ui-bench: cannot create the bench user\n");
        return 1;
    }

    // Fill a tablet: N registered subjects, each with a complete SOFA D0.
    {
        app::AppCore core(tabletConfig(tabletDir.path(), (*gw)->address(), def.value()));
        if (!await<Status>([&](auto done) { core.open(done); }).ok())
            return 1;
        auto in = await<Result<app::LoginInfo>>([&](auto done) { core.login("nurse-b", password, done); });
        if (!in) {
            std::fprintf(stderr, "crf-ui-bench: login: %s\n", in.error().text().c_str());
            return 1;
        }
        for (int i = 0; i < subjects; ++i) {
            char id[16];
            std::snprintf(id, sizeof id, "01-%04d", i + 1);
            store::SaveRequest reg;
            reg.form = {id, store::kRegistrationVisit, store::kRegistrationForm, 0};
            reg.values[store::kInitialsItem] = store::FieldValue{"AB", ""};
            store::SaveRequest sofa;
            sofa.form = {id, "D0", "SOFA", 0};
            const std::pair<const char*, const char*> values[] = {
                {"PAO2", "68"},   {"FIO2", "45"},      {"RESP_SUPPORT", "Y"},      {"PLATELETS", "92"},
                {"BILI", "38"},   {"MAP", "66"},       {"NOREPINEPHRINE", "0,32"}, {"GCS", "10"},
                {"CREAT", "190"}, {"URINE_24H", "420"}};
            for (const auto& [item, v] : values)
                sofa.values[item] = store::FieldValue{v, ""};
            for (auto* r : {&reg, &sofa})
                if (!await<Result<store::SaveOutcome>>([&](auto done) { core.save(*r, done); }).ok())
                    return 1;
        }
    }

    // Cold start: store opened with its key, the QML engine, the subject list drawn with every row.
    QElapsedTimer start;
    start.start();
    app::AppCore core(tabletConfig(tabletDir.path(), (*gw)->address(), def.value()));
    ui::SessionController session(&core);
    ui::SubjectListModel list(&core);
    ui::StudyController studyController(def.value());
    ui::TrialController trial(&core);
    ui::registerQmlTypes(&session, &list, &studyController);
    ui::registerTrialController(&trial);
    if (!await<Status>([&](auto done) { core.open(done); }).ok())
        return 1;
    list.refresh();
    QQmlEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    QQuickWindow window;
    window.resize(1280, 800);
    QQmlComponent listPage(&engine, QUrl(QStringLiteral("qrc:/Crf/Ui/SubjectListPage.qml")));
    std::unique_ptr<QObject> listObject(listPage.create());
    auto* listItem = qobject_cast<QQuickItem*>(listObject.get());
    if (!listItem) {
        std::fprintf(stderr, "crf-ui-bench: %s\n", qPrintable(listPage.errorString()));
        return 1;
    }
    listItem->setParentItem(window.contentItem());
    listItem->setSize(QSizeF(1280, 800));
    window.show();
    spin([&] { return list.rowCount() == subjects; });
    frameDrawn(window);
    const double coldStartMs = static_cast<double>(start.nsecsElapsed()) / 1e6;
    listObject.reset();

    // Form open: a SOFA page of another subject each time, loaded and drawn.
    QQmlComponent formPage(&engine, QUrl(QStringLiteral("qrc:/Crf/Ui/FormPage.qml")));
    std::vector<double> opens;
    for (int i = 0; i < 20; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "01-%04d", (i % subjects) + 1);
        QElapsedTimer t;
        t.start();
        std::unique_ptr<QObject> page(formPage.createWithInitialProperties(
            {{QStringLiteral("subjectId"), QString::fromLatin1(id)},
             {QStringLiteral("visitOid"), QStringLiteral("D0")},
             {QStringLiteral("formOid"), QStringLiteral("SOFA")},
             {QStringLiteral("study"), QVariant::fromValue<QObject*>(&studyController)},
             {QStringLiteral("core"), QVariant::fromValue<QObject*>(&core)}}));
        auto* item = qobject_cast<QQuickItem*>(page.get());
        if (!item) {
            std::fprintf(stderr, "crf-ui-bench: %s\n", qPrintable(formPage.errorString()));
            return 1;
        }
        item->setParentItem(window.contentItem());
        item->setSize(QSizeF(1280, 800));
        const double created = static_cast<double>(t.nsecsElapsed()) / 1e6;
        auto* form = item->property("form").value<QObject*>();
        spin([&] { return form && !form->property("busy").toBool() && form->property("title").toString().size(); });
        const double loaded = static_cast<double>(t.nsecsElapsed()) / 1e6;
        frameDrawn(window);
        opens.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
        if (qEnvironmentVariableIsSet("CRF_UI_BENCH_PHASES"))
            std::fprintf(stderr, "form open: created %.1f ms, loaded %.1f ms, drawn %.1f ms\n", created, loaded,
                         opens.back());
    }

    // Saves: 50 changed values with their reason, the heartbeat measuring the UI thread (logged in: saves are stamped).
    Heartbeat beat;
    auto in = await<Result<app::LoginInfo>>([&](auto done) { core.login("nurse-b", password, done); });
    if (!in)
        return 1;
    std::unique_ptr<QObject> page(formPage.createWithInitialProperties(
        {{QStringLiteral("subjectId"), QStringLiteral("01-0001")},
         {QStringLiteral("visitOid"), QStringLiteral("D0")},
         {QStringLiteral("formOid"), QStringLiteral("SOFA")},
         {QStringLiteral("study"), QVariant::fromValue<QObject*>(&studyController)},
         {QStringLiteral("core"), QVariant::fromValue<QObject*>(&core)}}));
    auto* pageItem = qobject_cast<QQuickItem*>(page.get());
    pageItem->setParentItem(window.contentItem());
    auto* form = pageItem->property("form").value<QObject*>();
    spin([&] { return !form->property("busy").toBool(); });
    std::vector<double> saves;
    beat.start();
    for (int i = 0; i < 50; ++i) {
        QMetaObject::invokeMethod(form, "setValue", Q_ARG(QString, QStringLiteral("PAO2")),
                                  Q_ARG(QString, QString::number(70 + i)));
        bool saved = false;
        auto c2 = QObject::connect(qobject_cast<ui::FormModel*>(form), &ui::FormModel::saved,
                                   [&](bool, const QString&) { saved = true; });
        QElapsedTimer t;
        t.start();
        QMetaObject::invokeMethod(form, "save", Q_ARG(QString, QStringLiteral("NEW_RESULT")),
                                  Q_ARG(QString, QStringLiteral("second blood gas")));
        spin([&] { return saved; });
        saves.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
        QObject::disconnect(c2);
    }
    const double saveStallMs = beat.stopMs();

    // Sync: push everything (N x 2 events and the 50 corrections), then a second tablet pulls it all.
    auto syncOnce = [&](app::AppCore& c) {
        bool finished = false;
        auto conn =
            QObject::connect(&c, &app::AppCore::syncFinished, [&](const sync::SyncReport&) { finished = true; });
        c.syncNow();
        spin([&] { return finished; });
        QObject::disconnect(conn);
    };
    beat.start();
    QElapsedTimer pushTime;
    pushTime.start();
    syncOnce(core);
    const double pushMs = static_cast<double>(pushTime.nsecsElapsed()) / 1e6;
    const double pushStallMs = beat.stopMs();

    app::AppCore other(tabletConfig(otherDir.path(), (*gw)->address(), def.value()));
    if (!await<Status>([&](auto done) { other.open(done); }).ok())
        return 1;
    if (!await<Result<app::LoginInfo>>([&](auto done) { other.login("nurse-b", password, done); }).ok())
        return 1;
    beat.start();
    QElapsedTimer pullTime;
    pullTime.start();
    syncOnce(other);
    const double pullMs = static_cast<double>(pullTime.nsecsElapsed()) / 1e6;
    const double pullStallMs = beat.stopMs();

    std::printf("{\n  \"subjects\": %d,\n  \"cold_start_to_subject_list_ms\": %.1f,\n"
                "  \"form_open_ms_median\": %.1f,\n  \"form_open_ms_worst\": %.1f,\n"
                "  \"save_round_trip_ms_median\": %.1f,\n  \"ui_thread_longest_stall_during_saves_ms\": %.1f,\n"
                "  \"push_ms\": %.1f,\n  \"ui_thread_longest_stall_during_push_ms\": %.1f,\n"
                "  \"pull_ms\": %.1f,\n  \"ui_thread_longest_stall_during_pull_ms\": %.1f\n}\n",
                subjects, coldStartMs, median(opens), *std::max_element(opens.begin(), opens.end()), median(saves),
                saveStallMs, pushMs, pushStallMs, pullMs, pullStallMs);
    return 0;
}
