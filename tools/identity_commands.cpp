#include "identity_commands.h"

#include "clock.h"
#include "crypto.h"
#include "identity/identity.h"
#include "password.h"
#include "storage/store.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

namespace crf::tools {
namespace {

int fail(const std::string& cmd, const std::string& message, int rc = 2)
{
    std::fprintf(stderr, "crfctl %s: %s\n", cmd.c_str(), message.c_str());
    return rc;
}

/// Opens (creating on the first administrator's bootstrap) the gateway store of --data DIR or --store URI.
std::unique_ptr<gateway::Store> openStore(const std::map<std::string, std::string>& opt, const std::string& cmd)
{
    const std::string spec = opt.count("store") ? opt.at("store") : opt.count("data") ? opt.at("data") : "";
    if (spec.empty() || spec == "Y") {
        fail(cmd, "--data DIR or --store postgresql://... is required");
        return nullptr;
    }
    auto store = gateway::openStore(spec);
    if (!store) {
        fail(cmd, store.error().text(), 1);
        return nullptr;
    }
    return std::move(store).value();
}

std::string need(const std::map<std::string, std::string>& opt, const std::string& key, const std::string& cmd)
{
    const auto it = opt.find(key);
    if (it == opt.end() || it->second.empty() || it->second == "Y") {
        fail(cmd, "--" + key + " is required");
        std::exit(2);
    }
    return it->second;
}

/// Who runs the command, as written in the security log.
std::string actorOf(const std::map<std::string, std::string>& opt)
{
    if (opt.count("as"))
        return opt.at("as");
    const char* user = std::getenv("USER");
    return std::string("crfctl:") + (user ? user : "unknown");
}

std::string utc(int64_t ms)
{
    return ms == 0 ? "-" : isoUtc(ms);
}

/// A random password that passes the policy for `userId`: 20 characters from an unambiguous alphabet, drawn again in
/// the rare case it contains the user id (a short id such as "dm" can appear by chance).
std::string randomPassword(const std::string& userId)
{
    static const char kAlphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    while (true) {
        std::string out;
        unsigned char bytes[20];
        randomBytes(bytes, sizeof bytes);
        for (unsigned char b : bytes)
            out += kAlphabet[b % (sizeof kAlphabet - 1)];
        if (password::checkPolicy(out, userId).ok())
            return out;
    }
}

std::string jsonString(const std::string& s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

} // namespace

int userCommand(const std::string& sub, const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "user " + sub;
    auto store = openStore(opt, cmd);
    if (!store)
        return 2;
    SystemClock clock;
    gateway::Identity identity(store->identity(), clock);
    const std::string actor = actorOf(opt);
    Status done;
    try {
        if (sub == "add") {
            const std::string user = need(opt, "user", cmd);
            const std::string name = need(opt, "name", cmd);
            // The password comes on stdin (one line), never on the command line where `ps` would show it.
            std::string password;
            std::getline(std::cin, password);
            if (!password.empty() && password.back() == '\r')
                password.pop_back();
            done = identity.addUser(actor, user, name, password);
            secureWipe(password.data(), password.size());
            if (done && opt.count("admin")) {
                auto g = identity.grant(actor, user, "gateway_admin", "*", "*");
                if (!g)
                    done = g.error();
            }
        } else if (sub == "disable") {
            done = identity.disableUser(actor, need(opt, "user", cmd));
        } else if (sub == "unlock") {
            done = identity.unlockUser(actor, need(opt, "user", cmd));
        } else if (sub == "grant") {
            auto g = identity.grant(actor, need(opt, "user", cmd), need(opt, "role", cmd), need(opt, "study", cmd),
                                    need(opt, "site", cmd));
            if (!g)
                done = g.error();
            else
                std::printf("grant %lld\n", static_cast<long long>(g.value()));
        } else if (sub == "revoke") {
            const std::string id = need(opt, "grant", cmd);
            char* end = nullptr;
            const long long grantId = std::strtoll(id.c_str(), &end, 10);
            if (*end != '\0')
                return fail(cmd, "--grant: \"" + id + "\" is not a grant number (see crfctl user list)");
            done = identity.revoke(actor, grantId);
        } else if (sub == "list") {
            for (const auto& u : identity.store().users()) {
                const bool locked = u.lockedUntilMs > clock.nowMs();
                std::printf("%s\t%s\t%s%s\n", u.userId.c_str(), u.printedName.c_str(),
                            u.disabledAtMs ? "disabled" : "enabled", locked ? ", locked" : "");
                for (const auto& g : identity.store().grants(u.userId))
                    std::printf("  grant %lld\t%s\t%s/%s\t%s .. %s\n", static_cast<long long>(g.id), g.role.c_str(),
                                g.studyId.c_str(), g.siteId.c_str(), utc(g.startMs).c_str(), utc(g.endMs).c_str());
            }
            return 0;
        } else {
            return fail("user", "unknown subcommand \"" + sub + "\" (add, disable, unlock, grant, revoke, list)");
        }
    } catch (const std::exception& e) {
        return fail(cmd, e.what(), 1);
    }
    if (!done)
        return fail(cmd, done.error().text(), 1);
    return 0;
}

int deviceCommand(const std::string& sub, const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "device " + sub;
    auto store = openStore(opt, cmd);
    if (!store)
        return 2;
    SystemClock clock;
    gateway::Identity identity(store->identity(), clock);
    if (sub == "list") {
        for (const auto& d : identity.store().devices())
            std::printf("%s\tenrolled %s by %s\t%s\n", d.deviceId.c_str(), utc(d.enrolledAtMs).c_str(),
                        d.enrolledBy.c_str(), d.revokedAtMs ? ("revoked " + utc(d.revokedAtMs)).c_str() : "active");
        return 0;
    }
    if (sub == "revoke") {
        const Status done = identity.revokeDevice(actorOf(opt), need(opt, "device", cmd));
        return done ? 0 : fail(cmd, done.error().text(), 1);
    }
    return fail("device", "unknown subcommand \"" + sub + "\" (list, revoke)");
}

int securityCommand(const std::string& sub, const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "security " + sub;
    if (sub != "log")
        return fail("security", "unknown subcommand \"" + sub + "\" (log)");
    size_t last = 0;
    if (opt.count("last")) {
        const std::string& text = opt.at("last");
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), last);
        if (error != std::errc() || end != text.data() + text.size() || last == 0)
            return fail(cmd, "--last: \"" + text + "\" is not a number of lines (1 or more)");
    }
    auto store = openStore(opt, cmd);
    if (!store)
        return 2;
    const std::string user = opt.count("user") ? opt.at("user") : std::string();
    const std::string action = opt.count("action") ? opt.at("action") : std::string();
    std::vector<gateway::SecurityEvent> lines;
    try {
        for (auto& e : store->identity().securityLog())
            if ((user.empty() || e.actor == user || e.target == user) &&
                (action.empty() || e.action.compare(0, action.size(), action) == 0))
                lines.push_back(std::move(e));
    } catch (const std::exception& e) {
        return fail(cmd, e.what(), 1);
    }
    const size_t from = last != 0 && lines.size() > last ? lines.size() - last : 0;
    for (size_t i = from; i < lines.size(); ++i) {
        const auto& e = lines[i];
        std::printf("%s\t%s\t%s\t%s\t%s\n", utc(e.atMs).c_str(), e.actor.c_str(), e.action.c_str(), e.target.c_str(),
                    e.detail.c_str());
    }
    return 0;
}

