#include "trial_commands.h"

#include "clock.h"
#include "sync_client.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <vector>

namespace crf::tools {
namespace {

int fail(const std::string& cmd, const std::string& message, int rc = 1)
{
    std::fprintf(stderr, "crfctl %s: %s\n", cmd.c_str(), message.c_str());
    return rc;
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return {};
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// "1-4,7,9-10" -> {1,2,3,4,7,9,10}; empty on a malformed list.
std::vector<uint32_t> parseNumbers(const std::string& text)
{
    std::vector<uint32_t> out;
    std::stringstream ss(text);
    std::string part;
    while (std::getline(ss, part, ',')) {
        const auto dash = part.find('-');
        char* end = nullptr;
        const unsigned long a = std::strtoul(part.c_str(), &end, 10);
        unsigned long b = a;
        if (dash != std::string::npos)
            b = std::strtoul(part.c_str() + dash + 1, &end, 10);
        if (*end != '\0' || a == 0 || b < a || b - a > 10000)
            return {};
        for (unsigned long n = a; n <= b; ++n)
            out.push_back(static_cast<uint32_t>(n));
    }
    return out;
}

/// A logged-in client. The device credential of this workstation is kept in --device-file (0600), so the same
/// device id logs in again (the gateway enrols it on the first login).
struct Session {
    std::unique_ptr<sync::SyncClient> client;
    std::string error;
};

Session connect(const std::string& cmd, const std::map<std::string, std::string>& opt)
{
    Session s;
    if (!opt.count("gateway") || !opt.count("user")) {
        s.error = "--gateway HOST:PORT and --user ID are required (password on stdin)";
        return s;
    }
    sync::SyncClient::Transport transport;
    if (opt.count("gateway-ca")) {
        transport.rootCertPem = readFile(opt.at("gateway-ca"));
        if (transport.rootCertPem.empty()) {
            s.error = "--gateway-ca " + opt.at("gateway-ca") + ": cannot be read";
            return s;
        }
    }
    const std::string user = opt.at("user");
    std::string password;
    std::getline(std::cin, password);
    if (password.empty()) {
        s.error = "the password is read from stdin (one line)";
        return s;
    }
    const char* home = std::getenv("HOME");
    const std::string deviceFile = opt.count("device-file")
                                       ? opt.at("device-file")
                                       : std::string(home ? home : ".") + "/.crfctl-" + user + ".device";
    std::string deviceId, secret;
    {
        std::ifstream in(deviceFile);
        std::getline(in, deviceId);
        std::getline(in, secret);
    }
    if (deviceId.empty())
        deviceId = "crfctl-" + user + "-" + std::to_string(SystemClock().nowMs());
    s.client = std::make_unique<sync::SyncClient>(opt.at("gateway"), std::chrono::seconds(20), transport);
    v1::LoginRequest login;
    login.set_user_id(user);
    login.set_password(password);
    login.set_device_id(deviceId);
    login.set_device_secret(secret);
    auto in = s.client->login(login);
    if (!in) {
        s.error = in.error().text();
        return s;
    }
    if (!in->device_secret().empty()) {
        const mode_t old = umask(077);
        std::ofstream out(deviceFile, std::ios::trunc);
        umask(old);
        out << deviceId << "\n" << in->device_secret() << "\n";
        if (!out)
            std::fprintf(stderr, "crfctl %s: warning: %s not written (the next login enrols again)\n", cmd.c_str(),
                         deviceFile.c_str());
    }
    return s;
}

std::string need(const std::map<std::string, std::string>& opt, const char* key)
{
    auto it = opt.find(key);
    return it == opt.end() || it->second == "Y" ? std::string() : it->second;
}

} // namespace

int trialCommand(const std::string& sub, const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "trial " + sub;
    const std::string study = need(opt, "study");
    if (study.empty())
        return fail(cmd, "--study ID is required", 2);
    if (sub != "boxes" && sub != "allocation" && sub != "inventory" && sub != "report" && sub != "unblind")
        return fail(cmd, "unknown subcommand (boxes, allocation, inventory, report, unblind)", 2);
    std::vector<uint32_t> numbers;
    std::vector<std::pair<uint32_t, std::string>> entries;
    if (sub == "boxes") {
        numbers = parseNumbers(need(opt, "numbers"));
        if (need(opt, "site").empty() || numbers.empty())
            return fail(cmd, "--site ID and --numbers LIST (e.g. 1-4,9) are required", 2);
    }
    if (sub == "allocation") {
        // One "number,arm" per line (the list the statistician generated; '#' starts a comment).
        std::ifstream in(need(opt, "file"));
        if (!in)
            return fail(cmd, "--file LIST.csv: cannot be read", 2);
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            if (line.empty() || line[0] == '#')
                continue;
            const auto comma = line.find(',');
            char* end = nullptr;
            const unsigned long number = std::strtoul(line.c_str(), &end, 10);
            if (comma == std::string::npos || end != line.c_str() + comma || number == 0)
                return fail(cmd, need(opt, "file") + " line " + std::to_string(n) + ": expected NUMBER,ARM", 2);
            entries.emplace_back(static_cast<uint32_t>(number), line.substr(comma + 1));
        }
    }
    if ((sub == "inventory") && need(opt, "site").empty())
        return fail(cmd, "--site ID is required", 2);
    if (sub == "unblind" && (need(opt, "subject").empty() || need(opt, "reason").empty()))
        return fail(cmd, "--subject ID and --reason TEXT are required", 2);

