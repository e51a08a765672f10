#include "sync_engine.h"

#include "trial/bedside_trial.h"
#include "wire.h"
#include "wording.h"

#include <atomic>
#include <deque>
#include <future>
#include <optional>

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
    // Each photo is read (decrypted) once, not once per chunk (photos are a few MiB, capped by the size limit).
    // kPhotosInFlight photos go up at once, each in its own call sequence (the gateway checks each digest apart),
    // while the next one is read: reading, sending and the gateway's commits overlap.
    struct Flight {
        const store::TabletStore::PendingPhoto* photo;
        std::string bytes;
        std::future<Result<bool>> sent; // verified, or stopped because another flight failed
    };
    std::deque<Flight> flights; // a deque keeps each flight's bytes in place while it is sent
    std::optional<Error> failed;
    // The first failure (a cut, a refusal) stops the other flights at their next call: the pass ends as it would
    // with one photo at a time. Answers that came are kept: a verified photo is never sent again.
    std::atomic<bool> stop{false};
    auto land = [&](Flight& f) {
        auto sent = f.sent.get();
        if (!sent) {
            if (!failed)
                failed = sent.error();
            return;
        }
        if (!*sent)
            return;
        m_onStore([&](store::TabletStore& s) { s.markPhotoVerified(f.photo->digest); });
        ++report.photosVerified;
    };
    size_t next = 0;
    // The next photo is read (decrypted) while the flights are out, not after the oldest has landed: reading was
    // half of the tablet's time in an upload, and the flights waited for it.
    std::optional<Flight> ahead; // read, not yet sent
    auto readAhead = [&] {
        if (ahead || next >= pending->size() || failed)
            return;
        const auto& p = (*pending)[next++];
        Result<std::string> bytes = std::string();
        m_onStore([&](store::TabletStore& s) { bytes = s.photoChunk(p.digest, 0, static_cast<uint32_t>(p.size)); });
        if (!bytes)
            failed = bytes.error();
        else
            ahead.emplace(Flight{&p, std::move(bytes).value(), {}});
    };
    while (!failed) {
        // An urgent event saved while photos go up overtakes the remaining photos.
        pushEvents(report, push, true);
        if (!report.error.empty()) {
            failed = messageError({}, report.error);
            break;
        }
        while (flights.size() < kPhotosInFlight && !failed) {
            readAhead();
            if (!ahead)
                break;
            Flight& f = flights.emplace_back(std::move(*ahead));
            ahead.reset();
            f.sent = std::async(std::launch::async, [this, &f, &stop] {
                auto sent = sendPhoto(*f.photo, f.bytes, stop);
                if (!sent)
                    stop = true;
                return sent;
            });
        }
        readAhead();
        if (flights.empty())
            break;
        if (failed)
            stop = true;
        land(flights.front());
        flights.pop_front();
    }
    if (failed)
        stop = true;
    for (auto& f : flights)
        land(f);
    return failed;
}

Result<bool> SyncEngine::sendPhoto(const store::TabletStore::PendingPhoto& p, const std::string& bytes,
                                   const std::atomic<bool>& stop)
{
    if (stop)
        return false;
    auto status = m_client.photoStatus(p.digest);
    if (!status)
        return messageError({}, status.error().message());
    uint64_t offset = status->received_bytes();
    bool verified = status->verified();
    int restarts = 0;
    v1::UploadChunkRequest request; // one per photo: its data buffer is reused from chunk to chunk
    if (verified) {
        // Held already (the same bytes from another site, or this tablet's own answer lost): who may download a
        // photo goes by the sites that sent it, so an empty last chunk links this tablet's site without a byte.
        request.set_digest(p.digest);
        request.set_offset(p.size);
        request.set_total_bytes(p.size);
        request.set_site_id(m_client.siteId());
        auto r = m_client.uploadChunk(request);
        if (!r)
            return messageError({}, r.error().message());
        verified = r->outcome() == v1::PHOTO_OUTCOME_VERIFIED;
        if (!verified) // no longer held (discarded meanwhile): sent again from what the gateway has
            offset = r->received_bytes();
    }
    while (!verified) {
        if (offset > bytes.size())
            return messageError("photo " + p.digest.substr(0, 12),
                                QT_TRANSLATE_NOOP("Core", "the gateway reports more bytes than the photo has"));
        request.set_digest(p.digest);
        request.set_offset(offset);
        request.set_total_bytes(p.size);
        request.set_site_id(m_client.siteId());
        request.set_data(bytes.data() + offset, chunkLength(bytes.size() - static_cast<size_t>(offset)));
        if (stop)
            return false;
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
                return messageError("photo " + p.digest.substr(0, 12),
                                    QT_TRANSLATE_NOOP("Core", "corrupted twice in transit; kept for the next sync"));
            offset = 0;
            break;
        case v1::PHOTO_OUTCOME_TOO_LARGE:
        default:
            return messageError("photo " + p.digest.substr(0, 12), messageFromWording(r->wording(), r->message()));
        }
    }
    return true;
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

