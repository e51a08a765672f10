#include "translation.h"

#include <map>
#include <set>

namespace crf::study {

void forEachText(v1::StudyDefinition& def, const std::function<void(const std::string& key, std::string& text)>& visit)
{
    auto maybe = [&](const std::string& key, std::string* text) {
        if (!text->empty())
            visit(key, *text);
    };
    maybe("title", def.mutable_title());
    for (auto& v : *def.mutable_visits())
        maybe("visit." + v.oid(), v.mutable_name());
    for (auto& f : *def.mutable_forms()) {
        maybe("form." + f.oid(), f.mutable_name());
        maybe("form." + f.oid() + ".description", f.mutable_description());
        int n = 0;
        for (auto& s : *f.mutable_sections()) {
            maybe("section." + f.oid() + "." + std::to_string(++n), s.mutable_title());
            for (auto& i : *s.mutable_items()) {
                // By form: the same item OID may carry another label on another form.
                maybe("item." + f.oid() + "." + i.oid(), i.mutable_label());
                maybe("item." + f.oid() + "." + i.oid() + ".help", i.mutable_help());
            }
        }
        for (auto& c : *f.mutable_checks())
            maybe("check." + f.oid() + "." + c.id(), c.mutable_message());
    }
    for (auto& cl : *def.mutable_code_lists())
        for (auto& c : *cl.mutable_items())
            maybe("code." + cl.oid() + "." + c.code(), c.mutable_label());
    for (auto* criteria :
         {def.mutable_eligibility()->mutable_inclusion(), def.mutable_eligibility()->mutable_exclusion()})
        for (auto& c : *criteria)
            maybe("criterion." + c.id(), c.mutable_text());
    for (auto& a : *def.mutable_arms()) {
        maybe("arm." + a.id(), a.mutable_name());
        maybe("arm." + a.id() + ".description", a.mutable_description());
    }
    if (def.has_randomization())
        maybe("randomization.code_break_procedure", def.mutable_randomization()->mutable_code_break_procedure());
}

namespace {

/// Every unit of the definition's numeric items, as "unit.<unit>" keys (display labels, optional).
std::set<std::string> unitKeysOf(const v1::StudyDefinition& def)
{
    std::set<std::string> keys;
    for (const auto& f : def.forms())
        for (const auto& s : f.sections())
            for (const auto& i : s.items())
                for (const auto& u : i.units())
                    if (!u.unit().empty())
                        keys.insert("unit." + u.unit());
    return keys;
}

std::set<std::string> keysOf(const v1::StudyDefinition& def)
{
    v1::StudyDefinition copy = def;
    std::set<std::string> keys = unitKeysOf(def);
    forEachText(copy, [&](const std::string& key, std::string&) { keys.insert(key); });
    return keys;
}

bool languageCode(const std::string& s)
{
    return s.size() == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z';
}

} // namespace

std::vector<Error> validateTranslations(const v1::StudyDefinition& def)
{
    std::vector<Error> out;
    if (def.translations().empty())
        return out;
    const auto keys = keysOf(def);
    // Sorted, so the problems come in a stable order whatever the map's.
    const std::map<std::string, v1::Translations> byLanguage(def.translations().begin(), def.translations().end());
    for (const auto& [language, block] : byLanguage) {
        const std::string where = "translations." + language;
        if (!languageCode(language)) {
            out.push_back({where, "is not a language code (two lowercase letters: fr, en, de...)"});
            continue;
        }
        const std::map<std::string, std::string> texts(block.texts().begin(), block.texts().end());
        for (const auto& [key, text] : texts) {
            if (!keys.count(key))
                out.push_back({where + "." + key, "names no text of this definition"});
            else if (text.empty())
                out.push_back({where + "." + key, "is empty (leave the key out to keep the original text)"});
        }
    }
    return out;
}

v1::StudyDefinition localized(const v1::StudyDefinition& def, const std::string& language)
{
    v1::StudyDefinition out = def;
    const auto it = def.translations().find(language);
    if (it == def.translations().end())
        return out;
    const auto& texts = it->second.texts();
    forEachText(out, [&](const std::string& key, std::string& text) {
        if (const auto t = texts.find(key); t != texts.end() && !t->second.empty())
            text = t->second;
    });
    // Units keep their identity (stored with every value); only how they are shown changes.
    for (auto& f : *out.mutable_forms())
        for (auto& s : *f.mutable_sections())
            for (auto& i : *s.mutable_items())
                for (auto& u : *i.mutable_units())
                    if (const auto t = texts.find("unit." + u.unit()); t != texts.end() && !t->second.empty())
                        u.set_label(t->second);
    return out;
}

std::vector<std::string> untranslated(const v1::StudyDefinition& def, const std::string& language)
{
    std::vector<std::string> out;
    const auto it = def.translations().find(language);
    v1::StudyDefinition copy = def;
    forEachText(copy, [&](const std::string& key, std::string&) {
        if (it == def.translations().end() || !it->second.texts().count(key))
            out.push_back(key);
    });
    return out;
}

} // namespace crf::study
