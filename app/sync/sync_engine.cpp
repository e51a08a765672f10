#include "sync_engine.h"

#include "trial/bedside_trial.h"
#include "wording.h"

namespace crf::sync {

/// What one pass knows about its pushes.
struct PushState {
    std::string deviceId;
    int pendingTotal = 0;
    uint64_t lastFirstSeq = 0;
    bool resequenced = false;   // at most once per pass
    bool requeued = false;      // own events the gateway lost queued again: at most once per pass
    bool pullRestarted = false; // the pulled history forgotten (the gateway's differs): at most once per pass
    bool unreachable = false;   // the transport failed: do not wait for the gateway a second time in this pass
    std::function<void(int, int)> progress;
};

std::optional<Error> SyncEngine::uploadPhotos(SyncReport& report, PushState& push)
{
    Result<std::vector<store::TabletStore::PendingPhoto>> pending = Error{"photos", "not read"};
    m_onStore([&](store::TabletStore& s) { pending = s.pendingPhotos(); });
    if (!pending)
        return pending.error();
    for (const auto& p : *pending) {
        // An urgent event saved while photos go up overtakes the remaining photos.
        pushEvents(report, push, true);
        if (!report.error.empty())
            return messageError({}, report.error);
        auto status = m_client.photoStatus(p.digest);
        if (!status)
            return messageError({}, status.error().message());
        uint64_t offset = status->received_bytes();
        bool verified = status->verified();
        int restarts = 0;
        // Read (decrypt) the photo once, not once per chunk: photos are a few MiB and capped by the size limit.
        Result<std::string> bytes = std::string();
        if (!verified)
            m_onStore([&](store::TabletStore& s) { bytes = s.photoChunk(p.digest, 0, static_cast<uint32_t>(p.size)); });
        if (!bytes)
            return bytes.error();
        while (!verified) {
            if (offset > bytes->size())
                return messageError("photo " + p.digest.substr(0, 12),
                                    QT_TRANSLATE_NOOP("Core", "the gateway reports more bytes than the photo has"));
            v1::UploadChunkRequest request;
            request.set_digest(p.digest);
            request.set_offset(offset);
            request.set_total_bytes(p.size);
            request.set_site_id(m_client.siteId());
            request.set_data(bytes->substr(static_cast<size_t>(offset), kPhotoChunk));
            auto r = m_client.uploadChunk(request);
            if (!r)
                return messageError({}, r.error().message()); // cut: the next pass resumes at the gateway's offset
            switch (r->outcome()) {
            case v1::PHOTO_OUTCOME_VERIFIED:
                verified = true;
                break;
            case v1::PHOTO_OUTCOME_APPENDED:
            case v1::PHOTO_OUTCOME_RESUME:
                if (r->received_bytes() == offset && r->outcome() == v1::PHOTO_OUTCOME_RESUME)
                    return messageError("photo " + p.digest.substr(0, 12),
                                        QT_TRANSLATE_NOOP("Core", "the gateway does not move forward"));
                offset = r->received_bytes();
                break;
            case v1::PHOTO_OUTCOME_DIGEST_MISMATCH:
                if (++restarts > 1)
                    return messageError(
                        "photo " + p.digest.substr(0, 12),
                        QT_TRANSLATE_NOOP("Core", "corrupted twice in transit; kept for the next sync"));
                offset = 0;
                break;
            case v1::PHOTO_OUTCOME_TOO_LARGE:
            default:
                return messageError("photo " + p.digest.substr(0, 12), messageFromWording(r->wording(), r->message()));
            }
        }
        m_onStore([&](store::TabletStore& s) { s.markPhotoVerified(p.digest); });
        ++report.photosVerified;
    }
    return {};
}

bool SyncEngine::urgentWaiting()
{
    int urgent = 0;
    m_onStore([&](store::TabletStore& s) {
        if (auto n = s.urgentPending())
            urgent = *n;
    });
    return urgent > 0;
}

void SyncEngine::pushEvents(SyncReport& report, PushState& push, bool urgentOnly)
{
    // Oldest first, so the gateway can verify each device's hash chain in order. Urgent events sit at the front
    // of what was never offered (TabletStore::promoteUrgent), so the first batches carry them.
    while (report.error.empty() && (!urgentOnly || urgentWaiting())) {
        Result<std::vector<v1::ChangeEvent>> pending = Error{"outbox", "not read"};
        uint64_t staleThrough = 0;
        m_onStore([&](store::TabletStore& s) {
            pending = s.pendingEvents(kPushBatch);
            staleThrough = s.staleBaseThrough();
        });
        if (!pending) {
            report.error = pending.error().sentence();
            break;
        }
        if (pending->empty())
            break;
        // Every round must move the queue forward; a round that starts where the last one did is a fault, not a
        // reason to hammer the gateway.
        if (pending->front().device_seq() == push.lastFirstSeq) {
            report.error =
                message(QT_TRANSLATE_NOOP(
                            "Core", "sync made no progress at change %1; the changes are kept and will be sent again"),
                        {std::to_string(push.lastFirstSeq)});
            break;
        }
        push.lastFirstSeq = pending->front().device_seq();
        v1::PushRequest request;
        request.set_device_id(push.deviceId);
        request.set_device_now_ms(m_clock.nowMs());
        request.set_stale_base_through_seq(staleThrough);
        for (const auto& e : *pending)
            *request.add_events() = e;
        report.pushedBytes += request.ByteSizeLong();
        auto response = m_client.push(request);
        if (!response) {
            report.error = response.error().message();
            push.unreachable = true;
            break;
        }
        Result<int> acked = 0;
        m_onStore([&](store::TabletStore& s) { acked = s.applyPushOutcomes(*response); });
        if (!acked) {
            report.error = acked.error().sentence();
            break;
        }
        report.pushed += *acked;
        int refusedNow = 0;
        bool chainConflict = false, gap = false;
        for (const auto& o : response->outcomes()) {
            // A refusal is reported but does not stop the sync: the refused change left the queue (it is kept with
            // the gateway's reason) and the next ones go on.
            refusedNow += o.status() == v1::OUTCOME_STATUS_REJECTED;
            chainConflict = chainConflict || o.status() == v1::OUTCOME_STATUS_CHAIN_CONFLICT;
            gap = gap ||
                  (o.status() == v1::OUTCOME_STATUS_RETRY_LATER && response->device_head_seq() + 1 < o.device_seq());
        }
        report.rejected += refusedNow;
        if (push.progress)
            push.progress(report.pushed, push.pendingTotal);
        if (gap && !push.requeued) {
            // The gateway asks for earlier events than the ones sent: it lost some it had acknowledged (restored to
            // an earlier point). Queue them again after its head and go on.
            push.requeued = true;
            Result<int> again = 0;
            m_onStore([&](store::TabletStore& s) {
                again = s.requeueAfter(response->device_head_seq(), response->device_head_hash());
            });
            if (again && *again > 0) {
                push.lastFirstSeq = 0;
                continue;
            }
        }
        if (chainConflict && !push.resequenced) {
            // Restored from an older copy: the gateway holds later events of this device. Renumber the unsent ones
            // after its head and go on; the missing own events come back with the pull.
            Result<int> moved = 0;
            m_onStore([&](store::TabletStore& s) {
                moved = s.resequenceAfter(response->device_head_seq(), response->device_head_hash());
            });
            push.resequenced = true;
            if (moved && *moved > 0) {
                push.lastFirstSeq = 0;
                continue;
            }
        }
        if (*acked == 0 && refusedNow == 0 && report.error.empty()) {
            report.error = message(
                QT_TRANSLATE_NOOP("Core",
                                  "the gateway acknowledged none of %1 changes; they are kept and will be sent again"),
                {std::to_string(pending->size())});
        }
    }
}

SyncReport SyncEngine::run(const std::function<void(int, int)>& progress, Phases phases)
{
    SyncReport report;
    PushState push;
    push.progress = progress;
    m_onStore([&](store::TabletStore& s) {
        push.deviceId = s.deviceId();
        if (auto st = s.syncState())
            push.pendingTotal = st->pendingEvents;
    });

    std::optional<Error> photoError;
    if (phases != Phases::PullOnly) {
        // A serious adverse event goes before anything else, photos included (FACTS: notified without delay).
        pushEvents(report, push, true);
        // A problem with one photo (too large, corrupted twice) must not hold the data back; an unreachable
        // gateway does.
        if (report.error.empty())
            photoError = uploadPhotos(report, push);
        if (photoError && sync::notReached(*photoError)) {
            report.error = photoError->sentence();
            push.unreachable = true;
        }
        pushEvents(report, push, false);
    }
    const bool unreachable = push.unreachable;

    // Pull: every page is applied with its cursor in one transaction, so a cut loses nothing and repeats nothing.
    bool checked = false;
    while (!unreachable && phases != Phases::PushOnly) {
        uint64_t cursor = 0;
        m_onStore([&](store::TabletStore& s) {
            if (auto st = s.syncState())
                cursor = st->pullCursor;
        });
        v1::PullRequest request;
        request.set_after_server_seq(cursor);
        request.set_limit(kPullPage);
        request.set_study_id(m_studyId);
        if (!checked) { // the first page proves the gateway still holds what was pulled
            m_onStore([&](store::TabletStore& s) {
                if (auto last = s.lastPulled()) {
                    request.set_check_seq(last->first);
                    request.set_check_hash(last->second);
                }
            });
            checked = true;
        }
        auto page = m_client.pull(request);
        if (!page) {
            if (report.error.empty())
                report.error = page.error().message();
            break;
        }
        if (page->history_differs()) {
            if (!recoverRestoredGateway(report, push))
                break;
            continue; // from the beginning
        }
        Status applied;
        m_onStore([&](store::TabletStore& s) { applied = s.applyPullPage(*page); });
        if (!applied) {
            if (report.error.empty())
                report.error = applied.error().sentence();
            break;
        }
        report.pulled += page->events_size();
        if (!page->has_more())
            break;
    }

    if (!unreachable && phases != Phases::PushOnly && report.error.empty() && m_refreshTrial)
        refreshTrial(report);

    if (report.error.empty() && photoError)
        report.error = photoError->sentence();
    const int64_t now = m_clock.nowMs();
    m_onStore([&](store::TabletStore& s) { s.recordSyncAttempt(now, report.error); });
    return report;
}

bool SyncEngine::recoverRestoredGateway(SyncReport& report, PushState& push)
{
    if (push.pullRestarted) { // once per pass: a second difference is not a restore this pass can mend
        report.error = message(QT_TRANSLATE_NOOP(
            "Core", "the gateway's history differs again from the one just pulled: sync again later"));
        return false;
    }
    push.pullRestarted = true;
    // Where this device's chain ends at the gateway now: an empty push answers with its head.
    v1::PushRequest probe;
    probe.set_device_id(push.deviceId);
    probe.set_device_now_ms(m_clock.nowMs());
    auto head = m_client.push(probe);
    if (!head) {
        report.error = head.error().message();
        return false;
    }
    Result<int> again = 0;
    Status restarted;
    m_onStore([&](store::TabletStore& s) {
        again = s.requeueAfter(head->device_head_seq(), head->device_head_hash());
        if (again)
            restarted = s.restartPull();
    });
    if (!again || !restarted) {
        report.error = !again ? again.error().sentence() : restarted.error().sentence();
        return false;
    }
    // Own events first (their values are the newest here), then the whole history again from the beginning.
    report.error = {};
    push.lastFirstSeq = 0;
    pushEvents(report, push, false);
    return report.error.empty();
}

void SyncEngine::refreshTrial(SyncReport& report)
{
    const std::string site = m_client.siteId();
    if (site.empty() || !m_client.hasSession())
        return;
    // What the site needs offline: whom to approach for consent today, and its boxes. A role that may not read
    // them (or a study without them) simply gets nothing cached; it is not a sync failure.
    v1::ConsentWorklistRequest worklist;
    worklist.set_study_id(m_studyId);
    worklist.set_site_id(site);
    if (auto w = m_client.consentWorklist(worklist)) {
        m_onStore([&](store::TabletStore& s) {
            report.trialRefreshed = s.putCached(app::trial::worklistKey(m_studyId, site), w->SerializeAsString()).ok();
        });
    }
    // Answers given at the bedside since the last sync go first, so the list fetched next already shows them. One
    // that cannot reach the gateway stays for the next pass; one the gateway refuses is kept with its reason.
    std::vector<v1::QueryActionRequest> pending;
    m_onStore([&](store::TabletStore& s) {
        if (auto outbox = app::trial::cachedMessage<v1::QueryAnswerOutbox>(s, app::trial::answersKey(m_studyId, site)))
            pending.assign(outbox->pending().begin(), outbox->pending().end());
    });
    for (const auto& answer : pending) {
        auto sent = m_client.queryAction(answer);
        if (!sent && transient(sent.error()))
            break;
        m_onStore([&](store::TabletStore& s) {
            (void)app::trial::settleAnswer(s, m_studyId, site, answer.query_id(), sent);
        });
        report.answersSent += sent ? 1 : 0;
    }
    // The site's open data queries, to read and answer at the bedside.
    v1::ListQueriesRequest queries;
    queries.set_study_id(m_studyId);
    queries.set_site_id(site);
    queries.set_open_only(true);
    if (auto q = m_client.listQueries(queries)) {
        m_onStore([&](store::TabletStore& s) {
            report.trialRefreshed = s.putCached(app::trial::queriesKey(m_studyId, site), q->SerializeAsString()).ok() ||
                                    report.trialRefreshed;
        });
    }
    v1::SiteInventoryRequest inventory;
    inventory.set_study_id(m_studyId);
    inventory.set_site_id(site);
    if (auto inv = m_client.siteInventory(inventory)) {
        m_onStore([&](store::TabletStore& s) {
            report.trialRefreshed =
                s.putCached(app::trial::inventoryKey(m_studyId, site), inv->SerializeAsString()).ok() ||
                report.trialRefreshed;
        });
    }
}

} // namespace crf::sync
