// crfctl: administration and calculators from the command line (thin: every rule lives in core/ or gateway/).
#include "change_event.h"
#include "demo_session.h"
#include "domain/analysis_export.h"
#include "domain/audit.h"
#include "domain/audit_review.h"
#include "domain/event_rules.h"
#include "domain/odm_export.h"
#include "domain/odm_import.h"
#include "identity/roles.h"
#include "identity_commands.h"
#include "json_calculators.h"
#include "storage/store.h"
#include "trial_commands.h"

#include <filesystem>
#include <fstream>

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
    std::fprintf(
        rc ? stderr : stdout,
        "usage: crfctl COMMAND [options]\n"
        "  sofa | dose | outcomes    calculators: one JSON object on stdin, one on stdout\n"
        "                            (bad input: exit 2 and one line on stderr naming the field)\n"
        "  study check FILE          validate a study definition (exit 0 and a summary, or 2)\n"
        "  stats --data DIR [--json]    what a gateway's store holds\n"
        "  (every --data DIR of a gateway store also takes --store postgresql://... instead)\n"
        "  db migrate --store OWNER_URI --app-role ROLE   create or upgrade the PostgreSQL schema (as its owner)\n"
        "  audit verify --data DIR      recompute both hash chains and every photo's digest; exit 0 intact, 1 naming\n"
        "                               the first broken link\n"
        "  audit show --data DIR --subject ID [--item OID]\n"
        "                               a field's full history: who, role, site, old -> new, when, why\n"
        "  audit review --data DIR --study ID [--delay-hours N]\n"
        "                               night-time captures, late uploads, clock discrepancies, correction rates\n"
        "  user add --data DIR --user ID --name \"PRINTED NAME\" [--admin]   password on stdin (one line)\n"
        "  user disable|unlock --data DIR --user ID\n"
        "  user grant --data DIR --user ID --role ROLE --study ID --site ID|*\n"
        "  user revoke --data DIR --grant N      user list --data DIR\n"
        "  device list --data DIR                device revoke --data DIR --device ID\n"
        "  security log --data DIR [--user ID] [--action PREFIX] [--last N]\n"
        "                               the security log: logins, failures, lockouts, grants, refused calls\n"
        "  dev-seed --data DIR --sites N --out FILE [--study ID]   demo users with random passwords (0600 file)\n"
        "  cert dev --out DIR [--host NAME]      self-signed TLS pair for local use (gateway.crt, gateway.key)\n"
        "  (every account change is written to the gateway's security log; --as NAME says who made it)\n"
        "  export --format analysis-csv --data DIR --study ID --definition FILE --out DIR [--unblinded --as USER]\n"
        "        CSV per form + manifest.json; subjects whose consent excludes them are left out and listed\n"
        "  export --format odm132 --data DIR --study ID --definition FILE --out FILE [--since CURSOR] [--site ID]\n"
        "        archival transactional CDISC ODM 1.3.2 with the audit trail (--site: the investigator's copy)\n"
        "  export --format odm132 --gateway HOST:PORT --user ID --study ID --out FILE [--since CURSOR]\n"
        "        the same file streamed by a running gateway to the sponsor (password on stdin)\n"
        "  export --format site-archive --site ID --data DIR --study ID --definition FILE --out DIR\n"
        "        the investigator's independent copy: ODM, photos, signatures, manifest with SHA-256\n"
        "  import --format odm132 (--data NEW_DIR | --store EMPTY_URI) --definition FILE --in FILE [--as USER]\n"
        "        rebuild an empty gateway from a complete, unblinded ODM export (each event checked by its hash)\n"
        "  consent and randomization, through a running gateway (its access control decides; password on stdin):\n"
        "    common options: --gateway HOST:PORT --user ID [--gateway-ca FILE] [--device-file FILE] --study ID\n"
        "  trial boxes --site ID --numbers 1-4,9    the sponsor's data manager loads treatment boxes of a site\n"
        "  trial allocation --file LIST.csv        the unblinded statistician loads NUMBER,ARM lines\n"
        "  trial inventory --site ID    trial report (alerts, data queries)    trial unblind --subject ID --reason "
        "TEXT\n"
        "  consent worklist --site ID   consent counts                      whom to approach; counts per site\n"
        "  demo  --gateway-bin PATH --gateway-data DIR --listen HOST:PORT --tablets DIR --credentials FILE\n"
        "        [--tls DIR] [--study FILE]\n"
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

/// Opens an existing gateway store, --data DIR or --store URI (never creates one: a typo in --data must not look like
/// an empty trial; a PostgreSQL store must have been migrated).
std::unique_ptr<crf::gateway::Store> openExisting(const std::map<std::string, std::string>& opt, const char* cmd)
{
    const std::string spec = opt.count("store") ? opt.at("store") : opt.count("data") ? opt.at("data") : "";
    if (spec.empty() || spec == "Y") {
        std::fprintf(stderr, "crfctl %s: --data DIR or --store postgresql://... is required\n", cmd);
        std::exit(2);
    }
    if (!crf::gateway::isPostgresUri(spec) && !std::filesystem::exists(std::filesystem::path(spec) / "gateway.db")) {
        std::fprintf(stderr, "crfctl %s: %s: no gateway store here (gateway.db)\n", cmd, spec.c_str());
        std::exit(2);
    }
    auto store = crf::gateway::openStore(spec);
    if (!store) {
        std::fprintf(stderr, "crfctl %s: %s\n", cmd, store.error().text().c_str());
        std::exit(1);
    }
    return std::move(store).value();
}

/// `crfctl db migrate --store OWNER_URI --app-role ROLE`: creates or upgrades the PostgreSQL schema step by step.
int dbCommand(const std::string& sub, const std::map<std::string, std::string>& opt)
{
    if (sub != "migrate" || !opt.count("store") || !opt.count("app-role")) {
        std::fprintf(stderr,
                     "crfctl db: usage: crfctl db migrate --store postgresql://OWNER@HOST/DB --app-role ROLE\n");
        return 2;
    }
    auto version = crf::gateway::migratePostgresStore(opt.at("store"), opt.at("app-role"));
    if (!version) {
        std::fprintf(stderr, "crfctl db migrate: %s\n", version.error().text().c_str());
        return 1;
    }
    std::printf("crfctl db migrate: schema version %d; role %s may insert and read the audit trail, never change it\n",
                version.value(), opt.at("app-role").c_str());
    return 0;
}

int statsCommand(const std::map<std::string, std::string>& opt)
{
    auto store = openExisting(opt, "stats");
    auto& s = *store;
    const auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    const auto events = s.eventCount(), subjects = s.subjectCount(), devices = s.deviceCount(),
               conflicts = static_cast<uint64_t>(s.conflicts(true).size()), refused = s.refusedCount(),
               photos = s.photosVerified();
    // With the study definitions (--study FILE, repeatable through a comma list), events still waiting for their photo.
    uint64_t awaiting = 0;
    if (opt.count("study")) {
        std::vector<std::string> files;
        std::string list = opt.at("study");
        for (size_t start = 0, comma; start <= list.size(); start = comma + 1) {
            comma = list.find(',', start);
            if (comma == std::string::npos)
                comma = list.size();
            files.push_back(list.substr(start, comma - start));
        }
        auto studies = crf::gateway::StudyRegistry::load(files);
        if (!studies) {
            std::fprintf(stderr, "crfctl stats: %s\n", studies.error().text().c_str());
            return 2;
        }
        awaiting = crf::gateway::eventsAwaitingPhotos(s, *studies).size();
    }
    if (opt.count("json"))
        std::printf("{\"events_total\": %llu, \"subjects_total\": %llu, \"devices_total\": %llu, "
                    "\"conflicts_open\": %llu, \"refused_total\": %llu, \"photos_total\": %llu, "
                    "\"events_awaiting_photos\": %llu}\n",
                    u(events), u(subjects), u(devices), u(conflicts), u(refused), u(photos), u(awaiting));
    else
        std::printf("events %llu\nsubjects %llu\ndevices %llu\nconflicts open %llu\nrefused %llu\nphotos %llu\n",
                    u(events), u(subjects), u(devices), u(conflicts), u(refused), u(photos));
    return 0;
}

/// crfctl export --format analysis-csv: per-form CSV + manifest honouring consent data-use rules and blinding.
int exportCommand(const std::map<std::string, std::string>& opt)
{
    const char* cmd = "crfctl export";
    auto value = [&](const char* k) { return opt.count(k) && opt.at(k) != "Y" ? opt.at(k) : std::string(); };
    if (opt.count("gateway"))
        return crf::tools::remoteExportCommand(opt); // the sponsor's path: through the gateway's access control
    if (value("format") != "analysis-csv" && value("format") != "odm132" && value("format") != "site-archive") {
        std::fprintf(stderr, "%s: --format analysis-csv, odm132 or site-archive\n", cmd);
        return 2;
    }
    if (value("study").empty() || value("definition").empty() || value("out").empty()) {
        std::fprintf(stderr, "%s: --study ID --definition FILE --out DIR are required\n", cmd);
        return 2;
    }
    auto studies = crf::gateway::StudyRegistry::load({value("definition")});
    if (!studies) {
        std::fprintf(stderr, "%s: --definition %s\n", cmd, studies.error().text().c_str());
        return 2;
    }
    auto store = openExisting(opt, "export");
    crf::SystemClock clock;
    crf::gateway::AnalysisExportOptions options;
    options.studyId = value("study");
    options.outDir = value("out");
    options.exportedBy = value("as").empty() ? "crfctl" : value("as");
    options.includeArms = opt.count("unblinded") != 0;
    if (options.includeArms) {
        // An unblinded export is for a user who sees arms (ICH E9 2.3.1): name them, and they must hold such a role.
        bool allowed = false;
        for (const auto& g : store->identity().grants(value("as"))) {
            const auto role = crf::gateway::parseRole(g.role);
            allowed = allowed || (role && crf::gateway::seesArms(*role) && g.activeAt(clock.nowMs()) &&
                                  g.studyId == options.studyId);
        }
        if (!allowed) {
            std::fprintf(stderr, "%s: --unblinded needs --as USER holding an unblinded role in %s\n", cmd,
                         options.studyId.c_str());
            return 2;
        }
    }
    if (value("format") == "site-archive") {
        auto done = crf::gateway::writeSiteArchive(*store, *studies, clock, options.studyId, value("site"),
                                                   options.outDir, options.exportedBy);
        if (!done) {
            std::fprintf(stderr, "%s: %s\n", cmd, done.error().text().c_str());
            return done.error().where == "--site" ? 2 : 1;
        }
        std::printf("archive of site %s in %s: %d change(s), %d signature(s), %d photo(s)%s; manifest.json holds the "
                    "SHA-256 of every file\n",
                    value("site").c_str(), options.outDir.c_str(), done->events, done->signatures, done->photos,
                    done->photosMissing ? (" (" + std::to_string(done->photosMissing) + " not yet received)").c_str()
                                        : "");
        return 0;
    }
    if (value("format") == "odm132") {
        // Archival transactional ODM with the audit trail (docs/sponsor.md); --site: the investigator's own copy.
        crf::gateway::OdmExportOptions odm;
        odm.studyId = options.studyId;
        odm.siteId = value("site");
        odm.includeArms = options.includeArms;
        odm.exportedBy = options.exportedBy;
        if (!value("since").empty()) {
            char* end = nullptr;
            odm.afterServerSeq = std::strtoull(value("since").c_str(), &end, 10);
            if (*end != '\0') {
                std::fprintf(stderr, "%s: --since CURSOR: \"%s\" is not a cursor (a number)\n", cmd,
                             value("since").c_str());
                return 2;
            }
        }
        auto built = crf::gateway::buildOdm132(*store, *studies, clock, odm);
        if (!built) {
            std::fprintf(stderr, "%s: %s\n", cmd, built.error().text().c_str());
            return 1;
        }
        std::ofstream out(options.outDir, std::ios::trunc);
        out << built->xml;
        if (!out) {
            std::fprintf(stderr, "%s: --out %s: cannot be written\n", cmd, options.outDir.c_str());
            return 1;
        }
        std::printf("ODM 1.3.2 of %s in %s: %d change(s) of %d subject(s); next cursor %llu\n", options.studyId.c_str(),
                    options.outDir.c_str(), built->events, built->subjects,
                    static_cast<unsigned long long>(built->lastServerSeq));
        return 0;
    }
    auto done = crf::gateway::writeAnalysisExport(*store, *studies, clock, options);
    if (!done) {
        std::fprintf(stderr, "%s: %s\n", cmd, done.error().text().c_str());
        return 1;
    }
    int rows = 0;
    for (const auto& [file, n] : done->files)
        rows += n;
    std::printf("%s export of %s in %s: %zu file(s), %d row(s), %d subject(s); %zu left out (manifest.json says why)\n",
                options.includeArms ? "unblinded" : "blinded", options.studyId.c_str(), options.outDir.c_str(),
                done->files.size(), rows, done->subjects, done->excluded.size());
    return 0;
}

/// crfctl import --format odm132: rebuilds an empty gateway from an archival export (docs/sponsor.md "Import").
int importCommand(const std::map<std::string, std::string>& opt)
{
    const char* cmd = "crfctl import";
    auto value = [&](const char* k) { return opt.count(k) && opt.at(k) != "Y" ? opt.at(k) : std::string(); };
    // The new gateway: an SQLite folder, or an empty, migrated PostgreSQL store (--store URI).
    const std::string target = value("store").empty() ? value("data") : value("store");
    if (value("format") != "odm132" || target.empty() || value("definition").empty() || value("in").empty()) {
        std::fprintf(stderr,
                     "%s: --format odm132 (--data DIR | --store URI) --definition FILE --in FILE are required\n", cmd);
        return 2;
    }
    auto studies = crf::gateway::StudyRegistry::load({value("definition")});
    if (!studies) {
        std::fprintf(stderr, "%s: --definition %s\n", cmd, studies.error().text().c_str());
        return 2;
    }
    std::ifstream in(value("in"), std::ios::binary);
    const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) {
        std::fprintf(stderr, "%s: --in %s: cannot be read\n", cmd, value("in").c_str());
        return 2;
    }
    auto store = crf::gateway::openStore(target); // an SQLite folder is created when missing
    if (!store) {
        std::fprintf(stderr, "%s: %s\n", cmd, store.error().text().c_str());
        return 1;
    }
    crf::SystemClock clock;
    crf::gateway::SyncDomain domain(**store, clock, *studies);
    auto done = crf::gateway::importOdm132(domain, **store, clock, xml, value("in"),
                                           value("as").empty() ? "crfctl" : value("as"));
    if (!done) {
        std::fprintf(stderr, "%s: %s\n", cmd, done.error().text().c_str());
        return 1;
    }
    std::printf("imported %d change(s) of %d subject(s) into %s; every event matched its recorded hash%s\n",
                done->events, done->subjects, (*store)->describe().c_str(),
                done->absentRanges ? ("; " + std::to_string(done->absentRanges) +
                                      " device range(s) not in the file (refused at the source or another study)")
                                         .c_str()
                                   : "");
    return 0;
}

