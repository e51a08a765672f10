// TabletStore: the tablet's encrypted SQLCipher database (form values projection, outbox, pulled events, cursor).
#pragma once

#include "clock.h"
#include "crf/v1/sync.pb.h"
#include "hlc.h"
#include "key_store.h"
#include "password.h"
#include "result.h"

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace crf::sql {
class Database;
class BackgroundCheckpointer;
} // namespace crf::sql

namespace crf::store {

/// Who saves: stamped on every event (ALCOA+ attributable; 21 CFR 11.10(e)).
struct Actor {
    std::string userId;
    std::string role;
    std::string siteId;
};

/// A user who logged in online on this tablet: an Argon2id verifier of the password for offline login, the role
/// and site taken from the gateway's grants, and the last session (reused for sync until it expires).
struct LocalUser {
    std::string userId, printedName, verifier, role, siteId, token;
    int64_t tokenExpiresMs = 0, lastOnlineMs = 0;
};

/// The study a tablet captures for; the definition version is stamped on every event.
struct StudyContext {
    std::string studyId;
    std::string definitionVersion;
};

struct FormKey {
    std::string subjectId;
    std::string visitOid;
    std::string formOid;
    uint32_t repeat = 0;
    bool operator==(const FormKey&) const = default;
};

/// A stored value exactly as entered, with its unit. `pending` while the gateway has not acknowledged it.
struct FieldValue {
    std::string value;
    std::string unit;
    bool pending = false;
    bool conflict = false; // changed concurrently elsewhere: the gateway kept this value, a data query is open
};

/// A save from a form: the full set of items the form shows. An item mapped to nullopt is cleared.
struct SaveRequest {
    FormKey form;
    std::map<std::string, std::optional<FieldValue>> values;
    std::string reasonCode;
    std::string reasonText;
    int64_t capturedAtMs = 0; // 0: now
    /// Site-only items (identifying data): kept in this store with a local audit trail, never put in the outbox,
    /// so they never leave the site (study definition `site_only`).
    bool siteOnly = false;
    /// Sets the status of the whole form instance (see setRecordStatus); usually with no values.
    std::string recordStatus;
    /// The form's urgent_when holds (a serious adverse event): the change, with the earlier unsent changes of the
    /// same form, goes ahead of every change not yet offered to the gateway.
    bool urgent = false;
    /// An electronic signature of this form instance (or, scope CASEBOOK, of the subject's casebook); no values.
    std::optional<v1::Signature> signature;
};

/// A signature held by this tablet, and whether the data it covers are still exactly what was signed.
struct SignatureState {
    std::string eventId, scope, userId, printedName, meaning;
    FormKey form; // visit and form "*" for a casebook
    int64_t signedAtMs = 0;
    bool intact = false; // false: the signed data changed since; a new signature is needed (21 CFR 11.70)
};

struct SaveOutcome {
    uint64_t deviceSeq = 0; // 0 when nothing changed
    int changedItems = 0;
};

struct Subject {
    std::string subjectId;
    std::string siteId;
    std::string initials;
};

struct SyncState {
    uint64_t pullCursor = 0;
    int64_t lastSyncMs = 0;
    Message lastError; // why the last sync failed (empty: it did not), worded in parts
    int pendingEvents = 0;
    int refusedEvents = 0;    // refused by the gateway for their content: kept here and in its audit trail
    std::string lastRefusal;  // the gateway's reason for the latest refusal
    Error lastRefusalWording; // the same with its template and arguments when the gateway gave them
    int pendingPhotos = 0;    // photos not yet verified at the gateway
};

/// Owns one SQLCipher connection. Not thread-safe: one storage thread owns it (DESIGN "Threads").
/// Every method returns a Result; nothing already committed is lost on any error.
class TabletStore {
public:
    static constexpr int kSchemaVersion = 19;
    /// The file that keeps the photos' bytes of the store at `dbPath` (since schema 19): `crf-photos.db` beside
    /// `crf.db`, encrypted with the same key. The two belong together (back up and restore both).
    static std::string photoFileOf(const std::string& dbPath);

