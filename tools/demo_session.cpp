#include "demo_session.h"

#include "app_core.h"
#include "definition.h"
#include "form_engine.h"
#include "key_store.h"
#include "sofa.h"
#include "sofa_items.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThread>
#include <cstdio>
#include <optional>

namespace crf::tools {
namespace {

void step(const char* fmt, const std::string& a = {}, const std::string& b = {})
{
    std::printf("  * ");
    std::printf(fmt, a.c_str(), b.c_str());
    std::printf("\n");
    std::fflush(stdout);
}

template <typename R, typename F> std::optional<R> await(F&& start, int timeoutMs = 30000)
{
    std::optional<R> result;
    start([&](R r) { result.emplace(std::move(r)); });
    QElapsedTimer t;
    t.start();
    while (!result && t.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(1);
    }
    return result;
}

class DemoTablet {
public:
    DemoTablet(const QString& dir, const QString& gateway, const std::string& rootPem,
               std::shared_ptr<const v1::StudyDefinition> definition)
    {
        app::AppConfig cfg;
        cfg.dataDir = dir;
        cfg.gatewayAddress = gateway;
        cfg.gatewayRootCertPem = rootPem;
        cfg.definition = std::move(definition);
        cfg.makeKeyStore = [dir] { return platform::makeDefaultKeyStore(dir); };
        QDir().mkpath(dir);
        core = std::make_unique<app::AppCore>(cfg);
        QObject::connect(core.get(), &app::AppCore::syncFinished, core.get(),
                         [this](const sync::SyncReport& r) { last = r; });
    }

    bool open()
    {
        auto st = await<Status>([&](auto done) { core->open(done); });
        if (!st || !st->ok()) {
            step("cannot open the tablet database: %s", st ? st->error().text() : "timed out");
            return false;
        }
        return true;
    }

    Result<app::LoginInfo> login(const std::string& user, const std::string& password)
    {
        auto r = await<Result<app::LoginInfo>>([&](auto d) { core->login(user, password, d); });
        return r ? *r : Result<app::LoginInfo>(Error{"login", "timed out"});
    }

    sync::SyncReport sync()
    {
        done = false;
        auto c = QObject::connect(core.get(), &app::AppCore::syncFinished, core.get(), [this] { done = true; });
        core->syncNow();
        QElapsedTimer t;
        t.start();
        while (!done && t.elapsed() < 60000) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            QThread::msleep(1);
        }
        QObject::disconnect(c);
        return last;
    }

    int pending()
    {
        auto st = await<Result<store::SyncState>>([&](auto d) { core->loadSyncState(d); });
        return st && st->ok() ? st->value().pendingEvents : -1;
    }

    std::map<std::string, store::FieldValue> form(const store::FormKey& key)
    {
        auto r = await<Result<std::map<std::string, store::FieldValue>>>([&](auto d) { core->loadForm(key, d); });
        return r && r->ok() ? r->value() : std::map<std::string, store::FieldValue>{};
    }

    std::vector<store::Subject> subjects()
    {
        auto r = await<Result<std::vector<store::Subject>>>([&](auto d) { core->loadSubjects(d); });
        return r && r->ok() ? r->value() : std::vector<store::Subject>{};
    }

    Result<store::SaveOutcome> save(store::SaveRequest req)
    {
        auto r = await<Result<store::SaveOutcome>>([&](auto d) { core->save(std::move(req), d); });
        return r ? *r : Result<store::SaveOutcome>(Error{"save", "timed out"});
    }

    std::unique_ptr<app::AppCore> core;
    sync::SyncReport last;
    bool done = false;
};

std::string describeScores(const std::map<std::string, store::FieldValue>& values)
{
    std::map<std::string, sofa::items::Value> items;
    for (const auto& [k, v] : values)
        items[k] = {v.value, v.unit};
    const auto r = sofa::compute(sofa::items::read(items).inputs);
    std::string out;
    for (int i = 0; i < sofa::kOrganCount; ++i) {
        const auto organ = static_cast<sofa::Organ>(i);
        const auto s = r.organ(organ);
        out += std::string(sofa::organName(organ)) + " " + (s ? std::to_string(*s) : "-") + ", ";
    }
    out += "total " + std::to_string(r.total) + (r.complete ? " (complete)" : " (incomplete)");
    return out;
}

} // namespace