/// A batch read from the outbox: the request and what the engine needs once the request has left.
struct Batch {
    v1::PushRequest request;
    uint64_t firstSeq = 0, lastSeq = 0;
    int count = 0;
    size_t bytes = 0;
};

namespace {

/// Whether every event of the batch has a final answer (stored, stored before, or refused for good): only then may
/// the next batch leave while these answers are being written. Any other answer (a chain elsewhere, an earlier event
/// missing) is dealt with before anything more is sent.
bool settled(const v1::PushResponse& response, const Batch& batch, const std::string& deviceId)
{
    if (response.outcomes_size() != batch.count)
        return false;
    for (const auto& o : response.outcomes()) {
        if (o.device_id() != deviceId || o.device_seq() < batch.firstSeq || o.device_seq() > batch.lastSeq)
            return false;
        if (o.status() != v1::OUTCOME_STATUS_ACCEPTED && o.status() != v1::OUTCOME_STATUS_DUPLICATE &&
            o.status() != v1::OUTCOME_STATUS_REJECTED)
            return false;
    }
    return true;
}

} // namespace

Batch SyncEngine::takeBatch(SyncReport& report, PushState& push, uint64_t afterSeq)
{
    Batch batch;
    Result<std::vector<store::TabletStore::OutgoingEvent>> pending = Error{"outbox", "not read"};
    uint64_t staleThrough = 0;
    m_onStore([&](store::TabletStore& s) {
        pending = s.pendingEventBytes(kPushBatch, afterSeq);
        staleThrough = s.staleBaseThrough();
    });
    if (!pending) {
        report.error = pending.error().sentence();
        return batch;
    }
    if (pending->empty())
        return batch;
    batch.firstSeq = pending->front().deviceSeq;
    batch.lastSeq = pending->back().deviceSeq;
    batch.count = static_cast<int>(pending->size());
    batch.request.set_device_id(push.deviceId);
    batch.request.set_first_device_seq(batch.firstSeq); // the gateway orders batches by it before unpacking them
    batch.request.set_device_now_ms(m_clock.nowMs());
    batch.request.set_stale_base_through_seq(staleThrough);
    batch.bytes = batch.request.ByteSizeLong(); // and the events as plain protobuf, below
    std::vector<std::string> events;
    events.reserve(pending->size());
    for (auto& e : *pending) {
        batch.bytes += wire::fieldSize(v1::PushRequest::kEventsFieldNumber, e.bytes.size());
        events.push_back(std::move(e.bytes));
    }
    // Packed here, while the batch before it is out: when that one's answer comes, this one leaves at once.
    if (auto set = m_client.setEvents(batch.request, events); !set) {
        report.error = set.error().sentence();
        return Batch{};
    }
    return batch;
}

