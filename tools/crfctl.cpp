// crfctl: administration and calculators from the command line (thin: every rule lives in core/ or gateway/).
#include "demo_session.h"
#include "sofa.h"
#include "sofa_items.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

int usage(int rc)
{
    std::fprintf(rc ? stderr : stdout,
                 "usage: crfctl COMMAND [options]\n"
                 "  sofa  --pao2 MMHG --fio2 PCT [--support] --platelets K --bili V [--bili-unit mg/dL|umol/L]\n"
                 "        --map MMHG [--dopamine D] [--dobutamine D] [--epinephrine D] [--norepinephrine D]\n"
                 "        --gcs N --creat V [--creat-unit mg/dL|umol/L] [--urine ML24H]\n"
                 "        SOFA organ scores and total from raw values (missing organs are reported missing)\n"
                 "  stats --data DIR [--json]    what a gateway's store holds\n"
                 "  demo  --gateway-bin PATH --gateway-data DIR --listen HOST:PORT --tablets DIR\n"
                 "        the headless bedside session of ./scripts/demo\n");
    return rc;
}

/// --key value pairs (and bare --flags, mapped to "Y").
std::map<std::string, std::string> parseOptions(int argc, char** argv, int first)
{
    std::map<std::string, std::string> out;
    for (int i = first; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0) {
            std::fprintf(stderr, "crfctl: unexpected argument %s\n", argv[i]);
            std::exit(2);
        }
        k = k.substr(2);
        if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0)
            out[k] = argv[++i];
        else
            out[k] = "Y";
    }
    return out;
}

int sofaCommand(const std::map<std::string, std::string>& opt)
{
    namespace it = crf::sofa::items;
    const std::map<std::string, std::pair<const char*, std::string>> map = {
        {"pao2", {it::kPao2, "mmHg"}},
        {"fio2", {it::kFio2, "%"}},
        {"support", {it::kRespSupport, ""}},
        {"platelets", {it::kPlatelets, ""}},
        {"bili", {it::kBilirubin, ""}},
        {"map", {it::kMap, ""}},
        {"dopamine", {it::kDopamine, ""}},
        {"dobutamine", {it::kDobutamine, ""}},
        {"epinephrine", {it::kEpinephrine, ""}},
        {"norepinephrine", {it::kNorepinephrine, ""}},
        {"gcs", {it::kGcs, ""}},
        {"creat", {it::kCreatinine, ""}},
        {"urine", {it::kUrine, ""}}};
    std::map<std::string, it::Value> values;
    for (const auto& [k, v] : opt) {
        if (k == "bili-unit" || k == "creat-unit")
            continue;
        auto m = map.find(k);
        if (m == map.end()) {
            std::fprintf(stderr, "crfctl sofa: unknown option --%s\n", k.c_str());
            return 2;
        }
        values[m->second.first] = {v, ""};
    }
    values[it::kBilirubin].unit = opt.count("bili-unit") ? opt.at("bili-unit") : "umol/L";
    values[it::kCreatinine].unit = opt.count("creat-unit") ? opt.at("creat-unit") : "umol/L";
    const auto reading = it::read(values);
    const auto r = crf::sofa::compute(reading.inputs);
    int rc = 0;
    for (const auto& e : reading.errors) {
        std::fprintf(stderr, "crfctl sofa: %s: %s\n", e.field.c_str(), e.message.c_str());
        rc = 1;
    }
    for (const auto& e : r.errors) {
        std::fprintf(stderr, "crfctl sofa: %s: %s\n", e.field.c_str(), e.message.c_str());
        rc = 1;
    }
    for (int i = 0; i < crf::sofa::kOrganCount; ++i) {
        const auto organ = static_cast<crf::sofa::Organ>(i);
        const auto s = r.organ(organ);
        std::printf("%-15s %s\n", crf::sofa::organName(organ), s ? std::to_string(*s).c_str() : "missing");
    }
    if (r.pfRatio)
        std::printf("%-15s %.0f mmHg\n", "PaO2/FiO2", *r.pfRatio);
    std::printf("%-15s %d%s\n", "total", r.total, r.complete ? "" : " (incomplete: organs missing)");
    return rc;
}

int statsCommand(const std::map<std::string, std::string>& opt)
{
    if (!opt.count("data")) {
        std::fprintf(stderr, "crfctl stats: --data DIR is required\n");
        return 2;
    }
    auto store = crf::gateway::openSqliteStore(opt.at("data"));
    if (!store) {
        std::fprintf(stderr, "crfctl stats: %s\n", store.error().text().c_str());
        return 1;
    }
    auto& s = *store.value();
    const auto events = s.eventCount(), subjects = s.subjectCount(), devices = s.deviceCount();
    if (opt.count("json"))
        std::printf("{\"events_total\": %llu, \"subjects_total\": %llu, \"devices_total\": %llu}\n",
                    static_cast<unsigned long long>(events), static_cast<unsigned long long>(subjects),
                    static_cast<unsigned long long>(devices));
    else
        std::printf("events %llu\nsubjects %llu\ndevices %llu\n", static_cast<unsigned long long>(events),
                    static_cast<unsigned long long>(subjects), static_cast<unsigned long long>(devices));
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2)
        return usage(2);
    const std::string cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help")
        return usage(0);
    const auto opt = parseOptions(argc, argv, 2);
    if (cmd == "sofa")
        return sofaCommand(opt);
    if (cmd == "stats")
        return statsCommand(opt);
    if (cmd == "demo") {
        for (const char* k : {"gateway-bin", "gateway-data", "listen", "tablets"}) {
            if (!opt.count(k)) {
                std::fprintf(stderr, "crfctl demo: --%s is required\n", k);
                return 2;
            }
        }
        QCoreApplication app(argc, argv);
        return crf::tools::runDemoSession(
            {QString::fromStdString(opt.at("gateway-bin")), QString::fromStdString(opt.at("gateway-data")),
             QString::fromStdString(opt.at("listen")), QString::fromStdString(opt.at("tablets"))});
    }
    std::fprintf(stderr, "crfctl: unknown command %s\n", cmd.c_str());
    return usage(2);
}
