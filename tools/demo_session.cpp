#include "demo_session.h"

#include "app_core.h"
#include "clock.h"
#include "consent.h"
#include "definition.h"
#include "dosing.h"
#include "form_engine.h"
#include "key_store.h"
#include "photo.h"
#include "sofa.h"
#include "sofa_items.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QProcess>
#include <QThread>
#include <cstdio>
#include <optional>
#include <random>

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

    int pendingPhotos()
    {
        auto st = await<Result<store::SyncState>>([&](auto d) { core->loadSyncState(d); });
        return st && st->ok() ? st->value().pendingPhotos : -1;
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

    app::trial::ConsentView consent(const std::string& subject)
    {
        auto r = await<Result<app::trial::ConsentView>>([&](auto d) { core->consentStatus(subject, d); });
        return r && r->ok() ? r->value() : app::trial::ConsentView{};
    }
    /// A consent decision in the next repeat of the consent form (docs/consent.md).
    Result<store::SaveOutcome> decide(const std::string& subject, const std::string& event,
                                      const std::string& decidedBy, int64_t atMs)
    {
        store::SaveRequest r;
        r.form = {subject, "SCREENING", "CONSENT", consent(subject).nextRepeat};
        r.values["CONSENT_EVENT"] = store::FieldValue{event, ""};
        if (!decidedBy.empty())
            r.values["DECIDED_BY"] = store::FieldValue{decidedBy, ""};
        r.values["DECISION_TIME"] = store::FieldValue{isoUtc(atMs), ""};
        r.values["OBTAINED_BY"] = store::FieldValue{"Dr Demo inv-01", ""};
        r.values["CONSENT_FORM_VERSION"] = store::FieldValue{"v2.1", ""};
        return save(std::move(r));
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

/// A sponsor-side user (data manager, statistician) logs in from a laptop, through the gateway's access control.
Result<v1::LoginResponse> deskLogin(sync::SyncClient& client, const std::map<std::string, std::string>& passwords,
                                    const std::string& user)
{
    v1::LoginRequest login;
    login.set_user_id(user);
    login.set_password(passwords.at(user));
    login.set_device_id("demo-desk-" + user + "-" + std::to_string(QDateTime::currentMSecsSinceEpoch()));
    return client.login(login);
}

/// A knee photographed at the bedside for the demo: skin, the kneecap, and mottled patches up to the middle of the
/// thigh (score 3 on the Ait-Oufella scale). Drawn, so the demo carries no picture of a person. JPEG bytes.
std::string kneePhotoJpeg(uint32_t seed)
{
    QImage image(960, 720, QImage::Format_RGB32);
    image.fill(QColor(0x3a, 0x44, 0x4e)); // the bed sheet
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0xe8, 0xb8, 0x9a));
    p.drawRoundedRect(QRectF(330, -40, 300, 800), 140, 140); // thigh above, leg below
    p.setBrush(QColor(0xf0, 0xc8, 0xae));
    p.drawEllipse(QRectF(410, 420, 140, 120)); // the kneecap
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> x(350, 610), y(180, 560), r(8, 26);
    p.setBrush(QColor(0x8e, 0x5a, 0x86, 150)); // violaceous patches, denser around the knee
    for (int i = 0; i < 160; ++i)
        p.drawEllipse(QPointF(x(rng), y(rng)), r(rng), r(rng) * 0.6);
    p.end();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "JPEG", 85);
    return bytes.toStdString();
}

