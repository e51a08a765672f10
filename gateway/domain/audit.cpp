#include "audit.h"

#include "change_event.h"
#include "definition.h"
#include "event_rules.h"
#include "photo.h"

#include <algorithm>
#include <map>

namespace crf::gateway {
namespace {

std::string bytes(const Digest& d)
{
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

struct ChainLink {
    uint64_t seq;
    std::string prevHash, hash;
    std::string where;
};

} // namespace

AuditReport verifyAudit(Store& store)
{
    AuditReport report;
    std::map<std::string, std::vector<ChainLink>> devices;
    std::string prevServer = genesisHash();
    uint64_t cursor = 0;
    try {
        // One event at a time: an altered row must be named, not abort the whole read.
        while (true) {
            std::vector<v1::ServerEvent> page;
            try {
                page = store.eventsAfter(cursor, 1);
            } catch (const std::exception& e) {
                report.firstBrokenLink = "server_seq " + std::to_string(cursor + 1) +
                                         ": the stored event cannot be read (altered?): " + e.what();
                return report;
            }
            if (page.empty())
                break;
            const auto& se = page.front();
            const std::string at = "server_seq " + std::to_string(se.server_seq());
            if (se.server_seq() != cursor + 1) {
                report.firstBrokenLink = at + ": expected server_seq " + std::to_string(cursor + 1) + " (gap)";
                return report;
            }
            if (bytes(eventHash(se.event())) != se.event_hash()) {
                report.firstBrokenLink = at + ": the event's content does not match its recorded hash";
                return report;
            }
            // Rows written before gateway schema 2 carry none of its additions and the version-1 link.
            const bool v1Row = se.clock_skew_ms() == 0 && !se.clock_flagged() && se.conflicts_size() == 0 &&
                               se.resolved_items_size() == 0 &&
                               bytes(serverChainHashV1(prevServer, se)) == se.server_hash();
            if (!v1Row && bytes(serverChainHash(prevServer, se)) != se.server_hash()) {
                report.firstBrokenLink = at + ": the gateway's hash chain is broken here";
                return report;
            }
            prevServer = se.server_hash();
            devices[se.event().device_id()].push_back(
                {se.event().device_seq(), se.event().prev_hash(), se.event_hash(), at});
            cursor = se.server_seq();
            ++report.eventsChecked;
        }
        for (const auto& r : store.refused({})) {
            const std::string at =
                "refused event of device " + r.event.device_id() + " seq " + std::to_string(r.event.device_seq());
            if (bytes(eventHash(r.event)) != r.eventHash) {
                report.firstBrokenLink = at + ": the event's content does not match its recorded hash";
                return report;
            }
            devices[r.event.device_id()].push_back({r.event.device_seq(), r.event.prev_hash(), r.eventHash, at});
            ++report.refusedChecked;
        }
    } catch (const std::exception& e) {
        report.firstBrokenLink = std::string("the audit store cannot be read: ") + e.what();
        return report;
    }
    std::map<std::pair<std::string, uint64_t>, uint64_t> absent; // (device, first seq) -> last seq
    try {
        for (const auto& r : store.absentRanges())
            absent[{r.deviceId, r.firstSeq}] = r.lastSeq;
    } catch (const std::exception& e) {
        report.firstBrokenLink = std::string("the audit store cannot be read: ") + e.what();
        return report;
    }
    report.devices = devices.size();
    for (auto& [device, links] : devices) {
        std::sort(links.begin(), links.end(), [](const ChainLink& a, const ChainLink& b) { return a.seq < b.seq; });
        std::string prev = genesisHash();
        uint64_t expected = 1;
        for (const auto& l : links) {
            if (l.seq != expected) {
                // Only a range recorded by an import, exactly up to this event, may be absent.
                const auto range = absent.find({device, expected});
                if (l.seq < expected || range == absent.end() || range->second + 1 != l.seq) {
                    report.firstBrokenLink = "device " + device + " seq " + std::to_string(expected) + ": missing (" +
                                             l.where + " follows " + std::to_string(expected - 1) + ")";
                    return report;
                }
                ++report.absentLinks;
                prev = l.prevHash; // the absent event's hash, as the next event names it (covered by its own hash)
            }
            expected = l.seq + 1;
            if (l.prevHash != prev) {
                report.firstBrokenLink = "device " + device + " seq " + std::to_string(l.seq) + " (" + l.where +
                                         "): does not link to the device's previous event";
                return report;
            }
            prev = l.hash;
        }
    }
    // A photo is named by the SHA-256 of its bytes: read back one at a time, each must still hash to its name.
    try {
        for (const auto& digest : store.verifiedPhotos()) {
            std::string held;
            try {
                held = store.photoBytes(digest);
            } catch (const std::exception& e) {
                report.firstBrokenLink = "photo " + digest + ": cannot be read: " + e.what();
                return report;
            }
            if (photo::digestHex(held) != digest) {
                report.firstBrokenLink = "photo " + digest + ": its stored bytes do not match its digest (altered?)";
                return report;
            }
            ++report.photosChecked;
        }
    } catch (const std::exception& e) {
        report.firstBrokenLink = std::string("the photo store cannot be read: ") + e.what();
        return report;
    }
    return report;
}

std::vector<AwaitingPhoto> eventsAwaitingPhotos(Store& store, const StudyRegistry& studies)
{
    std::vector<AwaitingPhoto> out;
    uint64_t cursor = 0;
    while (true) {
        const auto page = store.eventsAfter(cursor, 500);
        if (page.empty())
            break;
        for (const auto& se : page) {
            cursor = se.server_seq();
            const auto& e = se.event();
            const v1::StudyDefinition* def = studies.find(e.study_id());
            const v1::Form* form = def ? study::findForm(*def, e.form().form_oid()) : nullptr;
            if (!form)
                continue;
            for (const auto& c : e.changes()) {
                const v1::Item* item = study::findItem(*form, c.item_oid());
                if (!item || item->type() != v1::ITEM_TYPE_PHOTO || !c.new_present())
                    continue;
                const auto state = store.photoState(c.new_value());
                if (!state || !state->verified)
                    out.push_back({se.server_seq(), c.item_oid(), c.new_value()});
            }
        }
    }
    return out;
}

Result<std::vector<HistoryEntry>> fieldHistory(Store& store, const std::string& subjectId, const std::string& itemOid)
{
    std::vector<HistoryEntry> out;
    auto add = [&](const v1::ChangeEvent& e, uint64_t seq, int64_t receivedAt, const std::string& notes,
                   const v1::ServerEvent* se) {
        if (e.form().subject_id() != subjectId)
            return;
        // Who, where, when and why: the same for every change of the event.
        HistoryEntry base;
        base.serverSeq = seq;
        base.visitOid = e.form().visit_oid();
        base.formOid = e.form().form_oid();
        base.repeat = e.form().repeat();
        base.userId = e.user_id();
        base.role = e.role();
        base.siteId = e.site_id();
        base.deviceId = e.device_id();
        base.capturedAtMs = e.captured_at_ms();
        base.capturedOffsetMin = e.captured_utc_offset_min();
        base.receivedAtMs = receivedAt;
        base.reasonCode = e.reason().code();
        base.reasonText = e.reason().text();
        base.notes = notes;
        if (e.has_signature() && itemOid.empty()) {
            HistoryEntry h = base;
            h.itemOid = "(signature)";
            h.newValue =
                e.signature().scope() + " signed by " + e.signature().printed_name() + ": " + e.signature().meaning();
            h.newPresent = true;
            out.push_back(std::move(h));
        }
        if (!e.record_status().empty() && itemOid.empty()) {
            HistoryEntry h = base;
            h.itemOid = "(record status)";
            h.newValue = e.record_status();
            h.newPresent = true;
            out.push_back(std::move(h));
        }
        for (const auto& c : e.changes()) {
            if (!itemOid.empty() && c.item_oid() != itemOid)
                continue;
            HistoryEntry h = base;
            h.itemOid = c.item_oid();
            h.oldValue = c.old_value();
            h.newValue = c.new_value();
            h.unit = c.unit();
            h.oldPresent = c.old_present();
            h.newPresent = c.new_present();
            if (se) {
                for (const auto& n : se->conflicts())
                    if (n.item_oid() == c.item_oid())
                        h.notes += "CONFLICT (query " + std::to_string(n.conflict_id()) +
                                   "): value kept from server_seq " + std::to_string(n.kept_server_seq()) + "; ";
                for (const auto& r : se->resolved_items())
                    if (r == c.item_oid())
                        h.notes += "resolves the open conflict; ";
                if (se->clock_flagged())
                    h.notes += "device clock off by " + std::to_string(se->clock_skew_ms() / 1000) + " s; ";
            }
            out.push_back(std::move(h));
        }
    };
    try {
        uint64_t cursor = 0;
        while (true) {
            auto page = store.eventsAfter(cursor, 500);
            if (page.empty())
                break;
            for (const auto& se : page) {
                add(se.event(), se.server_seq(), se.received_at_ms(), {}, &se);
                cursor = se.server_seq();
            }
        }
        for (const auto& r : store.refused({}))
            add(r.event, 0, r.receivedAtMs, "REFUSED: " + r.reason + "; ", nullptr);
    } catch (const std::exception& e) {
        return Error{"audit store", e.what()};
    }
    return out;
}

} // namespace crf::gateway