int runDemoSession(const DemoOptions& o)
{
    std::printf("Bedside session (site 01), headless, through the real app core\n");
    std::printf("  gateway %s (store in %s), tablets in %s\n\n", qPrintable(o.listen), qPrintable(o.gatewayData),
                qPrintable(o.tabletsDir));

    auto loaded = study::loadDefinition(o.studyFile.toStdString());
    if (!loaded) {
        std::printf("cannot load the study definition: %s\n", loaded.error().text().c_str());
        return 1;
    }
    auto definition = std::make_shared<const v1::StudyDefinition>(std::move(loaded).value());
    std::printf("  study %s, definition version %s (%s)\n\n", definition->study_id().c_str(),
                definition->version().c_str(), qPrintable(o.studyFile));

    // The demo users made by `crfctl dev-seed` (docs/security.md); their passwords never reach the output.
    std::map<std::string, std::string> passwords;
    {
        QFile file(o.credentials);
        if (!file.open(QIODevice::ReadOnly)) {
            std::printf("cannot read the demo credentials %s (crfctl dev-seed makes them)\n",
                        qPrintable(o.credentials));
            return 1;
        }
        for (const auto& u : QJsonDocument::fromJson(file.readAll()).object().value("users").toArray())
            passwords[u.toObject().value("user_id").toString().toStdString()] =
                u.toObject().value("password").toString().toStdString();
    }
    if (!passwords.count("nurse-01") || !passwords.count("inv-01")) {
        std::printf("%s holds no nurse-01 / inv-01 (crfctl dev-seed --sites 1)\n", qPrintable(o.credentials));
        return 1;
    }
    std::string rootPem;
    QStringList tlsArgs{QStringLiteral("--insecure-dev")};
    if (!o.tlsDir.isEmpty()) {
        QFile cert(QDir(o.tlsDir).filePath("gateway.crt"));
        if (!cert.open(QIODevice::ReadOnly)) {
            std::printf("cannot read %s (crfctl cert dev makes it)\n", qPrintable(cert.fileName()));
            return 1;
        }
        rootPem = cert.readAll().toStdString();
        tlsArgs = {QStringLiteral("--tls-cert"), QDir(o.tlsDir).filePath("gateway.crt"), QStringLiteral("--tls-key"),
                   QDir(o.tlsDir).filePath("gateway.key")};
    }
    QProcess gateway;
    auto startGateway = [&] {
        gateway.setProcessChannelMode(QProcess::ForwardedChannels);
        gateway.start(o.gatewayBinary, QStringList{QStringLiteral("--listen"), o.listen, QStringLiteral("--data"),
                                                   o.gatewayData, QStringLiteral("--study"), o.studyFile} +
                                           tlsArgs);
        const bool started = gateway.waitForStarted(10000);
        QThread::msleep(300);
        return started && gateway.state() == QProcess::Running;
    };

    DemoTablet a(QDir(o.tabletsDir).filePath(QStringLiteral("A")), o.listen, rootPem, definition);
    if (!a.open())
        return 1;
    step("tablet A opened its encrypted store %s", QDir(o.tabletsDir).filePath("A/crf.db").toStdString());
    if (!startGateway()) {
        step("cannot start the gateway %s", o.gatewayBinary.toStdString());
        return 1;
    }
    step("the gateway starts (%s; embedded SQLite store in %s; events checked against the study definition)",
         rootPem.empty() ? std::string("plaintext on loopback") : std::string("TLS"), o.gatewayData.toStdString());
    {
        const auto in = a.login("nurse-01", passwords.at("nurse-01"));
        if (!in) {
            step("nurse-01 cannot log in on tablet A: %s", in.error().text());
            gateway.terminate();
            gateway.waitForFinished(10000);
            return 1;
        }
        step("nurse-01 logs in on tablet A online as %s at site %s (the tablet is enrolled; an offline verifier is "
             "kept in its encrypted store)",
             in->role, in->siteId);
    }
    gateway.terminate();
    gateway.waitForFinished(10000);

    // The next free subject number, so the demo can run again on the same folders.
    const auto existing = a.subjects();
    char subject[16];
    std::snprintf(subject, sizeof subject, "01-%03zu", existing.size() + 1);
    store::SaveRequest reg;
    reg.form = {subject, store::kRegistrationVisit, store::kRegistrationForm, 0};
    reg.values[store::kInitialsItem] = store::FieldValue{"MD", ""};
    if (auto r = a.save(reg); !r) {
        step("registration refused: %s", r.error().text());
        return 1;
    }
    step("the ward's network drops (gateway stopped): tablet A works offline and registers subject %s (initials "
         "only)",
         subject);

    // Eligibility from raw values (the verdict is derived by the study definition's criteria).
    store::SaveRequest elig;
    elig.form = {subject, "D0", "ELIG", 0};
    const std::vector<std::tuple<const char*, const char*, const char*>> criteria = {
        {"AGE", "67", "years"},
        {"CONSENT_MODE", "EMERGENCY", ""},
        {"INFECTION", "Y", ""},
        {"SOFA_CHANGE", "5", "points"},
        {"VASOPRESSOR_MAP65", "Y", ""},
        {"LACTATE", "3.4", "mmol/L"},
        {"MOTTLING_SCORE", "3", ""},
        {"FINGER_CRT", "4.5", "s"},
        {"KNEE_CRT", "5.5", "s"},
        {"NE_ONSET", "2026-11-20T02:10+01:00", ""},
        {"INCLUSION_TIME", "2026-11-20T11:40+01:00", ""},
        {"REFUSAL", "N", ""},
        {"PREGNANCY", "N", ""},
        {"HYPERSENSITIVITY", "N", ""},
        {"HAEMORRHAGIC_RISK", "N", ""},
        {"PLATELETS", "92", "10^3/mm3"},
        {"UNSTABLE_ANGINA", "N", ""},
        {"SEVERE_ARRHYTHMIA", "N", ""},
        {"PAO2", "68", "mmHg"},
        {"FIO2", "45", "%"},
        {"RECENT_MI", "N", ""},
        {"NO_INSURANCE", "N", ""},
        {"DEPRIVED_LIBERTY", "N", ""}};
    for (const auto& [item, value, unit] : criteria)
        elig.values[item] = store::FieldValue{value, unit};
    if (auto r = a.save(elig); !r) {
        step("eligibility refused: %s", r.error().text());
        return 1;
    }
    {
        study::FormValues values;
        for (const auto& [item, v] : a.form({subject, "D0", "ELIG", 0}))
            values[item] = {v.value, v.unit};
        const auto state = study::evaluateForm(*definition, *study::findForm(*definition, "ELIG"), values);
        step("tablet A records eligibility from raw values: verdict %s (%s h after norepinephrine onset)",
             state.eligibility ? study::verdictName(state.eligibility->status) : "?",
             state.values.count("NE_HOURS") ? state.values.at("NE_HOURS").text : "?");
    }

    store::SaveRequest sofaD0;
    sofaD0.form = {subject, "D0", sofa::items::kForm, 0};
    const std::vector<std::tuple<const char*, const char*, const char*>> entered = {
        {sofa::items::kPao2, "68", "mmHg"},
        {sofa::items::kFio2, "45", "%"},
        {sofa::items::kRespSupport, "Y", ""},
        {sofa::items::kPlatelets, "92", "10^3/uL"},
        {sofa::items::kBilirubin, "38", "umol/L"},
        {sofa::items::kMap, "66", "mmHg"},
        {sofa::items::kNorepinephrine, "0,32", "ug/kg/min"},
        {sofa::items::kGcs, "10", ""},
        {sofa::items::kCreatinine, "190", "umol/L"},
        {sofa::items::kUrine, "420", "mL/24h"}};
    for (const auto& [item, value, unit] : entered)
        sofaD0.values[item] = store::FieldValue{value, unit};
    auto saved = a.save(sofaD0);
    if (!saved) {
        step("SOFA D0 refused: %s", saved.error().text());
        return 1;
    }
    const store::FormKey key{subject, "D0", sofa::items::kForm, 0};
    step("tablet A saves SOFA D0 for %s: %s", subject, describeScores(a.form(key)));

    const auto offline = a.sync();
    step("tablet A tries to sync: %s", offline.ok() ? std::string("unexpectedly reached a gateway") : offline.error);
    step("tablet A keeps %s change(s) pending, nothing lost", std::to_string(a.pending()));

    if (!startGateway()) {
        step("cannot restart the gateway %s", o.gatewayBinary.toStdString());
        return 1;
    }
    step("the network is back and the gateway answers again");

    const auto online = a.sync();
    int rc = 0;
    if (!online.ok()) {
        step("tablet A sync failed: %s", online.error);
        rc = 1;
    } else {
        step("tablet A reconnects and syncs: %s change(s) acknowledged after the gateway's commit, %s pending",
             std::to_string(online.pushed), std::to_string(a.pending()));
    }

    DemoTablet b(QDir(o.tabletsDir).filePath(QStringLiteral("B")), o.listen, rootPem, definition);
    if (rc == 0 && b.open()) {
        const auto in = b.login("inv-01", passwords.at("inv-01"));
        step("inv-01 logs in on tablet B: %s", in ? "online as " + in->role : in.error().text());
        const auto pulled = b.sync();
        step("tablet B syncs: %s event(s) pulled%s", std::to_string(pulled.pulled),
             pulled.ok() ? std::string() : " with error: " + pulled.error);
        const auto onA = a.form(key);
        const auto onB = b.form(key);
        step("tablet B shows SOFA D0 for %s: %s", subject, describeScores(onB));
        bool same = onA.size() == onB.size() && !onA.empty();
        for (const auto& [item, v] : onA)
            same = same && onB.count(item) && onB.at(item).value == v.value && onB.at(item).unit == v.unit;
        step(same ? "tablets A and B hold the same %s value(s), units included: converged"
                  : "tablets A and B differ (%s values on A): NOT converged",
             std::to_string(onA.size()));
        if (!same || !pulled.ok())
            rc = 1;
    } else {
        rc = 1;
    }

    gateway.terminate();
    gateway.waitForFinished(10000);
    std::printf("\n%s. Tablet databases: %s/{A,B}/crf.db\n", rc == 0 ? "Done" : "FAILED", qPrintable(o.tabletsDir));
    return rc;
}

} // namespace crf::tools
