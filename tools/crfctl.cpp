// crfctl: administration and calculators from the command line (thin: every rule lives in core/ or gateway/).
#include "demo_session.h"
#include "json_calculators.h"
#include "storage/store.h"

#include <QCoreApplication>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace {

int usage(int rc)
{
    std::fprintf(rc ? stderr : stdout,
                 "usage: crfctl COMMAND [options]\n"
                 "  sofa | dose | outcomes    calculators: one JSON object on stdin, one on stdout\n"
                 "                            (bad input: exit 2 and one line on stderr naming the field)\n"
                 "  study check FILE          validate a study definition (exit 0 and a summary, or 2)\n"
                 "  stats --data DIR [--json]    what a gateway's store holds\n"
                 "  demo  --gateway-bin PATH --gateway-data DIR --listen HOST:PORT --tablets DIR [--study FILE]\n"
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
    if (cmd == "sofa" || cmd == "dose" || cmd == "outcomes") {
        if (argc != 2)
            return usage(2);
        const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        const auto r = cmd == "sofa"   ? crf::tools::sofaJson(input)
                       : cmd == "dose" ? crf::tools::doseJson(input)
                                       : crf::tools::outcomesJson(input);
        std::fputs(r.out.c_str(), stdout);
        std::fputs(r.err.c_str(), stderr);
        return r.exitCode;
    }
    if (cmd == "study") {
        if (argc != 4 || std::string(argv[2]) != "check")
            return usage(2);
        const auto r = crf::tools::studyCheck(argv[3]);
        std::fputs(r.out.c_str(), stdout);
        std::fputs(r.err.c_str(), stderr);
        return r.exitCode;
    }
    const auto opt = parseOptions(argc, argv, 2);
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
             QString::fromStdString(opt.at("listen")), QString::fromStdString(opt.at("tablets")),
             QString::fromStdString(opt.count("study") ? opt.at("study") : "studies/imicro.json")});
    }
    std::fprintf(stderr, "crfctl: unknown command %s\n", cmd.c_str());
    return usage(2);
}