    /// Opens or creates `path`. The key comes from `keys` under `keyName`; a new key (256 bits from the CSPRNG)
    /// is made only when neither the key nor the file exist. A wrong key or a file that is not a CRF database
    /// gives an error and leaves the file untouched.
    static Result<std::unique_ptr<TabletStore>> open(const std::string& path, platform::KeyStore& keys,
                                                     const std::string& keyName, const Clock& clock);
    /// Opens with an explicit key (tests, fixtures).
    static Result<std::unique_ptr<TabletStore>> openWithKey(const std::string& path, const SecretKey& key,
                                                            const Clock& clock);
    ~TabletStore();

    const std::string& deviceId() const { return m_deviceId; }
    const std::string& path() const;
    int schemaVersion() const { return m_schemaVersion; }
    std::string cipherVersion() const { return m_cipherVersion; }

    /// Writes the changed values and their outbox event in one transaction. A change to a saved value without a
    /// reason is refused (21 CFR 11.10(e)).
    Result<SaveOutcome> save(const SaveRequest& request, const Actor& actor, const StudyContext& study);
    Result<std::map<std::string, FieldValue>> formValues(const FormKey& form);
    /// Marks a whole form instance (kEnteredInError / kRestored) with a reason: a status event, never a delete.
    Result<SaveOutcome> setRecordStatus(const FormKey& form, const std::string& status, const std::string& reasonCode,
                                        const std::string& reasonText, const Actor& actor, const StudyContext& study);
    /// The record status of a form instance ("" when none was set).
    Result<std::string> recordStatus(const FormKey& form);
    /// Every saved form instance of a subject (values, pending and conflict marks) with its record status, for the
    /// casebook overview: one read for the whole casebook.
    struct FormInstance {
        FormKey form;
        std::map<std::string, FieldValue> values;
        std::string status; // "" or ENTERED_IN_ERROR
    };
    Result<std::vector<FormInstance>> subjectForms(const std::string& subjectId);
    Result<std::vector<Subject>> subjects();
    /// Every repeat of a form instance of a subject at a visit: repeat -> values (consent decisions, one per repeat).
    Result<std::map<uint32_t, std::map<std::string, FieldValue>>>
    formRepeats(const std::string& subjectId, const std::string& visitOid, const std::string& formOid);
    /// Every value of `itemOid` in form `formOid` held on this tablet, with its subject (boxes already taken).
    Result<std::vector<std::pair<std::string, std::string>>> itemValues(const std::string& formOid,
                                                                        const std::string& itemOid);
    /// What the gateway last said about this site (consent worklist, box inventory): serialized messages kept
    /// encrypted here so the tablet works from them offline.
    Status putCached(const std::string& key, const std::string& bytes);
    Result<std::string> cached(const std::string& key);
    Status dropCached(const std::string& key);
    /// The local audit trail of site-only changes (never synchronised), oldest first.
    Result<std::vector<v1::ChangeEvent>> siteOnlyEvents();

    /// Keeps a photo inside the encrypted store only (never a clear file), metadata stripped; returns its digest
    /// (the value a photo item stores). Refused above `maxBytes` or when not JPEG/PNG.
    Result<std::string> addPhoto(std::string_view bytes, size_t maxBytes);
    struct PendingPhoto {
        std::string digest;
        uint64_t size = 0;
    };
    Result<std::vector<PendingPhoto>> pendingPhotos();
    Result<std::string> photoChunk(const std::string& digest, uint64_t offset, uint32_t length);
    Status markPhotoVerified(const std::string& digest);

