// EventFactory: builds well-formed, correctly chained change events of one device for gateway tests.
#pragma once

#include "change_event.h"

#include <string>
#include <utility>

namespace crf::test {

class EventFactory {
public:
    explicit EventFactory(std::string deviceId) : m_deviceId(std::move(deviceId)) {}

    v1::ChangeEvent next(const std::string& item, const std::string& value, const std::string& subject = "01-001",
                         const std::string& oldValue = {})
    {
        return make("SOFA", "D0", item, value, subject, oldValue, 0, {}, {});
    }

    /// A change of a saved value, made on a given base version, with its reason.
    v1::ChangeEvent nextWith(const std::string& item, const std::string& value, const std::string& oldValue,
                             uint64_t base, const std::string& reasonCode, const std::string& reasonText)
    {
        return make("SOFA", "D0", item, value, "01-001", oldValue, base, reasonCode, reasonText);
    }

    v1::ChangeEvent nextIn(const std::string& form, const std::string& visit, const std::string& item,
                           const std::string& value)
    {
        return make(form, visit, item, value, "01-001", {}, 0, {}, {});
    }

    /// The next event carries `eventId` instead of a new one (a device that reuses an id).
    void useEventIdOnce(std::string eventId) { m_nextEventId = std::move(eventId); }

private:
    v1::ChangeEvent make(const std::string& form, const std::string& visit, const std::string& item,
                         const std::string& value, const std::string& subject, const std::string& oldValue,
                         uint64_t base, const std::string& reasonCode, const std::string& reasonText)
    {
        v1::ChangeEvent e;
        e.set_event_id(m_nextEventId.empty() ? uuidV4() : std::exchange(m_nextEventId, {}));
        e.set_device_id(m_deviceId);
        e.set_device_seq(++m_seq);
        e.set_user_id("nurse1");
        e.set_role("research_nurse");
        e.set_site_id("01");
        e.set_study_id("I-MICRO");
        e.set_definition_version("2020-1");
        e.mutable_form()->set_subject_id(subject);
        e.mutable_form()->set_visit_oid(visit);
        e.mutable_form()->set_form_oid(form);
        e.set_base_version(base);
        e.mutable_reason()->set_code(reasonCode);
        e.mutable_reason()->set_text(reasonText);
        auto* c = e.add_changes();
        c->set_item_oid(item);
        c->set_new_present(true);
        c->set_new_value(value);
        if (!oldValue.empty()) {
            c->set_old_present(true);
            c->set_old_value(oldValue);
        }
        e.set_captured_at_ms(1'790'000'000'000 + static_cast<int64_t>(m_seq));
        e.set_saved_at_ms(e.captured_at_ms());
        e.set_prev_hash(m_prev);
        const auto h = eventHash(e);
        m_prev.assign(reinterpret_cast<const char*>(h.data()), h.size());
        return e;
    }

    std::string m_deviceId;
    uint64_t m_seq = 0;
    std::string m_prev = genesisHash();
    std::string m_nextEventId;
};

} // namespace crf::test