    auto session = connect(cmd, opt);
    if (!session.client)
        return fail(cmd, session.error, session.error.find("required") != std::string::npos ? 2 : 1);
    auto& client = *session.client;

    if (sub == "boxes") {
        v1::LoadInventoryRequest r;
        r.set_study_id(study);
        r.set_site_id(need(opt, "site"));
        for (auto n : numbers)
            r.add_numbers(n);
        auto out = client.loadInventory(r);
        if (!out)
            return fail(cmd, out.error().text());
        std::printf("site %s: %u box(es) added, %u available\n", r.site_id().c_str(), out->added(), out->available());
        return 0;
    }
    if (sub == "allocation") {
        v1::LoadAllocationRequest r;
        r.set_study_id(study);
        for (const auto& [n, arm] : entries) {
            auto* e = r.add_entries();
            e->set_number(n);
            e->set_arm(arm);
        }
        auto out = client.loadAllocation(r);
        if (!out)
            return fail(cmd, out.error().text());
        // Never echo the list: the terminal may be seen by blinded staff.
        std::printf("allocation list of %s: %u new entr%s loaded\n", study.c_str(), out->loaded(),
                    out->loaded() == 1 ? "y" : "ies");
        return 0;
    }
    if (sub == "inventory") {
        v1::SiteInventoryRequest r;
        r.set_study_id(study);
        r.set_site_id(need(opt, "site"));
        auto out = client.siteInventory(r);
        if (!out)
            return fail(cmd, out.error().text());
        for (const auto& b : out->boxes())
            std::printf("box %u\t%s%s%s\n", b.number(), b.used() ? ("used by " + b.subject_id()).c_str() : "available",
                        b.arm().empty() ? "" : "\tarm ", b.arm().c_str());
        std::printf("%u available%s\n", out->available(), out->resupply_requested() ? ", resupply requested" : "");
        return 0;
    }
    if (sub == "unblind") {
        v1::UnblindRequest r;
        r.set_study_id(study);
        r.set_subject_id(need(opt, "subject"));
        r.set_reason(need(opt, "reason"));
        auto out = client.unblind(r);
        if (!out)
            return fail(cmd, out.error().text());
        std::printf("subject %s (number %u): %s - %s (recorded in the security log; the sponsor is alerted)\n",
                    r.subject_id().c_str(), out->number(), out->arm().c_str(), out->arm_name().c_str());
        return 0;
    }
    v1::TrialReportRequest r;
    r.set_study_id(study);
    auto out = client.trialReport(r);
    if (!out)
        return fail(cmd, out.error().text());
    std::printf("alerts: %d\n", out->alerts_size());
    for (const auto& a : out->alerts())
        std::printf("  #%llu %s %s site %s%s%s: %s\n", static_cast<unsigned long long>(a.id()),
                    isoUtc(a.at_ms()).c_str(), a.kind().c_str(), a.site_id().c_str(),
                    a.subject_id().empty() ? "" : " subject ", a.subject_id().c_str(), a.text().c_str());
    std::printf("data queries: %d\n", out->queries_size());
    for (const auto& q : out->queries())
        std::printf("  #%llu %s %s site %s subject %s (event %llu): %s\n", static_cast<unsigned long long>(q.id()),
                    isoUtc(q.opened_at_ms()).c_str(), q.kind().c_str(), q.site_id().c_str(), q.subject_id().c_str(),
                    static_cast<unsigned long long>(q.server_seq()), q.text().c_str());
    return 0;
}

int consentCommand(const std::string& sub, const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "consent " + sub;
    const std::string study = need(opt, "study");
    if (study.empty())
        return fail(cmd, "--study ID is required", 2);
    if (sub != "worklist" && sub != "counts")
        return fail(cmd, "unknown subcommand (worklist, counts)", 2);
    if (sub == "worklist" && need(opt, "site").empty())
        return fail(cmd, "--site ID is required", 2);
    auto session = connect(cmd, opt);
    if (!session.client)
        return fail(cmd, session.error, session.error.find("required") != std::string::npos ? 2 : 1);
    if (sub == "worklist") {
        v1::ConsentWorklistRequest r;
        r.set_study_id(study);
        r.set_site_id(need(opt, "site"));
        auto out = session.client->consentWorklist(r);
        if (!out)
            return fail(cmd, out.error().text());
        std::printf("site %s: %d subject(s) to approach\n", r.site_id().c_str(), out->entries_size());
        for (const auto& e : out->entries())
            std::printf("  %s\t%s\tincluded %s\t%s\tnext reminder %s\n", e.subject_id().c_str(),
                        e.state_label().c_str(), isoUtc(e.included_at_ms()).c_str(), e.overdue() ? "OVERDUE" : "due",
                        e.next_reminder_ms() ? isoUtc(e.next_reminder_ms()).c_str() : "-");
        return 0;
    }
    v1::ConsentCountsRequest r;
    r.set_study_id(study);
    auto out = session.client->consentCounts(r);
    if (!out)
        return fail(cmd, out.error().text());
    for (const auto& site : out->sites()) {
        std::printf("site %s:", site.site_id().c_str());
        std::map<std::string, uint32_t> ordered(site.by_state().begin(), site.by_state().end());
        for (const auto& [state, n] : ordered)
            std::printf(" %s %u", state.c_str(), n);
        std::printf("; overdue %u\n", site.overdue());
    }
    return 0;
}

int remoteExportCommand(const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "export";
    const std::string study = need(opt, "study"), out = need(opt, "out");
    if (need(opt, "format") != "odm132" || study.empty() || out.empty())
        return fail(cmd, "through a gateway: --format odm132 --study ID --out FILE", 2);
    v1::ExportOdmRequest r;
    r.set_study_id(study);
    r.set_site_id(need(opt, "site"));
    if (!need(opt, "since").empty()) {
        char* end = nullptr;
        r.set_after_server_seq(std::strtoull(need(opt, "since").c_str(), &end, 10));
        if (*end != '\0')
            return fail(cmd, "--since CURSOR: not a number", 2);
    }
    auto session = connect(cmd, opt);
    if (!session.client)
        return fail(cmd, session.error, session.error.find("required") != std::string::npos ? 2 : 1);
    auto odm = session.client->exportOdm(r);
    if (!odm)
        return fail(cmd, odm.error().text());
    std::ofstream file(out, std::ios::trunc);
    file << odm->first;
    if (!file)
        return fail(cmd, "--out " + out + ": cannot be written");
    std::printf("ODM 1.3.2 of %s from the gateway in %s (%zu bytes); next cursor %llu\n", study.c_str(), out.c_str(),
                odm->first.size(), static_cast<unsigned long long>(odm->second));
    return 0;
}

} // namespace crf::tools