    /// An unacknowledged event as the outbox keeps it: its sequence number and its bytes (a serialized
    /// v1::ChangeEvent, sent as they are: packing::packEventBytes).
    struct OutgoingEvent {
        uint64_t deviceSeq = 0;
        std::string bytes;
    };
    /// Unacknowledged events in device order after `afterSeq` (0: from the first), at most `limit`, as stored. They
    /// count as offered to the gateway from now on:
    /// an urgent change is never placed before them (their sequence numbers may already be at the gateway).
    Result<std::vector<OutgoingEvent>> pendingEventBytes(int limit, uint64_t afterSeq = 0);
    /// The same events parsed.
    Result<std::vector<v1::ChangeEvent>> pendingEvents(int limit, uint64_t afterSeq = 0);
    /// Unacknowledged urgent events (a serious adverse event waiting to be sent).
    Result<int> urgentPending();
    /// Events waiting to be sent (SyncState::pendingEvents alone: a sync pass counts its progress against it).
    Result<int> queuedCount();
    /// Records the gateway's outcomes; returns how many events are now acknowledged.
    Result<int> applyPushOutcomes(const v1::PushResponse& response);
    /// After a restore from an older copy the gateway's chain for this device runs further than the tablet knows:
    /// renumbers the unsent events after the gateway's head (same event ids, same content, new sequence and chain
    /// links), in one transaction. Returns how many were renumbered.
    Result<int> resequenceAfter(uint64_t headSeq, const std::string& headHash);
    /// The gateway holds this device's chain only up to `headSeq` (restored to an earlier point): every own event after
    /// it, acknowledged or refused before, is queued again, unchanged (same numbers, ids and chain links), provided
    /// the own event at `headSeq` is the one whose hash the gateway holds. Returns how many were queued again.
    Result<int> requeueAfter(uint64_t headSeq, const std::string& headHash);
    /// The last own event based on a history the gateway lost (0: none): pushes name it (PushRequest
    /// stale_base_through_seq) so the gateway's merge does not trust those events' base versions.
    uint64_t staleBaseThrough();
    /// The last pulled event kept here (server sequence and server hash; 0 and "" when none), which the gateway
    /// checks to tell whether its history is still the one pulled.
    Result<std::pair<uint64_t, std::string>> lastPulled();
    /// The gateway's history differs from the pulled one: forgets the pulled log and its cursor (values stay), so the
    /// next pull starts from the beginning. In one transaction.
    Status restartPull();
    /// Applies a pulled page and moves the cursor in the same transaction. Own unacknowledged values stay on top.
    /// `eventBytes`: each event's bytes as received (SyncClient::pull), stored as they are; without them (or not one
    /// per event) each event is serialized again.
    Status applyPullPage(const v1::PullResponse& page, std::span<const std::string> eventBytes = {});
    /// Records when a sync pass ended and why it failed (empty: it did not). A pass that ends as the last one did,
    /// within kSyncTimeResolutionMs of the time already stored, is kept in memory only (syncState() reports it; the
    /// store writes it at close or with the next change): a sync with nothing to do then writes nothing.
    Status recordSyncAttempt(int64_t atMs, const Message& error);
    /// How stale the stored time of the last sync may become before a pass that changed nothing writes it.
    static constexpr int64_t kSyncTimeResolutionMs = 60'000;
    Result<SyncState> syncState();
    /// Where the next pull starts (the server sequence of the last applied page): one read, for every sync pass.
    Result<uint64_t> pullCursor();

    /// Signs the form instance `form` (or with `casebook`, every form of its subject) as `actor`: the hash of the
    /// values held now is recorded with the printed name, UTC time and meaning, and synced as an event. The caller
    /// has re-checked the signer's password (21 CFR 11.200(a)).
    Result<SaveOutcome> sign(const FormKey& form, bool casebook, const std::string& meaning,
                             const std::string& printedName, const Actor& actor, const StudyContext& study);
    /// The signatures of a subject (own and pulled), oldest first, each checked against the data held now.
    Result<std::vector<SignatureState>> signatures(const std::string& subjectId);