void SyncEngine::pushEvents(SyncReport& report, PushState& push, bool urgentOnly)
{
    // Oldest first, so the gateway can verify each device's hash chain in order. Urgent events sit at the front
    // of what was never offered (TabletStore::promoteUrgent), so the first batches carry them.
    //
    // Pipelined: kPushesInFlight batches are out at once, each read (and packed) while the ones before it are out,
    // so the gateway finds the next batch waiting when it has committed one instead of waiting for the answer's way
    // back and the next request. The gateway takes one device's batches in the order of their events
    // (DeviceBatchOrder, by PushRequest.first_device_seq). A batch is sent ahead only while every answer so far was
    // final; the first answer that is not ends the pipeline: the answers of the batches still out are kept if they came
    // (what the gateway stored is never sent again), and the next round starts from the first unacknowledged event.
    struct Flight {
        Batch batch;
        std::future<Result<v1::PushResponse>> answer;
        // Sent with no earlier batch unanswered: the device head in its answer counts every batch before it. A batch
        // sent ahead may reach the gateway before the one ahead of it (a connection re-made in between) and be told
        // "retry later" with a head from before that one.
        bool aloneInFlight = false;
    };
    std::deque<Flight> flights;
    bool readToTheEnd = false; // this round found the outbox empty after the batches out: not read again
    auto launch = [&](Batch batch) {
        report.pushedBytes += batch.bytes;
        // A batch shorter than kPushBatch emptied the outbox: nothing is read while it is out, so a batch sent alone
        // is sent from this thread when its answer is awaited, without a thread of its own (the usual bedside sync
        // of a few forms: a thread's start and two wake-ups were about a tenth of a round of 100 edited forms).
        if (batch.count < kPushBatch)
            readToTheEnd = true;
        const auto policy = readToTheEnd && flights.empty() ? std::launch::deferred : std::launch::async;
        v1::PushRequest request = std::move(batch.request);
        auto answer = std::async(
            policy, [this, request = std::move(request)]() mutable { return m_client.push(std::move(request)); });
        const bool alone = flights.empty();
        flights.push_back(Flight{std::move(batch), std::move(answer), alone});
    };
    // Sends batches after the last one out until kPushesInFlight are out (none in urgent-only passes: those are a
    // batch or two, and each waits for its answer).
    auto fill = [&](uint64_t afterSeq) {
        while (!urgentOnly && !readToTheEnd && flights.size() < kPushesInFlight && report.error.empty()) {
            Batch next = takeBatch(report, push, flights.empty() ? afterSeq : flights.back().batch.lastSeq);
            if (next.count == 0) {
                readToTheEnd = true; // a change saved meanwhile goes with the next round
                return;
            }
            launch(std::move(next));
        }
    };
    // The answers of batches still out when the pipeline stops are applied if they came.
    auto drain = [&] {
        for (auto& f : flights) {
            auto late = f.answer.get();
            if (!late)
                continue;
            Result<int> acked = 0;
            m_onStore([&](store::TabletStore& s) { acked = s.applyPushOutcomes(*late); });
            if (acked)
                report.pushed += *acked;
        }
        flights.clear();
    };
    while (report.error.empty()) {
        if (flights.empty()) {
            if (urgentOnly && !urgentWaiting())
                break;
            Batch first = takeBatch(report, push, 0);
            if (first.count == 0)
                break;
            // Every round must move the queue forward; a round that starts where the last one did is a fault, not
            // a reason to hammer the gateway.
            if (first.firstSeq == push.lastFirstSeq) {
                report.error = message(
                    QT_TRANSLATE_NOOP(
                        "Core", "sync made no progress at change %1; the changes are kept and will be sent again"),
                    {std::to_string(push.lastFirstSeq)});
                break;
            }
            readToTheEnd = false; // a new round reads on (a batch shorter than kPushBatch ends it: launch)
            push.lastFirstSeq = first.firstSeq; // the round's first batch: the batches sent ahead of an answer do not
                                                // count as progress
            launch(std::move(first));
            fill(0);
        }
        Flight current = std::move(flights.front());
        flights.pop_front();
        const Batch& batch = current.batch;
        Result<v1::PushResponse> response = current.answer.get();
        if (!response) {
            report.error = response.error().message();
            push.unreachable = true;
            break;
        }
        const bool final = !urgentOnly && settled(*response, batch, push.deviceId);
        if (final)
            fill(batch.lastSeq); // the next batch leaves before these answers are written
        Result<int> acked = 0;
        m_onStore([&](store::TabletStore& s) { acked = s.applyPushOutcomes(*response); });
        if (!final)
            drain(); // sent on the assumption that this batch would settle: their answers too, then a new round
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
        // Only an answer to a batch sent alone tells where the device's chain stands at the gateway (Flight); the
        // next round's first batch is sent alone and tells it then.
        gap = gap && current.aloneInFlight;
        chainConflict = chainConflict && current.aloneInFlight;
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
        if (*acked == 0 && refusedNow == 0 && report.error.empty() && current.aloneInFlight) {
            report.error = message(
                QT_TRANSLATE_NOOP("Core",
                                  "the gateway acknowledged none of %1 changes; they are kept and will be sent again"),
                {std::to_string(batch.count)});
        }
    }
    drain(); // stopped with batches still out (an error in between): their answers are kept if they came
}