int devSeedCommand(const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "dev-seed";
    const std::string out = need(opt, "out", cmd);
    const std::string sitesText = need(opt, "sites", cmd);
    const int sites = std::atoi(sitesText.c_str());
    if (sites < 1 || sites > 99 || std::to_string(sites) != sitesText)
        return fail(cmd, "--sites: \"" + sitesText + "\" is not a number of sites (1-99)");
    const std::string study = opt.count("study") ? opt.at("study") : "I-MICRO";
    auto store = openStore(opt, cmd);
    if (!store)
        return 2;
    SystemClock clock;
    gateway::Identity identity(store->identity(), clock);
    struct Seed {
        std::string user, role, site, password;
    };
    std::vector<Seed> seeds;
    for (int s = 1; s <= sites; ++s) {
        char site[16];
        std::snprintf(site, sizeof site, "%02d", s);
        for (const auto& [prefix, role] : {std::pair<std::string, std::string>{"inv", "investigator"},
                                           {"nurse", "research_nurse"},
                                           {"monitor", "monitor"}}) {
            Seed seed{prefix + "-" + site, role, site, randomPassword(prefix + "-" + site)};
            const std::string name = (role == "investigator" ? "Dr Demo " : "Demo ") + seed.user;
            Status added = identity.addUser("dev-seed", seed.user, name, seed.password);
            if (!added)
                return fail(cmd, added.error().text() + " (dev-seed wants a fresh --data)", 1);
            auto g = identity.grant("dev-seed", seed.user, role, study, site);
            if (!g)
                return fail(cmd, g.error().text(), 1);
            seeds.push_back(std::move(seed));
        }
    }
    // Study-wide roles: the sponsor's data manager (loads treatment boxes), the unblinded statistician (loads the
    // allocation list), the sponsor's viewer (consent counts, alerts) and the blinded central assessor (knee photos).
    for (const auto& [user, role] : {std::pair<std::string, std::string>{"dm", "data_manager"},
                                     {"stat", "unblinded_statistician"},
                                     {"sponsor", "sponsor_viewer"},
                                     {"central", "central_assessor"}}) {
        Seed seed{user, role, "*", randomPassword(user)};
        Status added = identity.addUser("dev-seed", seed.user, "Demo " + seed.user, seed.password);
        if (!added)
            return fail(cmd, added.error().text() + " (dev-seed wants a fresh --data)", 1);
        auto g = identity.grant("dev-seed", seed.user, role, study, "*");
        if (!g)
            return fail(cmd, g.error().text(), 1);
        seeds.push_back(std::move(seed));
    }
    // Passwords in clear: the file is created 0600 and is for demos, simulations and tests only.
    std::filesystem::remove(out);
    const mode_t old = umask(077);
    std::ofstream file(out);
    umask(old);
    if (!file)
        return fail(cmd, out + ": cannot be written", 1);
    file << "{\n \"study\": " << jsonString(study) << ",\n \"users\": [\n";
    for (size_t i = 0; i < seeds.size(); ++i)
        file << "  {\"user_id\": " << jsonString(seeds[i].user) << ", \"password\": " << jsonString(seeds[i].password)
             << ", \"role\": " << jsonString(seeds[i].role) << ", \"site_id\": " << jsonString(seeds[i].site) << "}"
             << (i + 1 < seeds.size() ? ",\n" : "\n");
    file << " ]\n}\n";
    std::printf("dev-seed: %zu users for %d site(s) of %s written to %s\n", seeds.size(), sites, study.c_str(),
                out.c_str());
    return 0;
}