    /// The credential the gateway gave this device at enrolment ("" before the first online login).
    Result<std::string> deviceSecret();
    /// The secret this tablet enrols with (made once, kept encrypted here before the first login is even sent).
    Result<std::string> enrolmentSecret();
    /// After an online login: the user's offline verifier and session, and (first login) the device credential.
    /// The wrong passwords counted offline for that user are cleared: the gateway has just accepted the password.
    Status rememberLogin(const LocalUser& user, const std::string& deviceSecret);
    /// A user who logged in online on this tablet before (for offline login).
    Result<std::optional<LocalUser>> localUser(const std::string& userId);
    /// The wrong passwords in a row this tablet checked alone for `userId` (password::OfflineAttempts). An online
    /// login (rememberLogin) clears them.
    Result<password::OfflineAttempts> offlineAttempts(const std::string& userId);
    Status setOfflineAttempts(const std::string& userId, const password::OfflineAttempts& attempts);

private:
    TabletStore(std::unique_ptr<sql::Database> db, const Clock& clock);
    std::string contentHash(const FormKey& form, bool casebook);
    void putSignature(const v1::ChangeEvent& e);
    Status initialise();
    std::string meta(const std::string& key, const std::string& fallback = {});
    void setMeta(const std::string& key, const std::string& value);
    void dropMeta(const std::string& key);
    uint64_t baseVersion(const FormKey& form);
    void applyChange(const v1::FormRef& form, const v1::FieldChange& change);
    void setConflict(const v1::FormRef& form, const std::string& item, bool conflict);
    /// Moves a settled form instance's values (one row, schema 17) to form_values, where each value carries its own
    /// pending and conflict marks: before a local change, a conflict or a resolution touches it.
    void unsettle(const FormKey& form);
    /// Applies pulled changes to a form instance with no row in form_values: its settled row is made or updated.
    void applySettled(const v1::FormRef& form, const google::protobuf::RepeatedPtrField<v1::FieldChange>& changes);
    /// Moves the unsent urgent events and those of `form` ahead of the other never-offered events, renumbering
    /// and re-chaining them (inside the caller's transaction).
    void promoteUrgent(const v1::FormRef& form);
    struct Unsent {
        uint64_t seq; // the sequence number it has now
        v1::ChangeEvent event;
    };
    /// Renumbers unsent events from `firstSeq` in `rows` order, re-chained from `prevHash`; returns the last hash.
    std::string renumberUnsent(std::vector<Unsent>& rows, uint64_t firstSeq, std::string prevHash);
    void putValue(const std::string& subject, const std::string& visit, const std::string& form, uint32_t repeat,
                  const v1::FieldChange& change, uint64_t pendingSeq, bool onlyIfNotPending);

    std::unique_ptr<sql::Database> m_db;
    /// Copies the log into crf.db on a thread of its own: a save never waits for a checkpoint (declared after m_db,
    /// so it stops before the connection closes).
    std::unique_ptr<sql::BackgroundCheckpointer> m_checkpointer;
    const Clock& m_clock;
    std::unique_ptr<HybridLogicalClock> m_hlc;
    std::string m_deviceId;
    int m_schemaVersion = 0;
    std::string m_cipherVersion;
    /// Highest device_seq that may have left this tablet (handed to the sync engine in this process, or unsent at
    /// open: a previous process may have sent it before stopping). Only events above it can be renumbered.
    uint64_t m_offeredUpTo = 0;
    /// The last sync error as stored by this process (text and wording), so a pass that ends as the last one did
    /// rewrites only its time.
    std::optional<std::pair<std::string, std::string>> m_syncErrorStored;
    /// The time of the last sync as stored (`last_sync_ms`, once this process wrote it) and as last recorded.
    int64_t m_lastSyncStoredMs = -1;
    int64_t m_lastSyncMs = 0;
};

/// Item OID of the registration form that holds a subject's initials (identification by initials + number only).
inline constexpr const char* kRegistrationVisit = "SCREENING";
inline constexpr const char* kRegistrationForm = "REG";
inline constexpr const char* kInitialsItem = "INITIALS";

} // namespace crf::store