/// The knee photo of D1 travels from tablet A to the gateway; the central assessor scores it behind a random code and
/// the data manager's report compares the site and central scores (docs/sponsor.md "Central mottling assessment").
bool centralReview(DemoTablet& a, const std::string& subject, const std::string& address, const std::string& rootPem,
                   const std::string& studyId, const std::map<std::string, std::string>& passwords)
{
    const std::string jpeg = kneePhotoJpeg(7);
    auto digest = await<Result<std::string>>([&](auto d) { a.core->addPhoto(jpeg, d); });
    if (!digest || !*digest) {
        step("the knee photo was refused: %s", digest ? (*digest).error().text() : std::string("timed out"));
        return false;
    }
    store::SaveRequest mottling;
    mottling.form = {subject, "D1", "MOTTLING", 0};
    mottling.values["MOTTLING_SCORE"] = store::FieldValue{"3", ""};
    mottling.values["KNEE_PHOTO"] = store::FieldValue{(*digest).value(), ""};
    mottling.values["MOTTLING_TIME"] = store::FieldValue{isoUtc(QDateTime::currentMSecsSinceEpoch()), ""};
    if (auto r = a.save(mottling); !r) {
        step("the mottling form was refused: %s", r.error().text());
        return false;
    }
    // A sync started by the save may already have taken the photo: what counts is that none is left pending.
    for (int pass = 0; pass < 3 && a.pendingPhotos() != 0; ++pass)
        a.sync();
    const int left = a.pendingPhotos();
    step("tablet A photographs the knees on D1 (kept in the encrypted store only, site score 3) and syncs: %s",
         left == 0 ? std::string("the photo is verified at the gateway by its SHA-256, none pending")
                   : std::to_string(left) + " photo(s) still pending");
    if (left != 0)
        return false;
    if (!passwords.count("central")) {
        step("the demo credentials hold no central assessor (crfctl dev-seed makes one)");
        return false;
    }
    sync::SyncClient assessor(address, std::chrono::seconds(10), {rootPem});
    if (auto in = deskLogin(assessor, passwords, "central"); !in) {
        step("the central assessor cannot log in: %s", in.error().text());
        return false;
    }
    v1::ReviewQueueRequest q;
    q.set_study_id(studyId);
    auto queue = assessor.reviewQueue(q);
    if (!queue || queue->items_size() == 0) {
        step("the central review queue is empty: %s", queue ? std::string("no photo") : queue.error().text());
        return false;
    }
    const std::string code = queue->items(0).code();
    v1::ReviewPhotoRequest look;
    look.set_study_id(studyId);
    look.set_code(code);
    auto seen = assessor.reviewPhoto(look);
    v1::SubmitScoreRequest score;
    score.set_study_id(studyId);
    score.set_code(code);
    score.set_score(3);
    auto scored = seen ? assessor.submitScore(score) : Result<v1::SubmitScoreResponse>(seen.error());
    if (!scored) {
        step("central scoring failed: %s", scored.error().text());
        return false;
    }
    const bool same = photo::digestHex(seen->jpeg()) == (*digest).value();
    step("the central assessor (crf-review) sees photo %s and nothing else (subject, site, visit, arm masked); the "
         "bytes are the tablet's: %s; scores 3",
         code, same ? "yes" : "NO");
    sync::SyncClient dm(address, std::chrono::seconds(10), {rootPem});
    v1::ReviewReportRequest rq;
    rq.set_study_id(studyId);
    auto report =
        deskLogin(dm, passwords, "dm") ? dm.reviewReport(rq) : Result<v1::ReviewReportResponse>(Error{"dm", "login"});
    if (!report) {
        step("the site-versus-central report failed: %s", report.error().text());
        return false;
    }
    step("the data manager's site-versus-central report: %s photo(s) scored by both, %s exact agreement(s)",
         std::to_string(report->pairs()), std::to_string(report->exact_agreement()));
    return same && report->pairs() >= 1;
}