SyncReport SyncEngine::run(const std::function<void(int, int)>& progress, Phases phases)
{
    SyncReport report;
    PushState push;
    push.progress = progress;
    // One connection attempt before anything: a gateway out of reach is known at once (SyncClient::reach), and the
    // pass goes straight to recording the attempt.
    if (Status reached = m_client.reach("sync"); !reached) {
        report.error = reached.error().sentence();
        push.unreachable = true;
    }
    m_onStore([&](store::TabletStore& s) {
        push.deviceId = s.deviceId();
        if (auto queued = s.queuedCount())
            push.pendingTotal = *queued;
    });

    std::optional<Error> photoError;
    if (phases != Phases::PullOnly && !push.unreachable) {
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
    // The next page is asked for while one is applied (its cursor is known from the page in hand); an answer that
    // comes for a page not applied is dropped, and the next pass asks from the stored cursor.
    bool checked = false;
    // A page and each of its events' bytes as received (stored as they came: TabletStore::applyPullPage).
    struct Page {
        Result<v1::PullResponse> events = Error{"pull", "not asked"};
        std::vector<std::string> bytes;
    };
    auto ask = [this](v1::PullRequest request) {
        Page p;
        p.events = m_client.pull(std::move(request), &p.bytes);
        return p;
    };
    std::future<Page> nextPage;
    // The page applied last, freed by the thread that asks for the one after the next: freeing a page's 500 events,
    // value by value, took about 2 ms between two applies (docs/performance.md item 51).
    std::optional<Page> applied;
    while (!unreachable && phases != Phases::PushOnly) {
        Page page;
        if (nextPage.valid()) {
            page = nextPage.get();
        } else {
            uint64_t cursor = 0;
            m_onStore([&](store::TabletStore& s) {
                if (auto stored = s.pullCursor())
                    cursor = *stored;
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
            page = ask(std::move(request));
        }
        if (!page.events) {
            if (report.error.empty())
                report.error = page.events.error().message();
            break;
        }
        const v1::PullResponse& events = *page.events;
        if (events.history_differs()) {
            if (!recoverRestoredGateway(report, push))
                break;
            continue; // from the beginning
        }
        if (events.has_more()) {
            v1::PullRequest request;
            request.set_after_server_seq(events.next_cursor());
            request.set_limit(kPullPage);
            request.set_study_id(m_studyId);
            nextPage = std::async(std::launch::async,
                                  [ask, request = std::move(request), done = std::move(applied)]() mutable {
                                      done.reset();
                                      return ask(std::move(request));
                                  });
            applied.reset();
        }
        Status stored;
        m_onStore([&](store::TabletStore& s) { stored = s.applyPullPage(events, page.bytes); });
        if (!stored) {
            if (report.error.empty())
                report.error = stored.error().sentence();
            break;
        }
        report.pulled += events.events_size();
        if (!events.has_more())
            break;
        applied.emplace(std::move(page));
    }
    if (nextPage.valid())
        nextPage.wait(); // stopped with a page still asked for: the client is free again before anything else

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