int certDevCommand(const std::map<std::string, std::string>& opt)
{
    const std::string cmd = "cert dev";
    const std::string dir = need(opt, "out", cmd);
    const std::string host = opt.count("host") ? opt.at("host") : "localhost";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return fail(cmd, dir + ": " + ec.message(), 1);
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    bool ok = key && cert;
    if (ok) {
        X509_set_version(cert, 2);
        unsigned char serial[16];
        randomBytes(serial, sizeof serial);
        serial[0] &= 0x7F;
        BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
        BN_free(bn);
        X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
        X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("CRF gateway (development)"), -1, -1, 0);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host.c_str()), -1,
                                   -1, 0);
        X509_set_issuer_name(cert, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
        const std::string san = "DNS:" + host + ",DNS:localhost,IP:127.0.0.1,IP:::1";
        for (const auto& [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, san},
                                         {NID_basic_constraints, "critical,CA:TRUE"},
                                         {NID_key_usage, "critical,digitalSignature,keyCertSign"},
                                         {NID_ext_key_usage, "serverAuth"}}) {
            X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
            ok = ok && ext && X509_add_ext(cert, ext, -1);
            X509_EXTENSION_free(ext);
        }
        ok = ok && X509_sign(cert, key, EVP_sha256()) > 0;
    }
    const std::string certPath = (std::filesystem::path(dir) / "gateway.crt").string();
    const std::string keyPath = (std::filesystem::path(dir) / "gateway.key").string();
    if (ok) {
        std::filesystem::remove(keyPath);
        const mode_t old = umask(077);
        FILE* k = std::fopen(keyPath.c_str(), "w");
        umask(old);
        FILE* c = std::fopen(certPath.c_str(), "w");
        ok = k && c && PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) && PEM_write_X509(c, cert);
        if (k)
            std::fclose(k);
        if (c)
            std::fclose(c);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    if (!ok)
        return fail(cmd, "could not make the certificate (OpenSSL)", 1);
    std::printf("cert dev: %s and %s (self-signed for %s, 127.0.0.1; one year; development only)\n", certPath.c_str(),
                keyPath.c_str(), host.c_str());
    return 0;
}

} // namespace crf::tools
