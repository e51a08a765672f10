// AppCore: the tablet's services wired on their threads (storage thread owns the database, sync worker owns gRPC).
#pragma once

#include "backoff.h"
#include "crf/v1/study.pb.h"
#include "photo.h"
#include "sync_engine.h"
#include "tablet_store.h"
#include "trial/bedside_trial.h"

#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>
#include <functional>
#include <memory>
#include <set>

namespace crf::app {

struct AppConfig {
    QString dataDir;                // holds crf.db (and the development key file when no keychain answers)
    QString gatewayAddress;         // host:port
    std::string gatewayRootCertPem; // TLS: the gateway's certificate or CA (PEM); empty: plaintext (loopback dev)
    store::Actor actor;
    /// The study definition in force; when set, `study` (id and version stamped on every event) is taken from it.
    std::shared_ptr<const v1::StudyDefinition> definition;
    store::StudyContext study;
    const Clock* clock = nullptr; // defaults to the system clock
    /// Key store factory; defaults to platform::makeDefaultKeyStore(dataDir). Runs on the storage thread.
    std::function<std::unique_ptr<platform::KeyStore>()> makeKeyStore;
    /// Sync by itself: soon after each save, on failure again after a growing delay with jitter (so the tablet
    /// catches up as soon as the gateway is reachable), and every `pollMs` to pull others' changes.
    bool autoSync = false;
    int64_t autoSyncBaseMs = 2000;
    int64_t autoSyncCapMs = 5 * 60 * 1000;
    int64_t pollMs = 60 * 1000;
    uint32_t jitterSeed = 0; // 0: from the OS
    /// Photos above this size are refused with a clear message (issue: configurable limit).
    size_t maxPhotoBytes = photo::kDefaultMaxBytes;
};

/// Who is logged in on the tablet, and how.
struct LoginInfo {
    std::string userId, printedName, role, siteId;
    bool online = false;  // checked by the gateway now (false: offline, against this tablet's verifier)
    bool canSync = false; // a session the gateway will accept is at hand
};

/// A randomization saved on this tablet, with the dosing plan to show at once.
struct RandomizeOutcome {
    trial::Randomization randomization;
    store::SaveOutcome saved;
    trial::DosingPlan plan;
};

class StoreWorker;
class SyncWorker;

/// Facade used by controllers, the headless demo and tests. Lives on the creating (UI) thread and never blocks it:
/// every call is posted to the storage or sync thread and its result delivered back through `done` on this thread.
class AppCore : public QObject {
    Q_OBJECT
public:
    explicit AppCore(AppConfig config, QObject* parent = nullptr);
    ~AppCore() override;

    const AppConfig& config() const { return m_config; }
    QString databasePath() const;

