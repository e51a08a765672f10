#include "central_review.h"

#include "crypto.h"
#include "definition.h"
#include "kappa.h"

#include <exception>
#include <map>
#include <set>

namespace crf::gateway {
namespace {

constexpr int kCategories = 6; // mottling score 0-5 (Ait-Oufella 2011)

std::string randomCode()
{
    unsigned char bytes[6];
    randomBytes(bytes, sizeof bytes);
    static const char* hex = "0123456789ABCDEF";
    std::string code = "MOT-";
    for (unsigned char b : bytes) {
        code += hex[b >> 4];
        code += hex[b & 15];
    }
    return code;
}

struct Instance {
    std::string digest, siteId, score;
};

/// The current photo digest and score of every form instance that holds a photo item.
std::map<std::string, std::pair<ReviewRow, std::string>> photoForms(Store& store, const v1::StudyDefinition& def)
{
    std::map<std::string, std::pair<ReviewRow, std::string>> out; // instance key -> (row, site score)
    for (uint64_t after = 0;;) {
        const auto page = store.eventsAfter(after, 1000);
        if (page.empty())
            break;
        for (const auto& se : page) {
            after = se.server_seq();
            const auto& e = se.event();
            if (e.study_id() != def.study_id())
                continue;
            const v1::Form* form = study::findForm(def, e.form().form_oid());
            if (!form)
                continue;
            const std::string key = e.form().subject_id() + "/" + e.form().visit_oid() + "/" + e.form().form_oid() +
                                    "/" + std::to_string(e.form().repeat());
            for (const auto& c : e.changes()) {
                const v1::Item* item = study::findItem(*form, c.item_oid());
                if (!item || !c.new_present())
                    continue;
                auto& [row, score] = out[key];
                if (item->type() == v1::ITEM_TYPE_PHOTO) {
                    row = ReviewRow{"",          def.study_id(),       c.new_value(),       e.form().subject_id(),
                                    e.site_id(), e.form().visit_oid(), e.form().form_oid(), e.form().repeat()};
                } else if (item->code_list_oid() == "MOTTLING") {
                    score = c.new_value();
                }
            }
        }
    }
    return out;
}

} // namespace

Result<v1::ReviewQueueResponse> CentralReview::queue(const Principal& who, const v1::ReviewQueueRequest& request) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def)
        return Error{"study_id", "unknown study " + request.study_id()};
    try {
        std::set<std::string> known;
        for (const auto& r : m_store.trial().reviewItems(request.study_id()))
            known.insert(r.digest + "|" + r.subjectId + "|" + r.visitOid + "|" + r.formOid + "|" +
                         std::to_string(r.repeat));
        for (auto& [key, entry] : photoForms(m_store, *def)) {
            ReviewRow row = entry.first;
            if (row.digest.empty())
                continue;
            const auto state = m_store.photoState(row.digest);
            if (!state || !state->verified)
                continue; // not whole at the gateway yet
            if (known.count(row.digest + "|" + row.subjectId + "|" + row.visitOid + "|" + row.formOid + "|" +
                            std::to_string(row.repeat)))
                continue;
            row.code = randomCode();
            m_store.trial().addReviewItem(row);
        }
        std::map<std::string, int> mine; // code -> this assessor's latest score (scores come in time order)
        for (const auto& s : m_store.trial().centralScores(request.study_id()))
            if (s.assessor == who.userId)
                mine[s.code] = s.score;
        v1::ReviewQueueResponse out;
        for (const auto& r : m_store.trial().reviewItems(request.study_id())) {
            auto* item = out.add_items();
            item->set_code(r.code);
            const auto score = mine.find(r.code);
            item->set_scored(score != mine.end());
            if (score != mine.end())
                item->set_my_score(score->second);
        }
        return out;
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::ReviewPhotoResponse> CentralReview::photo(const v1::ReviewPhotoRequest& request) const
{
    try {
        for (const auto& r : m_store.trial().reviewItems(request.study_id()))
            if (r.code == request.code()) {
                v1::ReviewPhotoResponse out;
                out.set_jpeg(m_store.photoBytes(r.digest));
                return out;
            }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return Error{"code", "no photo " + request.code()};
}

Result<v1::SubmitScoreResponse> CentralReview::score(const Principal& who, const v1::SubmitScoreRequest& request) const
{
    if (request.score() < 0 || request.score() >= kCategories)
        return Error{"score", "the mottling score is 0 to 5"};
    try {
        bool known = false;
        for (const auto& r : m_store.trial().reviewItems(request.study_id()))
            known = known || r.code == request.code();
        if (!known)
            return Error{"code", "no photo " + request.code()};
        m_store.trial().addCentralScore(CentralScore{request.code(), who.userId, request.score(), m_clock.nowMs()});
        return v1::SubmitScoreResponse{};
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
}

Result<v1::ReviewReportResponse> CentralReview::report(const v1::ReviewReportRequest& request) const
{
    const v1::StudyDefinition* def = m_studies.find(request.study_id());
    if (!def)
        return Error{"study_id", "unknown study " + request.study_id()};
    v1::ReviewReportResponse out;
    try {
        std::map<std::string, int> central; // code -> latest central score
        for (const auto& s : m_store.trial().centralScores(request.study_id()))
            central[s.code] = s.score;
        const auto forms = photoForms(m_store, *def);
        std::vector<std::pair<int, int>> pairs;
        const auto items = m_store.trial().reviewItems(request.study_id());
        out.set_photos(static_cast<uint32_t>(items.size()));
        for (const auto& r : items) {
            const std::string key = r.subjectId + "/" + r.visitOid + "/" + r.formOid + "/" + std::to_string(r.repeat);
            auto f = forms.find(key);
            auto c = central.find(r.code);
            if (f == forms.end() || c == central.end() || f->second.second.empty())
                continue;
            const int site = std::atoi(f->second.second.c_str());
            pairs.emplace_back(site, c->second);
            out.set_exact_agreement(out.exact_agreement() + (site == c->second));
        }
        out.set_pairs(static_cast<uint32_t>(pairs.size()));
        auto linear = kappa::weighted(pairs, kCategories, kappa::Weights::Linear);
        auto quadratic = kappa::weighted(pairs, kCategories, kappa::Weights::Quadratic);
        if (linear && quadratic) {
            out.set_kappa_linear(*linear);
            out.set_kappa_quadratic(*quadratic);
        } else {
            out.set_note(linear ? quadratic.error().what : linear.error().what);
        }
    } catch (const std::exception& ex) {
        return Error{"gateway store", ex.what()};
    }
    return out;
}

} // namespace crf::gateway
