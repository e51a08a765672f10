#include "query_domain.h"

#include "edit_checks.h"
#include "query.h"
#include "verification.h"

#include <exception>
#include <map>

namespace crf::gateway {

Result<query::State> stateOfSteps(const std::vector<QueryStepRow>& steps)
{
    std::vector<query::Action> actions;
    for (const auto& s : steps) {
        const auto a = query::parseAction(s.action);
        if (!a)
            return Error{"query step", "unknown action \"" + s.action + "\""};
        actions.push_back(*a);
    }
    return query::replay(actions);
}
namespace {

void setForm(v1::FormRef* f, const std::string& subject, const std::string& visit, const std::string& form,
             uint32_t repeat)
{
    f->set_subject_id(subject);
    f->set_visit_oid(visit);
    f->set_form_oid(form);
    f->set_repeat(repeat);
}

bool isOpen(const std::string& state)
{
    return state == "OPEN" || state == "ANSWERED";
}

} // namespace

std::optional<uint64_t> QueryDomain::manualId(const std::string& id)
{
    if (id.size() < 3 || id.rfind("M-", 0) != 0)
        return std::nullopt;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(id.c_str() + 2, &end, 10);
    if (*end != '\0' || n == 0)
        return std::nullopt;
    return n;
}

Result<v1::DataQuery> QueryDomain::load(uint64_t id) const
{
    const auto row = m_store.trial().query(id);
    if (!row)
        return messageError("query_id", QT_TRANSLATE_NOOP("Core", "no query M-%1"), {std::to_string(id)});
    v1::DataQuery q;
    q.set_id("M-" + std::to_string(id));
    q.set_study_id(row->studyId);
    q.set_site_id(row->siteId);
    setForm(q.mutable_form(), row->subjectId, row->visitOid, row->formOid, row->repeat);
    q.set_item_oid(row->itemOid);
    const auto steps = m_store.trial().querySteps(id);
    q.set_origin(!steps.empty() && steps.front().role == kEditCheckRole ? "EDIT_CHECK" : "MANUAL");
    for (const auto& s : steps) {
        auto* step = q.add_steps();
        step->set_action(s.action);
        step->set_user_id(s.userId);
        step->set_role(s.role);
        step->set_at_ms(s.atMs);
        step->set_text(s.text);
    }
    auto state = stateOfSteps(steps);
    q.set_state(state ? std::string(query::stateCode(*state)) : "INVALID");
    return q;
}

Result<v1::DataQuery> QueryDomain::open(const Principal& who, const std::string& role,
                                        const v1::OpenQueryRequest& request) const
{
    const auto& f = request.form();
    if (f.subject_id().empty() || f.visit_oid().empty() || f.form_oid().empty())
        return Error{"form", "name the subject, visit and form in question"};
    if (auto first = query::next(std::nullopt, query::Action::Open, request.text()); !first)
        return messageError("text", first.error().message());
    try {
        const std::string site = VerificationDomain::siteOf(m_store, request.study_id(), f.subject_id());
        if (site.empty())
            return Error{"form", "subject " + f.subject_id() + " is not known at the gateway"};
        const QueryRow row{0,          request.study_id(), site, f.subject_id(), f.visit_oid(), f.form_oid(),
                           f.repeat(), request.item_oid()};
        const uint64_t id =
            m_store.trial().openQuery(row, QueryStepRow{0, "OPEN", who.userId, role, m_clock.nowMs(), request.text()});
        return load(id);
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::DataQuery> QueryDomain::act(const Principal& who, const std::string& role,
                                       const v1::QueryActionRequest& request) const
{
    const auto id = manualId(request.query_id());
    if (!id)
        return messageError("query_id",
                            QT_TRANSLATE_NOOP("Core", "\"%1\": only queries opened by hand (M-...) take actions; a "
                                                      "conflict closes when resolved by a new value with its reason, a "
                                                      "randomization query by the data manager's review"),
                            {request.query_id()});
    const auto action = query::parseAction(request.action());
    if (!action || *action == query::Action::Open)
        return Error{"action", "ANSWER, CLOSE, REOPEN or CANCEL"};
    try {
        auto current = load(*id);
        if (!current)
            return current.error();
        auto state = query::replay([&] {
            std::vector<query::Action> actions;
            for (const auto& s : current->steps())
                actions.push_back(*query::parseAction(s.action()));
            return actions;
        }());
        if (!state)
            return state.error();
        if (auto next = query::next(*state, *action, request.text()); !next)
            return next.error();
        m_store.trial().addQueryStep(QueryStepRow{*id, std::string(query::actionCode(*action)), who.userId, role,
                                                  m_clock.nowMs(), request.text()});
        return load(*id);
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::ListQueriesResponse> QueryDomain::list(const v1::ListQueriesRequest& request) const
{
    v1::ListQueriesResponse out;
    try {
        for (const auto& row : m_store.trial().queries(request.study_id(), request.site_id())) {
            auto q = load(row.id);
            if (q && (!request.open_only() || isOpen(q->state())))
                *out.add_queries() = std::move(q).value();
        }
        // Queries the gateway opened itself. Conflicts: open until a value with its reason resolves them.
        std::map<std::string, std::string> siteOf;
        for (const auto& c : m_store.conflicts(request.open_only())) {
            if (c.field.studyId != request.study_id())
                continue;
            auto it = siteOf.find(c.field.subjectId);
            if (it == siteOf.end())
                it = siteOf
                         .emplace(c.field.subjectId,
                                  VerificationDomain::siteOf(m_store, request.study_id(), c.field.subjectId))
                         .first;
            if (!request.site_id().empty() && it->second != request.site_id())
                continue;
            auto* q = out.add_queries();
            q->set_id("C-" + std::to_string(c.id));
            q->set_study_id(c.field.studyId);
            q->set_site_id(it->second);
            setForm(q->mutable_form(), c.field.subjectId, c.field.visitOid, c.field.formOid, c.field.repeat);
            q->set_item_oid(c.field.itemOid);
            q->set_origin("CONFLICT");
            q->set_state(c.open ? "OPEN" : "CLOSED");
            auto* step = q->add_steps();
            step->set_action("OPEN");
            step->set_user_id("gateway");
            step->set_text("changed concurrently: events " + std::to_string(c.keptSeq) + " (kept) and " +
                           std::to_string(c.otherSeq));
            if (!c.open) {
                auto* closed = q->add_steps();
                closed->set_action("CLOSE");
                closed->set_user_id("gateway");
                closed->set_text("resolved by event " + std::to_string(c.resolvedBySeq));
            }
        }
        for (const auto& r : m_store.trial().trialQueries(request.study_id())) {
            if (!request.site_id().empty() && r.siteId != request.site_id())
                continue;
            auto* q = out.add_queries();
            q->set_id("R-" + std::to_string(r.id));
            q->set_study_id(r.studyId);
            q->set_site_id(r.siteId);
            q->mutable_form()->set_subject_id(r.subjectId);
            q->set_origin(r.kind);
            q->set_state("OPEN");
            auto* step = q->add_steps();
            step->set_action("OPEN");
            step->set_user_id("gateway");
            step->set_at_ms(r.openedAtMs);
            step->set_text(r.text);
        }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return out;
}

} // namespace crf::gateway
