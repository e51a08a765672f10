#include "app_core.h"

#include "trial/bedside_trial.h"

#include "crypto.h"
#include "password.h"

#include <QDir>
#include <QMetaObject>
#include <QPointer>
#include <utility>

namespace crf::app {

/// Owns the TabletStore; lives on the storage thread (the only thread that touches the database).
class StoreWorker : public QObject {
public:
    std::unique_ptr<platform::KeyStore> keys;
    std::unique_ptr<store::TabletStore> store;
};

/// Owns the gRPC client; lives on the sync thread.
class SyncWorker : public QObject {
public:
    std::unique_ptr<sync::SyncClient> client;
    sync::SyncClient& ensureClient(const std::string& address, const std::string& rootCertPem)
    {
        if (!client || client->address() != address)
            client = std::make_unique<sync::SyncClient>(address, std::chrono::seconds(10),
                                                        sync::SyncClient::Transport{rootCertPem});
        return *client;
    }
};

AppCore::AppCore(AppConfig config, QObject* parent) : QObject(parent), m_config(std::move(config))
{
    if (m_config.definition)
        m_config.study = {m_config.definition->study_id(), m_config.definition->version()};
    if (!m_config.clock) {
        m_ownClock = std::make_unique<SystemClock>();
        m_config.clock = m_ownClock.get();
    }
    m_storeThread.setObjectName(QStringLiteral("crf-storage"));
    m_syncThread.setObjectName(QStringLiteral("crf-sync"));
    m_storeWorker = new StoreWorker;
    m_storeWorker->moveToThread(&m_storeThread);
    m_syncWorker = new SyncWorker;
    m_syncWorker->moveToThread(&m_syncThread);
    connect(&m_storeThread, &QThread::finished, m_storeWorker, &QObject::deleteLater);
    connect(&m_syncThread, &QThread::finished, m_syncWorker, &QObject::deleteLater);
    m_storeThread.start();
    m_syncThread.start();

    m_autoTimer.setSingleShot(true);
    connect(&m_autoTimer, &QTimer::timeout, this, &AppCore::syncNow);
    m_backoff = std::make_unique<Backoff>(m_config.autoSyncBaseMs, m_config.autoSyncCapMs, 0.2,
                                          m_config.jitterSeed ? m_config.jitterSeed : std::random_device{}());
    connect(this, &AppCore::syncFinished, this, &AppCore::onSyncFinished);
}

void AppCore::scheduleSync(int64_t delayMs)
{
    if (!m_config.autoSync)
        return;
    // Keep the sooner of the pending and the requested attempt.
    if (m_autoTimer.isActive() && m_autoTimer.remainingTime() <= delayMs)
        return;
    m_autoTimer.start(static_cast<int>(std::min<int64_t>(delayMs, INT32_MAX)));
}

void AppCore::onSyncFinished(const sync::SyncReport& report)
{
    if (!m_config.autoSync)
        return;
    if (std::exchange(m_urgentWaiting, false)) {
        m_autoTimer.stop();
        scheduleSync(0);
        return;
    }
    if (report.ok()) {
        m_backoff->reset();
        m_autoTimer.stop();
        scheduleSync(m_config.pollMs);
    } else {
        m_autoTimer.stop();
        scheduleSync(m_backoff->nextDelayMs());
    }
}

AppCore::~AppCore()
{
    // Sync first (it calls into the storage thread), then storage; each finishes its queued work.
    m_syncThread.quit();
    m_syncThread.wait();
    m_storeThread.quit();
    m_storeThread.wait();
}

QString AppCore::databasePath() const
{
    return QDir(m_config.dataDir).filePath(QStringLiteral("crf.db"));
}

template <typename R> void AppCore::onStore(std::function<R(store::TabletStore&)> fn, std::function<void(R)> done)
{
    StoreWorker* worker = m_storeWorker;
    QMetaObject::invokeMethod(
        worker,
        [this, worker, fn = std::move(fn), done = std::move(done)] {
            std::optional<R> result;
            if (!worker->store)
                result.emplace(Error{"tablet store", "the database is not open"});
            else
                result.emplace(fn(*worker->store));
            // Deliver on the AppCore's thread; dropped if the AppCore is gone.
            QMetaObject::invokeMethod(
                this, [done, r = std::move(*result)]() mutable { done(std::move(r)); }, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void AppCore::open(std::function<void(Status)> done)
{
    StoreWorker* worker = m_storeWorker;
    const AppConfig cfg = m_config;
    const std::string path = databasePath().toStdString();
    QMetaObject::invokeMethod(
        worker,
        [this, worker, cfg, path, done = std::move(done)] {
            Status status;
            if (!worker->keys)
                worker->keys = cfg.makeKeyStore ? cfg.makeKeyStore() : platform::makeDefaultKeyStore(cfg.dataDir);
            // One key per database file, so several tablets can share a machine (demo, simulator).
            const std::string keyName = "crf-db-" + toHex(sha256(path)).substr(0, 16);
            auto result = store::TabletStore::open(path, *worker->keys, keyName, *cfg.clock);
            if (result)
                worker->store = std::move(result).value();
            else
                status = result.error();
            QMetaObject::invokeMethod(
                this,
                [this, done, status] {
                    emit opened(status.ok(), status.ok() ? QString() : QString::fromStdString(status.error().text()));
                    done(status);
                    if (status.ok())
                        scheduleSync(m_config.autoSyncBaseMs / 4);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void AppCore::save(store::SaveRequest request, std::function<void(Result<store::SaveOutcome>)> done)
{
    const auto actor = m_config.actor;
    const auto study = m_config.study;
    onStore<Result<store::SaveOutcome>>(
        [request = std::move(request), actor, study,
         def = m_config.definition](store::TabletStore& s) -> Result<store::SaveOutcome> {
            // Consent rules first (CSP L1122-1-3): a decision must follow, stopped participation takes no new data.
            if (def)
                if (auto allowed = trial::checkSave(s, *def, request); !allowed)
                    return allowed.error();
            return s.save(request, actor, study);
        },
        [this, urgent = request.urgent, done = std::move(done)](Result<store::SaveOutcome> r) {
            const bool changed = r.ok() && r->deviceSeq != 0;
            done(std::move(r));
            afterSave(changed, urgent);
        });
}

void AppCore::afterSave(bool changed, bool urgent)
{
    if (!changed)
        return;
    emit dataChanged();
    if (!urgent) {
        scheduleSync(m_config.autoSyncBaseMs / 4); // send it soon, bundling a few quick saves
    } else if (m_syncing) {
        m_urgentWaiting = true; // the running pass may be past its pushes: go again as soon as it ends
    } else {
        scheduleSync(0); // a serious adverse event: now
    }
}

void AppCore::consentStatus(std::string subjectId, std::function<void(Result<trial::ConsentView>)> done)
{
    auto def = m_config.definition;
    onStore<Result<trial::ConsentView>>(
        [def, subjectId = std::move(subjectId)](store::TabletStore& s) -> Result<trial::ConsentView> {
            if (!def)
                return trial::ConsentView{};
            return trial::consentOf(s, *def, subjectId);
        },
        std::move(done));
}

void AppCore::consentWorklist(std::function<void(Result<v1::ConsentWorklistResponse>)> done)
{
    const std::string key = trial::worklistKey(m_config.study.studyId, m_config.actor.siteId);
    onStore<Result<v1::ConsentWorklistResponse>>(
        [key](store::TabletStore& s) { return trial::cachedMessage<v1::ConsentWorklistResponse>(s, key); },
        std::move(done));
}

void AppCore::proposeRandomization(std::string subjectId, std::function<void(Result<trial::Proposal>)> done)
{
    auto def = m_config.definition;
    const std::string site = m_config.actor.siteId;
    onStore<Result<trial::Proposal>>(
        [def, site, subjectId = std::move(subjectId)](store::TabletStore& s) -> Result<trial::Proposal> {
            if (!def)
                return Error{"randomization", "no study definition loaded"};
            return trial::propose(s, *def, site, subjectId);
        },
        std::move(done));
}

void AppCore::randomize(std::string subjectId, uint32_t confirmedNumber,
                        std::function<void(Result<RandomizeOutcome>)> done)
{
    auto def = m_config.definition;
    const auto actor = m_config.actor;
    const auto study = m_config.study;
    const std::string now = isoUtc(m_config.clock->nowMs());
    onStore<Result<RandomizeOutcome>>(
        [def, actor, study, now, confirmedNumber,
         subjectId = std::move(subjectId)](store::TabletStore& s) -> Result<RandomizeOutcome> {
            if (!def)
                return Error{"randomization", "no study definition loaded"};
            if (actor.role != "investigator")
                return Error{"randomization", "only an investigator randomizes (you are logged in as " +
                                                  (actor.role.empty() ? std::string("nobody") : actor.role) + ")"};
            auto prepared = trial::prepareRandomization(s, *def, actor.siteId, subjectId, confirmedNumber, now);
            if (!prepared)
                return prepared.error();
            if (auto allowed = trial::checkSave(s, *def, prepared->save); !allowed)
                return allowed.error();
            auto saved = s.save(prepared->save, actor, study);
            if (!saved)
                return saved.error();
            auto plan = trial::dosingPlan(s, *def, subjectId);
            if (!plan)
                return plan.error();
            return RandomizeOutcome{std::move(prepared).value(), saved.value(), std::move(plan).value()};
        },
        [this, done = std::move(done)](Result<RandomizeOutcome> r) {
            const bool changed = r.ok() && r->saved.deviceSeq != 0;
            done(std::move(r));
            afterSave(changed, false);
        });
}

void AppCore::casebook(std::string subjectId, std::function<void(Result<trial::CasebookView>)> done)
{
    auto def = m_config.definition;
    const std::string site = m_config.actor.siteId;
    onStore<Result<trial::CasebookView>>(
        [def, site, subjectId = std::move(subjectId)](store::TabletStore& s) -> Result<trial::CasebookView> {
            if (!def)
                return trial::CasebookView{};
            return trial::casebookOf(s, *def, subjectId, site);
        },
        std::move(done));
}

void AppCore::siteOverview(std::function<void(Result<std::vector<trial::SubjectOverview>>)> done)
{
    auto def = m_config.definition;
    const std::string site = m_config.actor.siteId;
    onStore<Result<std::vector<trial::SubjectOverview>>>(
        [def, site](store::TabletStore& s) -> Result<std::vector<trial::SubjectOverview>> {
            if (!def)
                return std::vector<trial::SubjectOverview>{};
            return trial::siteOverview(s, *def, site);
        },
        std::move(done));
}

void AppCore::dosingPlan(std::string subjectId, std::function<void(Result<trial::DosingPlan>)> done)
{
    auto def = m_config.definition;
    onStore<Result<trial::DosingPlan>>(
        [def, subjectId = std::move(subjectId)](store::TabletStore& s) -> Result<trial::DosingPlan> {
            if (!def)
                return trial::DosingPlan{};
            return trial::dosingPlan(s, *def, subjectId);
        },
        std::move(done));
}

void AppCore::keepTitration(std::string subjectId, std::string log, std::function<void(Status)> done)
{
    const std::string key = trial::titrationKey(m_config.study.studyId, subjectId);
    onStore<Status>([key, log = std::move(log)](store::TabletStore& s) { return s.putCached(key, log); },
                    std::move(done));
}

void AppCore::loadTitration(std::string subjectId, std::function<void(Result<std::string>)> done)
{
    const std::string key = trial::titrationKey(m_config.study.studyId, subjectId);
    onStore<Result<std::string>>([key](store::TabletStore& s) { return s.cached(key); }, std::move(done));
}

void AppCore::siteQueries(std::function<void(Result<trial::SiteQueries>)> done)
{
    const std::string study = m_config.study.studyId, site = m_config.actor.siteId;
    onStore<Result<trial::SiteQueries>>(
        [study, site](store::TabletStore& s) { return trial::siteQueries(s, study, site); }, std::move(done));
}

void AppCore::answerQuery(std::string queryId, std::string text, std::function<void(Result<v1::DataQuery>)> done)
{
    const std::string study = m_config.study.studyId, site = m_config.actor.siteId;
    const store::Actor actor = m_config.actor;
    const int64_t now = m_config.clock->nowMs();
    // Kept first (nothing typed at the bedside is lost), then offered to the gateway at once.
    onStore<Result<v1::DataQuery>>(
        [=](store::TabletStore& s) {
            return trial::queueAnswer(s, study, site, actor.userId, actor.role, queryId, text, now);
        },
        [this, study, site, queryId, text, done = std::move(done)](Result<v1::DataQuery> queued) {
            if (!queued) {
                done(std::move(queued));
                return;
            }
            v1::QueryActionRequest request;
            request.set_study_id(study);
            request.set_query_id(queryId);
            request.set_action("ANSWER");
            request.set_text(text);
            onGateway<std::optional<Result<v1::DataQuery>>>(
                [request](sync::SyncClient& client) -> std::optional<Result<v1::DataQuery>> {
                    // An offline login, or the gateway out of reach (known after one attempt): the next sync sends it.
                    if (!client.hasSession() || !client.reach("data query"))
                        return std::optional<Result<v1::DataQuery>>();
                    return std::optional(client.queryAction(request));
                },
                [this, study, site, queryId, local = queued.value(), done](std::optional<Result<v1::DataQuery>> sent) {
                    if (!sent || (!*sent && sync::transient(sent->error()))) {
                        done(local); // pending: the next sync sends it
                        return;
                    }
                    onStore<Status>(
                        [=, sent = *sent](store::TabletStore& s) {
                            return trial::settleAnswer(s, study, site, queryId, sent);
                        },
                        [sent = *sent, done](Status) { done(sent); });
                });
        });
}

void AppCore::unblind(std::string subjectId, std::string reason, std::function<void(Result<v1::UnblindResponse>)> done)
{
    const std::string procedure =
        m_config.definition ? m_config.definition->randomization().code_break_procedure() : std::string();
    v1::UnblindRequest request;
    request.set_study_id(m_config.study.studyId);
    request.set_subject_id(std::move(subjectId));
    request.set_reason(std::move(reason));
    onGateway<Result<v1::UnblindResponse>>(
        [request, procedure](sync::SyncClient& client) -> Result<v1::UnblindResponse> {
            if (!client.hasSession())
                return messageError("unblinding", QT_TRANSLATE_NOOP("Core", "not logged in online: %1"), {procedure});
            // The gateway out of reach is known after one connection attempt, not after a wait (an emergency).
            const Status reached = client.reach("unblinding");
            Result<v1::UnblindResponse> r =
                reached ? client.unblind(request) : Result<v1::UnblindResponse>(reached.error());
            // Unreachable: the site's written procedure is the way (the gateway never saw this request).
            if (!r && sync::notReached(r.error()))
                return messageError("unblinding", QT_TRANSLATE_NOOP("Core", "%1. %2"),
                                    {r.error().message(), procedure});
            return r;
        },
        std::move(done));
}

template <typename R> void AppCore::onGateway(std::function<R(sync::SyncClient&)> call, std::function<void(R)> done)
{
    SyncWorker* worker = m_syncWorker;
    const std::string address = m_config.gatewayAddress.toStdString();
    const std::string pem = m_config.gatewayRootCertPem;
    QPointer<AppCore> self(this);
    QMetaObject::invokeMethod(
        worker,
        [=, call = std::move(call), done = std::move(done)] {
            R r = call(worker->ensureClient(address, pem));
            QMetaObject::invokeMethod(
                self,
                [self, r = std::move(r), done] {
                    if (self)
                        done(r);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void AppCore::loadForm(store::FormKey form, std::function<void(Result<std::map<std::string, store::FieldValue>>)> done)
{
    onStore<Result<std::map<std::string, store::FieldValue>>>(
        [form = std::move(form)](store::TabletStore& s) { return s.formValues(form); }, std::move(done));
}

void AppCore::setRecordStatus(store::FormKey form, std::string status, std::string reasonCode, std::string reasonText,
                              std::function<void(Result<store::SaveOutcome>)> done)
{
    store::SaveRequest r;
    r.form = std::move(form);
    r.recordStatus = std::move(status);
    r.reasonCode = std::move(reasonCode);
    r.reasonText = std::move(reasonText);
    save(std::move(r), std::move(done));
}

void AppCore::loadRecordStatus(store::FormKey form, std::function<void(Result<std::string>)> done)
{
    onStore<Result<std::string>>([form = std::move(form)](store::TabletStore& s) { return s.recordStatus(form); },
                                 std::move(done));
}

void AppCore::loadSubjects(std::function<void(Result<std::vector<store::Subject>>)> done)
{
    onStore<Result<std::vector<store::Subject>>>([](store::TabletStore& s) { return s.subjects(); }, std::move(done));
}

void AppCore::addPhoto(std::string bytes, std::function<void(Result<std::string>)> done)
{
    const size_t limit = m_config.maxPhotoBytes;
    onStore<Result<std::string>>(
        [bytes = std::move(bytes), limit](store::TabletStore& s) { return s.addPhoto(bytes, limit); }, std::move(done));
}

namespace {
/// A password checked on the tablet alone: right, or wrong with what the next wrong ones cost
/// (OfflineAttempts::afterWrong).
struct OfflineCheck {
    bool right = false;
    Message next;
    /// `wrong` ("the password is wrong") followed by what comes next, if anything.
    Message refusal(Message wrong) const
    {
        return next.empty() ? wrong : message(QT_TRANSLATE_NOOP("Core", "%1. %2"), {std::move(wrong), next});
    }
};

/// `password` checked against the verifier this tablet keeps for `user`, within its limit on wrong passwords
/// (password::OfflineAttempts, docs/security.md "Tablet"): an error, without checking it, while the next attempt must
/// wait or only an online login is left; wrong (counted, with what the next wrong ones cost); right (the count
/// cleared).
Result<OfflineCheck> checkOfflinePassword(store::TabletStore& s, const store::LocalUser& user,
                                          std::string_view password, int64_t nowMs)
{
    auto attempts = s.offlineAttempts(user.userId);
    if (!attempts)
        return attempts.error();
    if (attempts->onlineOnly())
        return messageError("password",
                            QT_TRANSLATE_NOOP("Core", "too many wrong passwords on this tablet: %1 can "
                                                      "only log in online now (with the network)"),
                            {Message(user.userId)});
    if (const int64_t wait = attempts->waitMs(nowMs); wait > 0) {
        if (wait <= 90'000)
            return messageError("password",
                                QT_TRANSLATE_NOOP("Core", "too many wrong passwords on this tablet: try again in %1 s"),
                                {Message(std::to_string((wait + 999) / 1000))});
        return messageError("password",
                            QT_TRANSLATE_NOOP("Core", "too many wrong passwords on this tablet: try again in %1 min"),
                            {Message(std::to_string((wait + 59'999) / 60'000))});
    }
    const bool right = password::verify(user.verifier, password);
    if (right && attempts->failures == 0)
        return OfflineCheck{true, {}};
    const password::OfflineAttempts after = right ? password::OfflineAttempts{} : attempts->failedAt(nowMs);
    const Status kept = s.setOfflineAttempts(user.userId, after);
    if (!kept && !right)
        return kept.error(); // a wrong password that cannot be counted is not answered: the limit holds on a full disk
    if (right)
        return OfflineCheck{true, {}}; // accepted even if its clearing could not be written
    return OfflineCheck{false, after.afterWrong()};
}

std::string draftKey(const std::string& user, const store::FormKey& f)
{
    return "draft/" + user + "/" + f.subjectId + "/" + f.visitOid + "/" + f.formOid + "/" + std::to_string(f.repeat);
}
} // namespace

void AppCore::keepDraft(store::FormKey form, std::string bytes, std::function<void(Status)> done)
{
    const std::string key = draftKey(m_config.actor.userId, form);
    onStore<Status>([key, bytes = std::move(bytes)](
                        store::TabletStore& s) { return bytes.empty() ? s.dropCached(key) : s.putCached(key, bytes); },
                    [done = std::move(done)](Status st) {
                        if (done)
                            done(st);
                    });
}

void AppCore::loadDraft(store::FormKey form, std::function<void(Result<std::string>)> done)
{
    const std::string key = draftKey(m_config.actor.userId, form);
    onStore<Result<std::string>>([key](store::TabletStore& s) { return s.cached(key); }, std::move(done));
}

void AppCore::loadPhoto(std::string digest, std::function<void(Result<std::string>)> done)
{
    const auto limit = static_cast<uint32_t>(m_config.maxPhotoBytes);
    onStore<Result<std::string>>(
        [digest = std::move(digest), limit](store::TabletStore& s) { return s.photoChunk(digest, 0, limit); },
        std::move(done));
}

void AppCore::loadSyncState(std::function<void(Result<store::SyncState>)> done)
{
    onStore<Result<store::SyncState>>([](store::TabletStore& s) { return s.syncState(); }, std::move(done));
}

void AppCore::syncNow()
{
    if (m_syncing)
        return;
    m_syncing = true;
    emit syncStarted();
    SyncWorker* worker = m_syncWorker;
    StoreWorker* storeWorker = m_storeWorker;
    const std::string address = m_config.gatewayAddress.toStdString();
    const std::string studyId = m_config.study.studyId;
    const Clock* clock = m_config.clock;
    const std::string pem = m_config.gatewayRootCertPem;
    const bool refreshTrial =
        m_config.definition && (m_config.definition->has_consent() || m_config.definition->has_randomization());
    QMetaObject::invokeMethod(
        worker,
        [this, worker, storeWorker, address, studyId, clock, pem, refreshTrial] {
            worker->ensureClient(address, pem);
            // The engine reaches the database only through the storage thread (blocking this worker, never the UI).
            sync::StoreExecutor onStore = [storeWorker](const std::function<void(store::TabletStore&)>& fn) {
                QMetaObject::invokeMethod(
                    storeWorker,
                    [&] {
                        if (storeWorker->store)
                            fn(*storeWorker->store);
                    },
                    Qt::BlockingQueuedConnection);
            };
            sync::SyncEngine engine(onStore, *worker->client, *clock, studyId);
            engine.setRefreshTrial(refreshTrial);
            const sync::SyncReport report = engine.run([this](int done, int total) {
                QMetaObject::invokeMethod(
                    this, [this, done, total] { emit syncProgress(done, total); }, Qt::QueuedConnection);
            });
            QMetaObject::invokeMethod(
                this,
                [this, report] {
                    m_syncing = false;
                    emit syncFinished(report);
                    if (report.pulled > 0 || report.pushed > 0)
                        emit dataChanged();
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void AppCore::login(std::string userId, std::string password, std::function<void(Result<LoginInfo>)> done)
{
    SyncWorker* worker = m_syncWorker;
    StoreWorker* storeWorker = m_storeWorker;
    const std::string address = m_config.gatewayAddress.toStdString();
    const std::string pem = m_config.gatewayRootCertPem;
    const std::string studyId = m_config.study.studyId;
    const Clock* clock = m_config.clock;
    QPointer<AppCore> self(this);
    QMetaObject::invokeMethod(
        worker,
        [=, userId = std::move(userId), password = std::move(password)]() mutable {
            auto onStore = [storeWorker](const std::function<void(store::TabletStore&)>& fn) {
                QMetaObject::invokeMethod(
                    storeWorker,
                    [&] {
                        if (storeWorker->store)
                            fn(*storeWorker->store);
                    },
                    Qt::BlockingQueuedConnection);
            };
            Result<LoginInfo> outcome = [&]() -> Result<LoginInfo> {
                std::string deviceId;
                Result<std::string> secret = Error{"login", "the tablet's store is not open"};
                Result<std::string> enrol = std::string();
                uint32_t offlineFailures = 0;
                onStore([&](store::TabletStore& s) {
                    deviceId = s.deviceId();
                    secret = s.deviceSecret();
                    if (auto attempts = s.offlineAttempts(userId))
                        offlineFailures = attempts->failures; // reported with the login, then cleared
                    if (secret && secret->empty())
                        enrol = s.enrolmentSecret(); // kept before asking: a lost enrolment answer is retried
                });
                if (!secret)
                    return secret.error();
                if (!enrol)
                    return enrol.error();
                auto& client = worker->ensureClient(address, pem);
                v1::LoginRequest request;
                request.set_user_id(userId);
                request.set_password(password);
                request.set_device_id(deviceId);
                request.set_device_secret(secret.value());
                request.set_enrol_secret(enrol.value());
                request.set_offline_failures(offlineFailures);
                auto online = client.login(request);
                if (online) {
                    const v1::Grant* grant = nullptr;
                    for (const auto& g : online->grants())
                        if (!grant && g.study_id() == studyId && g.site_id() != "*")
                            grant = &g;
                    if (!grant) {
                        client.logout();
                        return messageError(
                            "login",
                            QT_TRANSLATE_NOOP("Core", "you hold no role at a site of %1 (ask the administrator)"),
                            {studyId});
                    }
                    auto verifier = password::hash(password);
                    if (!verifier)
                        return verifier.error();
                    client.setSession(online->token(), grant->site_id());
                    const store::LocalUser local{
                        userId,           online->printed_name(), verifier.value(),        grant->role(),
                        grant->site_id(), online->token(),        online->expires_at_ms(), clock->nowMs()};
                    Status kept = Error{"login", "the tablet's store is not open"};
                    onStore([&](store::TabletStore& s) { kept = s.rememberLogin(local, online->device_secret()); });
                    if (!kept)
                        return kept.error();
                    return LoginInfo{userId, online->printed_name(), grant->role(), grant->site_id(), true, true};
                }
                if (!sync::notReached(online.error()))
                    return online.error(); // refused by the gateway: wrong password, locked, revoked device...
                // The gateway is out of reach: a user who logged in online here before may work offline.
                Result<std::optional<store::LocalUser>> local = Error{"login", "the tablet's store is not open"};
                onStore([&](store::TabletStore& s) { local = s.localUser(userId); });
                if (!local)
                    return local.error();
                Result<OfflineCheck> right = OfflineCheck{};
                if (local.value())
                    onStore([&](store::TabletStore& s) {
                        right = checkOfflinePassword(s, *local.value(), password, clock->nowMs());
                    });
                if (!right)
                    return messageError("login", right.error().message());
                if (!right->right)
                    return messageError(
                        "login", right->refusal(message(QT_TRANSLATE_NOOP("Core", "offline: user id or password is "
                                                                                  "wrong, or this user never logged "
                                                                                  "in online on this tablet (%1)"),
                                                        {online.error().message()})));
                const auto& u = *local.value();
                const bool canSync = u.tokenExpiresMs > clock->nowMs();
                if (canSync)
                    client.setSession(u.token, u.siteId);
                return LoginInfo{u.userId, u.printedName, u.role, u.siteId, false, canSync};
            }();
            secureWipe(password.data(), password.size());
            QMetaObject::invokeMethod(
                self,
                [self, outcome, done] {
                    if (outcome)
                        self->m_config.actor = {outcome->userId, outcome->role, outcome->siteId};
                    done(outcome);
                    if (outcome && self)
                        emit self->actorChanged();
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void AppCore::sign(store::FormKey form, bool casebook, std::string meaning, std::string password,
                   std::function<void(Result<store::SaveOutcome>)> done)
{
    const store::Actor actor = m_config.actor;
    const store::StudyContext study = m_config.study;
    const Clock* clock = m_config.clock;
    onStore<Result<store::SaveOutcome>>(
        [=, password = std::move(password)](store::TabletStore& s) mutable -> Result<store::SaveOutcome> {
            auto local = s.localUser(actor.userId);
            const bool known = local && local.value();
            const Result<OfflineCheck> match =
                known ? checkOfflinePassword(s, *local.value(), password, clock->nowMs()) : OfflineCheck{};
            secureWipe(password.data(), password.size());
            if (!known)
                return messageError("signature", QT_TRANSLATE_NOOP("Core", "log in online on this tablet first"));
            if (!match)
                return messageError("signature", match.error().message());
            if (!match->right)
                return messageError("signature", match->refusal(message(
                                                     QT_TRANSLATE_NOOP("Core", "the password is wrong: not signed"))));
            if (actor.role != "investigator")
                return messageError("signature",
                                    QT_TRANSLATE_NOOP("Core", "only an investigator signs (you are logged in as %1)"),
                                    {Message(actor.role)});
            return s.sign(form, casebook, meaning, local.value()->printedName, actor, study);
        },
        [this, done = std::move(done)](Result<store::SaveOutcome> r) {
            if (r)
                scheduleSync(0);
            done(std::move(r));
        });
}

void AppCore::loadSignatures(std::string subjectId,
                             std::function<void(Result<std::vector<store::SignatureState>>)> done)
{
    onStore<Result<std::vector<store::SignatureState>>>(
        [subjectId = std::move(subjectId)](store::TabletStore& s) { return s.signatures(subjectId); }, std::move(done));
}

void AppCore::setUnkeptInput(const QObject* form, bool unkept)
{
    const bool changed = unkept ? m_unkeptInput.insert(form).second : m_unkeptInput.erase(form) > 0;
    if (changed)
        emit unkeptInputChanged();
}

void AppCore::verifyPassword(std::string password, std::function<void(Status)> done)
{
    const std::string userId = m_config.actor.userId;
    const Clock* clock = m_config.clock;
    onStore<Status>(
        [userId, clock, password = std::move(password)](store::TabletStore& s) mutable -> Status {
            auto local = s.localUser(userId);
            const Result<OfflineCheck> right = local && local.value()
                                                   ? checkOfflinePassword(s, *local.value(), password, clock->nowMs())
                                                   : OfflineCheck{};
            secureWipe(password.data(), password.size());
            if (!right)
                return right.error();
            if (!right->right)
                return messageError("password",
                                    right->refusal(message(QT_TRANSLATE_NOOP("Core", "the password is wrong"))));
            return {};
        },
        std::move(done));
}

void AppCore::logout()
{
    m_config.actor = {};
    SyncWorker* worker = m_syncWorker;
    QMetaObject::invokeMethod(
        worker,
        [worker] {
            if (worker->client)
                worker->client->setSession({}, {}); // the gateway session stays until it expires; this tablet drops it
        },
        Qt::QueuedConnection);
}

} // namespace crf::app
