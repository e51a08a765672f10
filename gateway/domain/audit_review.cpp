#include "audit_review.h"

#include "clock.h"

#include <cstdio>
#include <exception>
#include <map>

namespace crf::gateway {

int AuditReviewReport::count(const std::string& kind) const
{
    int n = 0;
    for (const auto& f : findings)
        n += f.kind == kind;
    return n;
}

Result<AuditReviewReport> reviewAuditTrail(Store& store, const AuditReviewOptions& o)
{
    AuditReviewReport report;
    struct UserStats {
        int events = 0, corrections = 0;
        std::string siteId;
    };
    std::map<std::string, UserStats> users;
    int corrections = 0;
    try {
        for (uint64_t after = 0;;) {
            const auto page = store.eventsAfter(after, 1000);
            if (page.empty())
                break;
            for (const auto& se : page) {
                after = se.server_seq();
                const auto& e = se.event();
                if (e.study_id() != o.studyId)
                    continue;
                ++report.events;
                auto finding = [&](const char* kind, std::string text) {
                    report.findings.push_back(ReviewFinding{kind, e.user_id(), e.device_id(), e.site_id(),
                                                            e.form().subject_id(), se.server_seq(), std::move(text)});
                };
                // The hour at the bedside: capture time in the device's own offset.
                const int64_t localMs = e.captured_at_ms() + int64_t{e.captured_utc_offset_min()} * 60 * 1000;
                const int hour = static_cast<int>(((localMs / 3'600'000) % 24 + 24) % 24);
                const bool night = o.nightStartHour > o.nightEndHour
                                       ? (hour >= o.nightStartHour || hour < o.nightEndHour)
                                       : (hour >= o.nightStartHour && hour < o.nightEndHour);
                if (night)
                    finding("UNEXPECTED_HOUR", "captured at " + std::to_string(hour) + " h local time (" +
                                                   isoUtc(e.captured_at_ms()) + ")");
                const int64_t delay = se.received_at_ms() - e.captured_at_ms();
                if (delay > o.delayMs) {
                    char hours[32];
                    std::snprintf(hours, sizeof hours, "%.1f", static_cast<double>(delay) / 3.6e6);
                    finding("LATE_UPLOAD", std::string("received ") + hours + " h after capture");
                }
                if (se.clock_flagged()) {
                    char minutes[32];
                    std::snprintf(minutes, sizeof minutes, "%.1f", static_cast<double>(se.clock_skew_ms()) / 6e4);
                    finding("CLOCK", std::string("device clock off by ") + minutes + " min when pushed");
                }
                bool corrected = false;
                for (const auto& c : e.changes())
                    corrected = corrected || c.old_present();
                auto& u = users[e.user_id()];
                u.siteId = e.site_id();
                ++u.events;
                u.corrections += corrected;
                corrections += corrected;
            }
        }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    // Correction rates: a user whose share of corrections stands well above the study's.
    const double overall = report.events ? static_cast<double>(corrections) / report.events : 0;
    for (const auto& [user, s] : users) {
        if (s.events < o.minEvents)
            continue;
        const double share = static_cast<double>(s.corrections) / s.events;
        if (share > 0 && share > o.rateFactor * overall) {
            char text[160];
            std::snprintf(text, sizeof text, "%d of %d changes correct saved values (%.0f %%; study %.0f %%)",
                          s.corrections, s.events, share * 100, overall * 100);
            report.findings.push_back(ReviewFinding{"CORRECTION_RATE", user, "", s.siteId, "", 0, text});
        }
    }
    return report;
}

} // namespace crf::gateway
