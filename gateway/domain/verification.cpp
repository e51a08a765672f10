#include "verification.h"

#include <exception>

namespace crf::gateway {
namespace {

bool sameInstance(const v1::FormRef& a, const SdvMark& m)
{
    return a.subject_id() == m.subjectId && a.visit_oid() == m.visitOid && a.form_oid() == m.formOid &&
           a.repeat() == m.repeat;
}

/// Whether event `e` changes what mark `m` covers (the whole form instance, or one item of it).
bool touches(const v1::ChangeEvent& e, const SdvMark& m)
{
    if (!sameInstance(e.form(), m))
        return false;
    if (!e.record_status().empty())
        return true; // entered in error or restored: the whole instance changed
    for (const auto& c : e.changes())
        if (m.itemOid.empty() || c.item_oid() == m.itemOid)
            return true;
    return false;
}

} // namespace

std::string VerificationDomain::siteOf(Store& store, const std::string& studyId, const std::string& subjectId)
{
    if (auto site = store.trial().subjectSite(studyId, subjectId); !site.empty())
        return site;
    for (uint64_t after = 0;;) {
        const auto page = store.eventsAfter(after, 1000);
        if (page.empty())
            return {};
        for (const auto& se : page) {
            after = se.server_seq();
            if (se.event().study_id() == studyId && se.event().form().subject_id() == subjectId)
                return se.event().site_id();
        }
    }
}

Result<v1::MarkVerifiedResponse> VerificationDomain::mark(const Principal& who,
                                                          const v1::MarkVerifiedRequest& request) const
{
    const auto& f = request.form();
    if (f.subject_id().empty() || f.visit_oid().empty() || f.form_oid().empty())
        return Error{"form", "name the subject, visit and form verified"};
    try {
        // Only what the gateway holds can be verified; the mark remembers where the log stood.
        SdvMark m{0,
                  request.study_id(),
                  "",
                  f.subject_id(),
                  f.visit_oid(),
                  f.form_oid(),
                  f.repeat(),
                  request.item_oid(),
                  who.userId,
                  m_clock.nowMs(),
                  0};
        bool found = false;
        for (uint64_t after = 0;;) {
            const auto page = m_store.eventsAfter(after, 1000);
            if (page.empty())
                break;
            for (const auto& se : page) {
                after = se.server_seq();
                m.atSeq = after;
                if (se.event().study_id() == request.study_id() && touches(se.event(), m)) {
                    found = true;
                    m.siteId = se.event().site_id();
                }
            }
        }
        if (!found)
            return Error{request.item_oid().empty() ? "form" : "item_oid",
                         "nothing recorded at the gateway for " + f.subject_id() + " " + f.visit_oid() + " " +
                             f.form_oid() + (request.item_oid().empty() ? "" : " " + request.item_oid())};
        v1::MarkVerifiedResponse out;
        out.set_mark_id(m_store.trial().addSdvMark(m));
        return out;
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::VerificationResponse> VerificationDomain::list(const v1::VerificationRequest& request) const
{
    v1::VerificationResponse out;
    try {
        const auto marks = m_store.trial().sdvMarks(request.study_id(), request.site_id());
        std::vector<uint64_t> clearedBy(marks.size(), 0);
        uint64_t from = UINT64_MAX;
        for (const auto& m : marks)
            from = std::min(from, m.atSeq);
        for (uint64_t after = marks.empty() ? UINT64_MAX : from; after != UINT64_MAX;) {
            const auto page = m_store.eventsAfter(after, 1000);
            if (page.empty())
                break;
            for (const auto& se : page) {
                after = se.server_seq();
                for (size_t i = 0; i < marks.size(); ++i)
                    if (!clearedBy[i] && se.server_seq() > marks[i].atSeq && touches(se.event(), marks[i]))
                        clearedBy[i] = se.server_seq();
            }
        }
        for (size_t i = 0; i < marks.size(); ++i) {
            const auto& m = marks[i];
            auto* v = out.add_marks();
            v->set_mark_id(m.id);
            v->mutable_form()->set_subject_id(m.subjectId);
            v->mutable_form()->set_visit_oid(m.visitOid);
            v->mutable_form()->set_form_oid(m.formOid);
            v->mutable_form()->set_repeat(m.repeat);
            v->set_item_oid(m.itemOid);
            v->set_site_id(m.siteId);
            v->set_user_id(m.userId);
            v->set_marked_at_ms(m.atMs);
            v->set_cleared(clearedBy[i] != 0);
            v->set_cleared_by_seq(clearedBy[i]);
        }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return out;
}

} // namespace crf::gateway