    void open(std::function<void(Status)> done);
    void save(store::SaveRequest request, std::function<void(Result<store::SaveOutcome>)> done);
    void loadForm(store::FormKey form, std::function<void(Result<std::map<std::string, store::FieldValue>>)> done);
    void setRecordStatus(store::FormKey form, std::string status, std::string reasonCode, std::string reasonText,
                         std::function<void(Result<store::SaveOutcome>)> done);
    void loadRecordStatus(store::FormKey form, std::function<void(Result<std::string>)> done);
    void loadSubjects(std::function<void(Result<std::vector<store::Subject>>)> done);
    /// Keeps a photo (JPEG/PNG bytes, from the camera or a file) inside the encrypted store, metadata stripped, and
    /// answers its SHA-256 digest: the value of a photo item. Never a clear file (docs/sync.md "Photos").
    void addPhoto(std::string bytes, std::function<void(Result<std::string>)> done);
    /// Unsaved input of a form (a draft), per logged-in user, in the encrypted store: a crash, a lock or leaving the
    /// page loses nothing typed. `bytes` empty drops it (after a save, or when the input is discarded).
    void keepDraft(store::FormKey form, std::string bytes, std::function<void(Status)> done = {});
    /// The logged-in user's draft of a form ("" when none).
    void loadDraft(store::FormKey form, std::function<void(Result<std::string>)> done);
    /// A photo of this tablet's store, whole, for display in memory (an error when it is only at the gateway).
    void loadPhoto(std::string digest, std::function<void(Result<std::string>)> done);
    void loadSyncState(std::function<void(Result<store::SyncState>)> done);
    /// Logs in: online against the gateway when it answers (the device enrols on its first login; the user's
    /// offline verifier and session are kept in the encrypted store), otherwise offline for a user who logged in
    /// online on this tablet before. On success the user and role are stamped on every later save.
    void login(std::string userId, std::string password, std::function<void(Result<LoginInfo>)> done);
    /// Electronic signature by the logged-in investigator: the password is entered again and checked against this
    /// tablet's verifier (21 CFR 11.200(a)(1)), then the form (or, with `casebook`, the subject's casebook) is signed
    /// with the printed name, UTC time and `meaning` (11.50) and the hash of what is signed (11.70).
    void sign(store::FormKey form, bool casebook, std::string meaning, std::string password,
              std::function<void(Result<store::SaveOutcome>)> done);
    /// Checks the logged-in user's password against this tablet's verifier (unlocking an idle-locked screen), within
    /// the limit on wrong passwords checked offline; the error says why it was refused (wrong, or wait).
    void verifyPassword(std::string password, std::function<void(Status)> done);
    /// Ends the session on this tablet (user switch): the next user logs in; nothing saved is touched.
    void logout();
    void loadSignatures(std::string subjectId, std::function<void(Result<std::vector<store::SignatureState>>)> done);
    // Consent and randomization (docs/consent.md, docs/randomization.md); offline from this tablet's data.
    void consentStatus(std::string subjectId, std::function<void(Result<trial::ConsentView>)> done);
    /// The site's consent worklist as the gateway last sent it (empty before the first online sync).
    void consentWorklist(std::function<void(Result<v1::ConsentWorklistResponse>)> done);
    void proposeRandomization(std::string subjectId, std::function<void(Result<trial::Proposal>)> done);
    /// Randomizes with the number the investigator confirmed from the box: saved like any form (offline), checked by
    /// the gateway on sync. Answers with the dosing plan.
    void randomize(std::string subjectId, uint32_t confirmedNumber, std::function<void(Result<RandomizeOutcome>)> done);
    void dosingPlan(std::string subjectId, std::function<void(Result<trial::DosingPlan>)> done);
    /// The subject's titration log (titration::writeLog), kept in the encrypted store so the dose timer survives a
    /// restart or a lock of the tablet; loadTitration answers "" before the first step.
    void keepTitration(std::string subjectId, std::string log, std::function<void(Status)> done);
    void loadTitration(std::string subjectId, std::function<void(Result<std::string>)> done);
    /// The subject's casebook overview from this tablet's store (offline): per scheduled form its entries, how far
    /// filled, signed, conflicts, open queries, unsent changes; and D0 once randomized.
    void casebook(std::string subjectId, std::function<void(Result<trial::CasebookView>)> done);
    /// The site dashboard: every subject's casebook overview and consent state (offline, from this tablet's store).
    void siteOverview(std::function<void(Result<std::vector<trial::SubjectOverview>>)> done);
    /// The site's open data queries as the gateway last sent them (refreshed by every sync), with the answers given
    /// here and not yet sent applied, and the answers the gateway refused.
    void siteQueries(std::function<void(Result<trial::SiteQueries>)> done);
    /// Answers a data query, offline too: the answer is kept in the encrypted store and sent now when the gateway
    /// answers, else by the next sync (answer_pending until then). A changed value is saved as usual, with its reason.
    void answerQuery(std::string queryId, std::string text, std::function<void(Result<v1::DataQuery>)> done);
    /// Emergency unblinding, online only; offline the error carries the site's code-break procedure.
    void unblind(std::string subjectId, std::string reason, std::function<void(Result<v1::UnblindResponse>)> done);

    /// Starts a sync pass unless one is running; the outcome arrives through syncFinished.
    void syncNow();
    bool syncing() const { return m_syncing; }

    /// A form page tells whether its unsaved input could not be kept as a draft (the storage is full): that input is
    /// only on the screen, so closing the page (a user switch) would lose it (docs/bedside.md "Nothing typed is lost").
    void setUnkeptInput(const QObject* form, bool unkept);
    bool hasUnkeptInput() const { return !m_unkeptInput.empty(); }

signals:
    void opened(bool ok, const QString& message);
    void syncStarted();
    void syncProgress(int done, int total);
    void syncFinished(const crf::sync::SyncReport& report);
    /// Stored data changed (a save here or events pulled from other tablets): views reload.
    void dataChanged();
    /// Someone logged in (user, role and site known): views that depend on the site reload.
    void actorChanged();
    /// A form's input became, or stopped being, only on the screen (hasUnkeptInput()).
    void unkeptInputChanged();

private:
    std::set<const QObject*> m_unkeptInput;
    template <typename R> void onStore(std::function<R(store::TabletStore&)> fn, std::function<void(R)> done);
    /// Runs `call` with the gateway client on the sync thread (online-only actions); the result comes back here.
    template <typename R> void onGateway(std::function<R(sync::SyncClient&)> call, std::function<void(R)> done);

    AppConfig m_config;
    std::unique_ptr<Clock> m_ownClock;
    QThread m_storeThread;
    QThread m_syncThread;
    StoreWorker* m_storeWorker = nullptr;
    SyncWorker* m_syncWorker = nullptr;
    bool m_syncing = false;
    bool m_urgentWaiting = false; // an urgent change was saved during a sync pass
    void scheduleSync(int64_t delayMs);
    /// After a save: views reload and the change goes out soon (an urgent one at once).
    void afterSave(bool changed, bool urgent);
    void onSyncFinished(const sync::SyncReport& report);
    QTimer m_autoTimer;
    std::unique_ptr<Backoff> m_backoff;
};

} // namespace crf::app