/// The sponsor's data manager loads site 01's treatment boxes 1..count; the unblinded statistician loads the box ->
/// arm list (fixed blocks of four, for the demo only). Both through the gateway's access control, over TLS.
bool prepareRandomization(const std::string& address, const std::string& rootPem, const std::string& studyId,
                          const std::map<std::string, std::string>& passwords, uint32_t count)
{
    if (!passwords.count("dm") || !passwords.count("stat")) {
        step("the demo credentials hold no dm / stat users (crfctl dev-seed makes them)");
        return false;
    }
    sync::SyncClient dm(address, std::chrono::seconds(10), {rootPem});
    if (auto in = deskLogin(dm, passwords, "dm"); !in) {
        step("dm cannot log in: %s", in.error().text());
        return false;
    }
    v1::LoadInventoryRequest boxes;
    boxes.set_study_id(studyId);
    boxes.set_site_id("01");
    for (uint32_t n = 1; n <= count; ++n)
        boxes.add_numbers(n);
    auto loaded = dm.loadInventory(boxes);
    if (!loaded) {
        step("loading the boxes failed: %s", loaded.error().text());
        return false;
    }
    step("the sponsor's data manager (dm) ships treatment boxes to site 01: %s available",
         std::to_string(loaded->available()));
    sync::SyncClient stat(address, std::chrono::seconds(10), {rootPem});
    if (auto in = deskLogin(stat, passwords, "stat"); !in) {
        step("stat cannot log in: %s", in.error().text());
        return false;
    }
    v1::LoadAllocationRequest list;
    list.set_study_id(studyId);
    const char* block[] = {"ILOPROST", "PLACEBO", "PLACEBO", "ILOPROST"};
    for (uint32_t n = 1; n <= count; ++n) {
        auto* e = list.add_entries();
        e->set_number(n);
        e->set_arm(block[(n - 1) % 4]);
    }
    auto allocated = stat.loadAllocation(list);
    if (!allocated) {
        step("loading the allocation list failed: %s", allocated.error().text());
        return false;
    }
    step("the unblinded statistician (stat) loads the box -> arm list into the gateway's unblinded store (%s new)",
         std::to_string(allocated->loaded()));
    return true;
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
    // The next free subject number, so the demo can run again on the same folders.
    const auto existing = a.subjects();
    char subject[16];
    std::snprintf(subject, sizeof subject, "01-%03zu", existing.size() + 1);
    if (!prepareRandomization(o.listen.toStdString(), rootPem, definition->study_id(), passwords,
                              static_cast<uint32_t>(existing.size()) + 4)) {
        gateway.terminate();
        gateway.waitForFinished(10000);
        return 1;
    }
    {
        a.core->logout();
        const auto in = a.login("inv-01", passwords.at("inv-01"));
        const auto synced = a.sync();
        step("inv-01 takes over tablet A (%s) and syncs: the site's boxes are now on the tablet for offline use",
             in ? "online as " + in->role : in.error().text(), std::string());
        if (!in || !synced.ok()) {
            gateway.terminate();
            gateway.waitForFinished(10000);
            return 1;
        }
    }
    gateway.terminate();
    gateway.waitForFinished(10000);
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
    const int64_t inclusionMs = QDateTime::currentMSecsSinceEpoch();
    if (auto r = a.decide(subject, "INCLUDED_EMERGENCY", "", inclusionMs); !r) {
        step("emergency inclusion refused: %s", r.error().text());
        return 1;
    }
    step("no relative can be reached: inv-01 records an emergency inclusion (CSP L1122-1-3); consent status: %s",
         std::string(consent::stateLabel(a.consent(subject).state)));

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

    store::SaveRequest demog;
    demog.form = {subject, "D0", "DEMOG", 0};
    demog.values["AGE"] = store::FieldValue{"67", "years"};
    demog.values["SEX"] = store::FieldValue{"M", ""};
    demog.values["HEIGHT"] = store::FieldValue{"172", "cm"};
    demog.values["WEIGHT"] = store::FieldValue{"81", "kg"};
    if (auto r = a.save(demog); !r) {
        step("demographics refused: %s", r.error().text());
        return 1;
    }
    {
        auto proposal = await<Result<app::trial::Proposal>>([&](auto d) { a.core->proposeRandomization(subject, d); });
        if (!proposal || !proposal->ok() || proposal->value().number == 0) {
            step("no box to propose: %s", proposal && proposal->ok() ? proposal->value().note.text : "error");
            return 1;
        }
        const uint32_t box = proposal->value().number;
        step("offline randomization: tablet A says \"%s\"", proposal->value().note.text);
        auto done = await<Result<app::RandomizeOutcome>>([&](auto d) { a.core->randomize(subject, box, d); });
        if (!done || !done->ok()) {
            step("randomization refused: %s", done ? done->error().text() : std::string("timed out"));
            return 1;
        }
        const auto& plan = done->value().plan;
        std::string rates;
        for (const auto& [dose, rate] : plan.steps) {
            char one[64];
            std::snprintf(one, sizeof one, "%s%.1f ng/kg/min %.2f mL/h", rates.empty() ? "" : ", ", dose,
                          dosing::roundTo(rate, 2));
            rates += one;
        }
        char ibw[32];
        std::snprintf(ibw, sizeof ibw, "%.1f", dosing::roundTo(plan.ibwKg, 1));
        step("inv-01 confirms box %s: randomized offline (the arm stays hidden); dosing plan: IBW %s kg",
             std::to_string(box), ibw);
        step("  rates, the same whatever the arm: %s; up one step every 30 min, down every 15 min on hypotension",
             rates);
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
    step("tablet A tries to sync: %s",
         offline.ok() ? std::string("unexpectedly reached a gateway") : offline.error.text);
    step("tablet A keeps %s change(s) pending, nothing lost", std::to_string(a.pending()));

    if (!startGateway()) {
        step("cannot restart the gateway %s", o.gatewayBinary.toStdString());
        return 1;
    }
    step("the network is back and the gateway answers again");

    const auto online = a.sync();
    int rc = 0;
    if (!online.ok()) {
        step("tablet A sync failed: %s", online.error.text);
        rc = 1;
    } else {
        step("tablet A reconnects and syncs: %s change(s) acknowledged after the gateway's commit, %s pending",
             std::to_string(online.pushed), std::to_string(a.pending()));
    }
    if (rc == 0) {
        auto list = await<Result<v1::ConsentWorklistResponse>>([&](auto d) { a.core->consentWorklist(d); });
        std::string label;
        if (list && list->ok())
            for (const auto& e : list->value().entries())
                if (e.subject_id() == subject)
                    label = e.state_label() + ", next reminder " + isoUtc(e.next_reminder_ms());
        if (label.empty()) {
            step("subject %s is NOT on the site's consent worklist", subject);
            rc = 1;
        } else {
            step("the gateway's consent worklist for site 01, now on tablet A: %s (%s)", subject, label);
        }
    }

    DemoTablet b(QDir(o.tabletsDir).filePath(QStringLiteral("B")), o.listen, rootPem, definition);
    if (rc == 0 && b.open()) {
        const auto in = b.login("inv-01", passwords.at("inv-01"));
        step("inv-01 logs in on tablet B: %s", in ? "online as " + in->role : in.error().text());
        const auto pulled = b.sync();
        step("tablet B syncs: %s event(s) pulled%s", std::to_string(pulled.pulled),
             pulled.ok() ? std::string() : " with error: " + pulled.error.text);
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
        // Later, the patient regains capacity: the decision is recorded on the other tablet.
        if (auto r = b.decide(subject, "PATIENT_CONSENTS", "PATIENT", QDateTime::currentMSecsSinceEpoch()); !r) {
            step("delayed consent refused: %s", r.error().text());
            rc = 1;
        } else {
            const auto sent = b.sync();
            a.sync();
            const auto onA = a.consent(subject).state;
            step("the patient regains capacity and consents to continue: recorded on tablet B (%s); tablet A shows: %s",
                 sent.rejected == 0 && sent.ok() ? std::string("accepted by the gateway") : std::string("NOT accepted"),
                 std::string(consent::stateLabel(onA)));
            if (sent.rejected != 0 || onA != consent::State::Consented)
                rc = 1;
        }
        // The data desk asks about a value; tablet A receives the query with its next sync and the site answers it
        // from the form page (kept on the tablet until the gateway has it).
        sync::SyncClient desk(o.listen.toStdString(), std::chrono::seconds(10), {rootPem});
        v1::OpenQueryRequest ask;
        ask.set_study_id(definition->study_id());
        ask.mutable_form()->set_subject_id(subject);
        ask.mutable_form()->set_visit_oid("D0");
        ask.mutable_form()->set_form_oid("SOFA");
        ask.set_item_oid("PLATELETS");
        ask.set_text("Platelets on D0: please confirm against the lab report");
        auto asked =
            deskLogin(desk, passwords, "dm") ? desk.openQuery(ask) : Result<v1::DataQuery>(Error{"dm", "login"});
        a.sync();
        auto cached = await<Result<app::trial::SiteQueries>>([&](auto d) { a.core->siteQueries(d); });
        const bool received = asked && cached && *cached && (*cached)->list.queries_size() > 0;
        step("the data manager asks about PLATELETS on D0 (query %s); tablet A %s",
             asked ? asked->id() : asked.error().text(),
             received ? std::string("shows it on the SOFA form after its sync") : std::string("did NOT receive it"));
        if (!received)
            rc = 1;
        if (!centralReview(a, subject, o.listen.toStdString(), rootPem, definition->study_id(), passwords))
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
