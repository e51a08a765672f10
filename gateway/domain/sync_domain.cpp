#include "sync_domain.h"

#include "wording.h"

#include "change_event.h"
#include "edit_checks.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <map>

namespace crf::gateway {
namespace {

v1::EventOutcome outcome(const v1::ChangeEvent& e, v1::OutcomeStatus status, uint64_t serverSeq = 0,
                         std::string message = {})
{
    v1::EventOutcome o;
    o.set_device_id(e.device_id());
    o.set_device_seq(e.device_seq());
    o.set_status(status);
    o.set_server_seq(serverSeq);
    o.set_message(std::move(message));
    return o;
}

/// A refusal with its wording parts when the rule gave them (the tablet shows it in its screen's language).
v1::EventOutcome outcome(const v1::ChangeEvent& e, v1::OutcomeStatus status, const Error& why)
{
    v1::EventOutcome o = outcome(e, status, 0, why.text());
    if (!why.tmpl.empty())
        *o.mutable_wording() = toWording(why);
    return o;
}

} // namespace

Result<v1::PushResponse> SyncDomain::push(const v1::PushRequest& request, std::span<const std::string_view> received)
{
    // A device's batches are taken in the order of their events (DeviceBatchOrder): bounded, so a batch whose
    // earlier one never comes is answered as before.
    std::unique_ptr<DeviceBatchOrder::Turn> turn;
    if (!request.device_id().empty() && request.events_size() > 0)
        turn = takeTurn(request.device_id(), request.events(0).device_seq());
    return pushInTurn(request, received);
}

std::unique_ptr<DeviceBatchOrder::Turn> SyncDomain::takeTurn(const std::string& deviceId, uint64_t firstSeq)
{
    return std::make_unique<DeviceBatchOrder::Turn>(m_order, deviceId, firstSeq, std::chrono::seconds(2));
}

Result<v1::PushResponse> SyncDomain::pushInTurn(const v1::PushRequest& request,
                                                std::span<const std::string_view> received)
{
    if (received.size() != static_cast<size_t>(request.events_size()))
        received = {};
    if (request.events_size() > static_cast<int>(kMaxPushBatch))
        return Error{"PushRequest.events", "batch of " + std::to_string(request.events_size()) +
                                               " events exceeds the limit of " + std::to_string(kMaxPushBatch)};
    v1::PushResponse response;
    try {
        auto tx = m_store.beginWrite();
        const int64_t receivedAt = m_clock.nowMs();
        ServerHead server = tx->serverHead();
        // Device heads are tracked across the batch so several events of one device chain in one commit.
        std::map<std::string, DeviceHead> heads;

        for (int i = 0; i < request.events_size(); ++i) {
            const v1::ChangeEvent& e = request.events(i);
            if (!request.device_id().empty() && e.device_id() != request.device_id()) {
                *response.add_outcomes() =
                    outcome(e, v1::OUTCOME_STATUS_REJECTED, 0,
                            "device_id: event of device " + e.device_id() + " pushed by device " + request.device_id());
                continue;
            }
            // An event without a usable chain link (device, sequence, previous hash) cannot be placed at all.
            if (e.device_id().empty() || e.device_seq() == 0 || e.prev_hash().size() != 32) {
                const auto shape = validateEventShape(e);
                *response.add_outcomes() =
                    outcome(e, v1::OUTCOME_STATUS_REJECTED, 0, shape ? "malformed event" : shape.error().text());
                continue;
            }
            const std::string hash = digestBytes(eventHash(e));
            auto headIt = heads.find(e.device_id());
            if (headIt == heads.end())
                headIt = heads.emplace(e.device_id(), tx->deviceHead(e.device_id())).first;
            DeviceHead& head = headIt->second;

            // Idempotency key (device_id, device_seq): a resent event is acknowledged again, stored once. Past the
            // device's head (the highest sequence stored or refused) nothing can have been seen: no lookups.
            const bool seenBefore = e.device_seq() <= head.lastSeq;
            if (auto existing = seenBefore ? tx->findEvent(e.device_id(), e.device_seq()) : std::nullopt) {
                if (existing->event_hash() == hash)
                    *response.add_outcomes() = outcome(e, v1::OUTCOME_STATUS_DUPLICATE, existing->server_seq());
                else
                    *response.add_outcomes() =
                        outcome(e, v1::OUTCOME_STATUS_CHAIN_CONFLICT, 0,
                                "device_seq " + std::to_string(e.device_seq()) +
                                    " was already used by this device for a different event (restored tablet?)");
                continue;
            }
            if (auto refused = seenBefore ? tx->findRefused(e.device_id(), e.device_seq()) : std::nullopt) {
                if (refused->first == hash)
                    *response.add_outcomes() = outcome(e, v1::OUTCOME_STATUS_REJECTED, 0, refused->second);
                else
                    *response.add_outcomes() = outcome(e, v1::OUTCOME_STATUS_CHAIN_CONFLICT, 0,
                                                       "device_seq " + std::to_string(e.device_seq()) +
                                                           " was already used by this device for a different event");
                continue;
            }

            if (e.device_seq() != head.lastSeq + 1) {
                *response.add_outcomes() =
                    outcome(e, v1::OUTCOME_STATUS_RETRY_LATER, 0,
                            "device_seq " + std::to_string(e.device_seq()) + " arrives before " +
                                std::to_string(head.lastSeq + 1) + ": resend from the first unacknowledged event");
                continue;
            }
            const std::string expectedPrev = head.lastSeq == 0 ? genesisHash() : head.lastHash;
            if (e.prev_hash() != expectedPrev) {
                *response.add_outcomes() = outcome(e, v1::OUTCOME_STATUS_CHAIN_CONFLICT, 0,
                                                   "prev_hash does not match the device's previous event: broken "
                                                   "hash chain at device_seq " +
                                                       std::to_string(e.device_seq()));
                continue;
            }

            // Content checks. A refused event is still kept (audit trail) and still links the chain, so the device's
            // later events are not blocked behind it; the tablet shows it as refused.
            const Status content = checkContent(*tx, e);
            if (!content) {
                tx->appendRefused(e, hash, content.error().text(), receivedAt);
                head = {e.device_seq(), hash};
                *response.add_outcomes() = outcome(e, v1::OUTCOME_STATUS_REJECTED, content.error());
                continue;
            }

            v1::ServerEvent se;
            // The stored record refers to the request's event instead of copying it (the event is most of it); the
            // reference is dropped before the record goes, exception or not. Nothing here changes the event.
            se.unsafe_arena_set_allocated_event(const_cast<v1::ChangeEvent*>(&e));
            struct Unborrow {
                v1::ServerEvent& se;
                ~Unborrow() { se.unsafe_arena_release_event(); }
            } unborrow{se};
            se.set_server_seq(server.lastSeq + 1);
            se.set_received_at_ms(receivedAt);
            se.set_event_hash(hash);
            if (request.device_now_ms() > 0) {
                se.set_clock_skew_ms(request.device_now_ms() - receivedAt);
                se.set_clock_flagged(std::llabs(se.clock_skew_ms()) > m_skewThresholdMs);
            }
            // Sent again after a restore of this gateway: the base names a history it no longer holds (unknown). A
            // base past anything this gateway has numbered names no history it holds either, and taken as it is it
            // would make every field look seen, letting the event overwrite a concurrent change unnoticed.
            const bool unknownBase =
                e.device_seq() <= request.stale_base_through_seq() || e.base_version() > server.lastSeq;
            merge(*tx, se, unknownBase ? 0 : e.base_version());
            se.set_server_hash(
                digestBytes(serverChainHash(server.lastHash.empty() ? genesisHash() : server.lastHash, se)));
            tx->append(se, received.empty() ? std::string_view() : received[static_cast<size_t>(i)]);
            m_trial.apply(*tx, se);
            applyEditChecks(*tx, m_studies, se);
            server = {se.server_seq(), se.server_hash()};
            head = {e.device_seq(), hash};
            *response.add_outcomes() = outcome(e, v1::OUTCOME_STATUS_ACCEPTED, se.server_seq());
        }
        // Tell the device where its chain stands here, so a restored tablet can re-sequence its unsent events.
        if (!request.device_id().empty()) {
            auto it = heads.find(request.device_id());
            const DeviceHead head = it != heads.end() ? it->second : tx->deviceHead(request.device_id());
            response.set_device_head_seq(head.lastSeq);
            response.set_device_head_hash(head.lastHash);
        }
        // Acknowledge only after the commit is durable (synchronous=FULL): DESIGN "Records".
        tx->commit();
    } catch (const std::exception& ex) {
        return Error{"gateway store", std::string("push not stored, nothing acknowledged: ") + ex.what()};
    }
    response.set_server_time_ms(m_clock.nowMs());
    return response;
}

Result<SyncDomain::RestoreSummary> SyncDomain::restore(const std::vector<v1::ServerEvent>& events,
                                                       const std::string& source)
{
    RestoreSummary summary;
    try {
        auto tx = m_store.beginWrite();
        if (tx->serverHead().lastSeq != 0)
            return Error{"import", "this gateway already holds events: an export is imported into an empty gateway"};
        ServerHead server;
        std::map<std::string, DeviceHead> heads;
        std::map<uint64_t, uint64_t> here; // the source's server_seq -> this gateway's
        // base_version and kept_server_seq name the source's numbering; events of other studies are not in the file.
        auto mapSeq = [&](uint64_t sourceSeq) -> uint64_t {
            auto it = here.upper_bound(sourceSeq);
            return it == here.begin() ? 0 : std::prev(it)->second;
        };
        for (const auto& original : events) {
            const auto& e = original.event();
            const std::string at = "event " + std::to_string(original.server_seq()) + " of the source (device " +
                                   e.device_id() + " seq " + std::to_string(e.device_seq()) + ")";
            if (digestBytes(eventHash(e)) != original.event_hash())
                return Error{at, "does not match the hash recorded at export: the file was altered or leaves items "
                                 "out (a blinded export cannot be imported)"};
            DeviceHead& head = heads[e.device_id()];
            if (e.device_seq() <= head.lastSeq)
                return Error{at, "comes after device seq " + std::to_string(head.lastSeq) + " of the same device"};
            if (e.device_seq() > head.lastSeq + 1) {
                tx->recordAbsent(e.device_id(), head.lastSeq + 1, e.device_seq() - 1, "not in " + source);
                ++summary.absentRanges;
            } else if (e.prev_hash() != (head.lastSeq == 0 ? genesisHash() : head.lastHash)) {
                return Error{at, "does not link to the device's previous event"};
            }
            const Status content = checkContent(*tx, e);
            if (!content)
                return Error{at, "refused by this gateway's rules: " + content.error().text()};

            v1::ServerEvent se;
            *se.mutable_event() = e;
            se.set_server_seq(server.lastSeq + 1);
            se.set_received_at_ms(original.received_at_ms());
            se.set_event_hash(original.event_hash());
            se.set_clock_skew_ms(original.clock_skew_ms());
            se.set_clock_flagged(original.clock_flagged());
            merge(*tx, se, mapSeq(e.base_version()));
            // The merge is deterministic: replayed in the same order it must find what the source found.
            std::vector<std::pair<std::string, uint64_t>> found, recorded;
            for (const auto& c : se.conflicts())
                found.emplace_back(c.item_oid(), c.kept_server_seq());
            for (const auto& c : original.conflicts())
                recorded.emplace_back(c.item_oid(), mapSeq(c.kept_server_seq()));
            if (found != recorded || !std::equal(se.resolved_items().begin(), se.resolved_items().end(),
                                                 original.resolved_items().begin(), original.resolved_items().end()))
                return Error{at, "merged here with other conflicts or resolutions than at the source"};
            se.set_server_hash(
                digestBytes(serverChainHash(server.lastHash.empty() ? genesisHash() : server.lastHash, se)));
            tx->append(se);
            m_trial.apply(*tx, se, /*checkBoxes=*/false);
            applyEditChecks(*tx, m_studies, se);
            here[original.server_seq()] = se.server_seq();
            server = {se.server_seq(), se.server_hash()};
            head = {e.device_seq(), original.event_hash()};
            ++summary.events;
        }
        tx->commit();
        summary.lastServerSeq = server.lastSeq;
    } catch (const std::exception& ex) {
        return Error{"gateway store", std::string("import not stored: ") + ex.what()};
    }
    return summary;
}

void DeviceBatchOrder::enter(const std::string& deviceId, uint64_t firstSeq, std::chrono::milliseconds limit)
{
    std::unique_lock lock(m_mutex);
    m_left.wait_for(lock, limit, [&] { // looked up each time: leave() drops a device with nothing in progress
        auto it = m_inProgress.find(deviceId);
        return it == m_inProgress.end() || *it->second.begin() >= firstSeq;
    });
    m_inProgress[deviceId].insert(firstSeq);
}

DeviceBatchOrder::Turn::Turn(DeviceBatchOrder& order, std::string deviceId, uint64_t firstSeq,
                             std::chrono::milliseconds limit)
    : m_order(order), m_deviceId(std::move(deviceId)), m_firstSeq(firstSeq)
{
    m_order.enter(m_deviceId, m_firstSeq, limit);
}

DeviceBatchOrder::Turn::~Turn()
{
    m_order.leave(m_deviceId, m_firstSeq);
}

void DeviceBatchOrder::leave(const std::string& deviceId, uint64_t firstSeq)
{
    {
        std::lock_guard lock(m_mutex);
        auto it = m_inProgress.find(deviceId);
        if (it != m_inProgress.end()) {
            if (auto one = it->second.find(firstSeq); one != it->second.end())
                it->second.erase(one);
            if (it->second.empty())
                m_inProgress.erase(it);
        }
    }
    m_left.notify_all();
}

Status SyncDomain::checkContent(WriteTransaction& tx, const v1::ChangeEvent& e) const
{
    Status content = validateEventShape(e);
    // Event ids are unique (the store says so, and an ODM AuditRecord is named by it): a second event under an id
    // is refused on its own, never left to fail the batch's commit, which no resend could ever get past.
    if (content) {
        if (auto holder = tx.eventIdHolder(e.event_id()))
            content = messageError("event_id", QT_TRANSLATE_NOOP("Core", "already the id of event %1 of device %2"),
                                   {std::to_string(holder->second), holder->first});
    }
    if (content)
        content = checkReasonForChange(e);
    if (content)
        content = m_studies.check(e);
    if (content)
        content = m_trial.check(tx, e);
    return content;
}

void SyncDomain::merge(WriteTransaction& tx, v1::ServerEvent& se, uint64_t baseVersion)
{
    const auto& e = se.event();
    const FieldKey formKey{e.study_id(),        e.form().subject_id(), e.form().visit_oid(),
                           e.form().form_oid(), e.form().repeat(),     {}};
    FormMergeState& form = tx.formState(formKey);
    auto keyOf = [&](const std::string& itemOid) {
        FieldKey key = formKey;
        key.itemOid = itemOid;
        return key;
    };
    const uint64_t seq = se.server_seq();
    for (const auto& c : e.changes()) {
        const auto current = form.field(c.item_oid());
        // Concurrent: another device changed this field after the version this device based its edit on.
        const bool concurrent = current && current->lastSeq > baseVersion && current->lastDevice != e.device_id();
        const bool same = current && current->present == c.new_present() &&
                          (!c.new_present() || (current->value == c.new_value() && current->unit == c.unit()));
        if (concurrent && !same) {
            // Never last-writer-wins: both values stay in the audit trail, the first accepted one is kept, the field
            // is marked in conflict and a data query is opened (DESIGN "Merge"). Tablets apply the note, not the value.
            auto* note = se.add_conflicts();
            note->set_item_oid(c.item_oid());
            note->set_kept_value(current->value.data(), current->value.size());
            note->set_kept_unit(current->unit.data(), current->unit.size());
            note->set_kept_present(current->present);
            note->set_kept_server_seq(current->valueSeq);
            note->set_conflict_id(tx.openConflict(keyOf(c.item_oid()), current->valueSeq, seq));
            form.touch(c.item_oid(), seq, e.device_id());
            continue;
        }
        // A write made with knowledge of the conflicting change (or identical to it) resolves the open query; any
        // change of a saved value carries a reason (checked before).
        if (form.hasOpenConflict(c.item_oid())) {
            tx.resolveConflicts(keyOf(c.item_oid()), seq);
            se.add_resolved_items(c.item_oid());
        }
        form.put(c.item_oid(), FieldView{c.new_value(), c.unit(), c.new_present(), seq, seq, e.device_id()});
    }
}

Result<v1::PullResponse> SyncDomain::pull(const v1::PullRequest& request)
{
    const uint32_t limit = std::clamp<uint32_t>(request.limit() == 0 ? 500 : request.limit(), 1, kMaxPullPage);
    v1::PullResponse response;
    try {
        // The tablet's last pulled event must be here as it was; otherwise this gateway was restored to an earlier
        // point and the numbers after it name other events now (docs/sync.md "Gateway restored").
        if (request.check_seq() > 0) {
            const auto held = m_store.serverHashAt(request.check_seq());
            if (!held || *held != request.check_hash()) {
                response.set_history_differs(true);
                response.set_next_cursor(0);
                response.set_server_time_ms(m_clock.nowMs());
                return response;
            }
        }
        // Ask for one more than the page to learn whether more follow.
        auto events = m_store.eventsAfter(request.after_server_seq(), limit + 1);
        response.set_has_more(events.size() > limit);
        if (events.size() > limit)
            events.resize(limit);
        uint64_t cursor = request.after_server_seq();
        for (auto& se : events) {
            cursor = se.server_seq();
            if (!request.study_id().empty() && se.event().study_id() != request.study_id())
                continue;
            *response.add_events() = std::move(se);
        }
        response.set_next_cursor(cursor);
    } catch (const std::exception& ex) {
        return Error{"gateway store", std::string("pull failed: ") + ex.what()};
    }
    response.set_server_time_ms(m_clock.nowMs());
    return response;
}

} // namespace crf::gateway