int auditCommand(const std::string& sub, const std::map<std::string, std::string>& opt)
{
    auto store = openExisting(opt, "audit");
    if (sub == "review") {
        // EMA 2023 6.2.2: aids for the periodic review of the audit trail.
        crf::gateway::AuditReviewOptions o;
        o.studyId = opt.count("study") ? opt.at("study") : "";
        if (o.studyId.empty() || o.studyId == "Y") {
            std::fprintf(stderr, "crfctl audit review: --study ID is required\n");
            return 2;
        }
        if (opt.count("delay-hours")) {
            const double h = std::atof(opt.at("delay-hours").c_str());
            if (h <= 0) {
                std::fprintf(stderr, "crfctl audit review: --delay-hours must be a positive number\n");
                return 2;
            }
            o.delayMs = static_cast<int64_t>(h * 3.6e6);
        }
        auto report = crf::gateway::reviewAuditTrail(*store, o);
        if (!report) {
            std::fprintf(stderr, "crfctl audit review: %s\n", report.error().text().c_str());
            return 1;
        }
        std::printf("audit review of %s: %d events\n", o.studyId.c_str(), report->events);
        for (const char* kind : {"UNEXPECTED_HOUR", "LATE_UPLOAD", "CLOCK", "CORRECTION_RATE"}) {
            std::printf("%s: %d\n", kind, report->count(kind));
            for (const auto& f : report->findings)
                if (f.kind == kind)
                    std::printf("  %s%s user %s, site %s%s%s: %s\n",
                                f.serverSeq ? ("event " + std::to_string(f.serverSeq)).c_str() : "",
                                f.serverSeq ? "," : "", f.userId.c_str(), f.siteId.c_str(),
                                f.subjectId.empty() ? "" : ", subject ", f.subjectId.c_str(), f.text.c_str());
        }
        return 0;
    }
    if (sub == "verify") {
        const auto r = crf::gateway::verifyAudit(*store);
        if (!r.intact()) {
            std::printf("BROKEN at %s\n", r.firstBrokenLink->c_str());
            return 1;
        }
        std::printf("intact: %llu accepted and %llu refused events, %llu device chains and the gateway chain verified; "
                    "%llu photo(s) hashed again, each matching its digest\n",
                    static_cast<unsigned long long>(r.eventsChecked), static_cast<unsigned long long>(r.refusedChecked),
                    static_cast<unsigned long long>(r.devices), static_cast<unsigned long long>(r.photosChecked));
        if (r.absentLinks)
            std::printf("(%llu device link(s) cross events an import did not bring: see crfctl import)\n",
                        static_cast<unsigned long long>(r.absentLinks));
        return 0;
    }
    if (!opt.count("subject")) {
        std::fprintf(stderr, "crfctl audit show: --subject ID is required\n");
        return 2;
    }
    auto history = crf::gateway::fieldHistory(*store, opt.at("subject"), opt.count("item") ? opt.at("item") : "");
    if (!history) {
        std::fprintf(stderr, "crfctl audit show: %s\n", history.error().text().c_str());
        return 1;
    }
    if (history->empty()) {
        std::printf("no changes recorded for subject %s%s\n", opt.at("subject").c_str(),
                    opt.count("item") ? (" item " + opt.at("item")).c_str() : "");
        return 0;
    }
    auto shown = [](bool present, const std::string& v, const std::string& unit) {
        return present ? v + (unit.empty() ? "" : " " + unit) : std::string("(empty)");
    };
    for (const auto& h : *history) {
        std::printf("%s %s/%s%s %s: %s -> %s\n", h.serverSeq ? ("#" + std::to_string(h.serverSeq)).c_str() : "refused",
                    h.visitOid.c_str(), h.formOid.c_str(),
                    h.repeat ? ("[" + std::to_string(h.repeat + 1) + "]").c_str() : "", h.itemOid.c_str(),
                    shown(h.oldPresent, h.oldValue, h.unit).c_str(), shown(h.newPresent, h.newValue, h.unit).c_str());
        std::printf("    by %s (%s), site %s, device %s\n", h.userId.c_str(), h.role.c_str(), h.siteId.c_str(),
                    h.deviceId.c_str());
        std::printf("    captured %s, received %s\n", crf::isoTimestamp(h.capturedAtMs, h.capturedOffsetMin).c_str(),
                    crf::isoTimestamp(h.receivedAtMs, 0).c_str());
        if (!h.reasonCode.empty())
            std::printf("    why: %s: %s\n", h.reasonCode.c_str(), h.reasonText.c_str());
        if (!h.notes.empty())
            std::printf("    note: %s\n", h.notes.c_str());
    }
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
    if (cmd == "audit") {
        if (argc < 3 ||
            (std::string(argv[2]) != "verify" && std::string(argv[2]) != "show" && std::string(argv[2]) != "review"))
            return usage(2);
        return auditCommand(argv[2], parseOptions(argc, argv, 3));
    }
    if (cmd == "trial" || cmd == "consent") {
        if (argc < 3)
            return usage(2);
        const auto opt = parseOptions(argc, argv, 3);
        return cmd == "trial" ? crf::tools::trialCommand(argv[2], opt) : crf::tools::consentCommand(argv[2], opt);
    }
    if (cmd == "db") {
        if (argc < 3)
            return dbCommand("", {});
        return dbCommand(argv[2], parseOptions(argc, argv, 3));
    }
    if (cmd == "user" || cmd == "device" || cmd == "cert" || cmd == "security") {
        if (argc < 3)
            return usage(2);
        const auto sub = std::string(argv[2]);
        const auto opt = parseOptions(argc, argv, 3);
        if (cmd == "user")
            return crf::tools::userCommand(sub, opt);
        if (cmd == "device")
            return crf::tools::deviceCommand(sub, opt);
        if (cmd == "security")
            return crf::tools::securityCommand(sub, opt);
        if (sub != "dev")
            return usage(2);
        return crf::tools::certDevCommand(opt);
    }
    const auto opt = parseOptions(argc, argv, 2);
    if (cmd == "stats")
        return statsCommand(opt);
    if (cmd == "export")
        return exportCommand(opt);
    if (cmd == "import")
        return importCommand(opt);
    if (cmd == "dev-seed")
        return crf::tools::devSeedCommand(opt);
    if (cmd == "demo") {
        for (const char* k : {"gateway-bin", "gateway-data", "listen", "tablets", "credentials"}) {
            if (!opt.count(k)) {
                std::fprintf(stderr, "crfctl demo: --%s is required\n", k);
                return 2;
            }
        }
        QCoreApplication app(argc, argv);
        return crf::tools::runDemoSession(
            {QString::fromStdString(opt.at("gateway-bin")), QString::fromStdString(opt.at("gateway-data")),
             QString::fromStdString(opt.at("listen")), QString::fromStdString(opt.at("tablets")),
             QString::fromStdString(opt.count("study") ? opt.at("study") : "studies/imicro.json"),
             QString::fromStdString(opt.at("credentials")),
             QString::fromStdString(opt.count("tls") ? opt.at("tls") : std::string())});
    }
    std::fprintf(stderr, "crfctl: unknown command %s\n", cmd.c_str());
    return usage(2);
}
