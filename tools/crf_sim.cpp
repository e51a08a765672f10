// crf-sim: virtual tablets running the real tablet store and sync engine against a gateway. Plays a trial (SOFA and
// mottling forms, corrections with reasons, concurrent edits, photos), keeps going through gateway restarts and
// network cuts, then checks that every acknowledged event is at the gateway exactly once and that all tablets
// converged. Writes a JSON report.
#include "crypto.h"

#include "photo.h"
#include "sync_client.h"
#include "sync_engine.h"
#include "tablet_store.h"
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

struct Options {
    std::string gateway;
    int tablets = 4, sites = 2, subjects = 6, days = 3;
    uint32_t seed = 1;
    double offlineRatio = 0.3, conflictRatio = 0.2;
    int photos = 2;
    std::string report = "crf-sim-report.json";
    std::string workDir;
    int dayPauseMs = 0;      // time between study days (lets a test restart the gateway mid-run)
    std::string credentials; // crfctl dev-seed output: who logs in on each tablet
    std::string gatewayCa;   // the gateway's TLS certificate (PEM); empty: plaintext on loopback
    int durationS = 0;       // > 0: load mode for this many seconds (docs/performance.md "Load")
    int workers = 8;         // load mode: threads driving the tablets
    int pullEvery = 10;      // load mode: a tablet pulls its site's changes every N pushes
};

/// user id -> password, from `crfctl dev-seed --out`.
std::map<std::string, std::string> readCredentials(const std::string& path)
{
    QFile file(QString::fromStdString(path));
    std::map<std::string, std::string> out;
    if (!file.open(QIODevice::ReadOnly))
        return out;
    for (const auto& u : QJsonDocument::fromJson(file.readAll()).object().value("users").toArray())
        out[u.toObject().value("user_id").toString().toStdString()] =
            u.toObject().value("password").toString().toStdString();
    return out;
}

/// Logs in, retrying while the gateway restarts (the simulation kills it on purpose).
crf::Result<crf::v1::LoginResponse> loginWithRetry(crf::sync::SyncClient& client, const std::string& user,
                                                   const std::string& password, const std::string& deviceId,
                                                   std::map<std::string, std::string>& secrets)
{
    crf::Result<crf::v1::LoginResponse> r = crf::Error{"login", "not tried"};
    for (int attempt = 0; attempt < 60; ++attempt) {
        crf::v1::LoginRequest request;
        request.set_user_id(user);
        request.set_password(password);
        request.set_device_id(deviceId);
        request.set_device_secret(secrets[deviceId]);
        // Until enrolled, present a secret of our own: a retry after the gateway died mid-enrolment then succeeds.
        if (secrets[deviceId].empty()) {
            std::string& mine = secrets["enrol:" + deviceId];
            if (mine.empty())
                mine = crf::randomHex(32);
            request.set_enrol_secret(mine);
        }
        r = client.login(request);
        if (r) {
            if (!r->device_secret().empty())
                secrets[deviceId] = r->device_secret();
            return r;
        }
        if (!crf::sync::notReached(r.error()))
            return r; // refused, not unreachable
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return r;
}

int usage()
{
    std::fprintf(stderr, "usage: crf-sim --gateway HOST:PORT --credentials FILE [--gateway-ca PEM] [--tablets N]\n"
                         "               [--sites S] [--subjects M] [--days D]\n"
                         "               [--seed X] [--offline-ratio R] [--conflict-ratio C] [--photos P]\n"
                         "               [--report FILE.json] [--work DIR] [--day-pause-ms MS]\n"
                         "       load mode: --duration SECONDS [--workers W] [--pull-every N]\n");
    return 2;
}

struct Tablet {
    std::unique_ptr<crf::store::TabletStore> store;
    std::unique_ptr<crf::sync::SyncClient> client;
    crf::store::Actor actor;
    int created = 0;
    int syncFailures = 0;
};

std::string siteName(int site)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d", site);
    return buf;
}

/// Opens tablet `i`'s encrypted store in `work` and names who uses it (accounts of crfctl dev-seed: nurses and
/// investigators of the site take turns on the tablets).
crf::Result<Tablet> openTablet(const Options& o, int i, const std::filesystem::path& work, const crf::Clock& clock,
                               const crf::sync::SyncClient::Transport& transport,
                               const std::map<std::string, std::string>& passwords)
{
    Tablet t;
    auto s = crf::store::TabletStore::openWithKey((work / ("tablet-" + std::to_string(i) + ".db")).string(),
                                                  crf::SecretKey::random(), clock);
    if (!s)
        return s.error();
    t.store = std::move(s).value();
    t.client = std::make_unique<crf::sync::SyncClient>(o.gateway, std::chrono::seconds(5), transport);
    const std::string site = siteName(1 + i % o.sites);
    const bool nurse = (i / o.sites) % 2 == 0;
    const std::string user = (nurse ? "nurse-" : "inv-") + site;
    if (!passwords.count(user))
        return crf::Error{o.credentials,
                          "no user " + user + " (dev-seed --sites " + std::to_string(o.sites) + " or more)"};
    t.actor = {user, nurse ? "research_nurse" : "investigator", site};
    return t;
}

std::string subjectId(int site, int subject)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02d-%d", site + 1, 100 + subject);
    return buf;
}

std::string fakeJpeg(std::mt19937& rng, size_t bytes)
{
    std::string j("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12);
    std::uniform_int_distribution<int> b(0, 0xFE);
    for (size_t i = 0; i < bytes; ++i)
        j.push_back(static_cast<char>(b(rng)));
    return j + std::string("\xFF\xD9", 2);
}

/// What the gateway holds, read back by each site's monitor (no account reads every site: together, everything).
struct GatewayContents {
    std::map<std::pair<std::string, uint64_t>, int> seen; // (device, device sequence) -> times seen
    uint64_t events = 0, conflicts = 0;
};

crf::Result<GatewayContents> readGateway(const Options& o, const crf::sync::SyncClient::Transport& transport,
                                         const std::map<std::string, std::string>& passwords)
{
    GatewayContents out;
    std::map<std::string, std::string> secrets;
    const std::string device = "crf-sim-reader-" + crf::randomHex(4); // a new device per run
    for (int site = 1; site <= o.sites; ++site) {
        const std::string monitor = "monitor-" + siteName(site);
        if (!passwords.count(monitor))
            return crf::Error{monitor, "not in the credentials"};
        crf::sync::SyncClient reader(o.gateway, std::chrono::seconds(30), transport);
        if (auto in = loginWithRetry(reader, monitor, passwords.at(monitor), device, secrets); !in)
            return in.error();
        for (uint64_t cursor = 0;;) {
            crf::v1::PullRequest req;
            req.set_after_server_seq(cursor);
            req.set_limit(1000);
            auto page = reader.pull(req);
            if (!page)
                return page.error();
            for (const auto& se : page->events()) {
                ++out.seen[{se.event().device_id(), se.event().device_seq()}];
                ++out.events;
                out.conflicts += static_cast<uint64_t>(se.conflicts_size());
            }
            cursor = page->next_cursor();
            if (!page->has_more())
                break;
        }
    }
    return out;
}

/// The p-th percentile (0-100) of `v` (sorted in place); 0 when empty.
double percentile(std::vector<double>& v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())))];
}

/// Load mode (docs/performance.md "Load"): `--tablets` tablets driven by `--workers` threads for `--duration` seconds.
/// Each step records a SOFA form (five values) on one tablet and pushes it, timed as the tablet sees it (outbox read,
/// the Push call, acknowledgement written); every `--pull-every` pushes the tablet also pulls its site's changes.
/// Afterwards every tablet sends what is left and the gateway is read back: every acknowledged event exactly once.
int runLoad(const Options& o, const std::filesystem::path& work, const crf::sync::SyncClient::Transport& transport,
            const std::map<std::string, std::string>& passwords)
{
    using Clock = std::chrono::steady_clock;
    if (o.workers > o.tablets) {
        std::fprintf(stderr, "crf-sim: --workers %d is more than --tablets %d (a tablet is driven by one worker)\n",
                     o.workers, o.tablets);
        return 2;
    }
    // A thousand encrypted stores hold a few thousand files open.
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    crf::SystemClock clock;
    std::vector<Tablet> tablets(static_cast<size_t>(o.tablets));
    std::atomic<int> next{0};
    std::mutex errorMutex;
    std::string firstError;
    auto fail = [&](const std::string& e) {
        std::lock_guard lock(errorMutex);
        if (firstError.empty())
            firstError = e;
    };
    const auto setupStart = Clock::now();
    {
        std::vector<std::thread> workers;
        for (int w = 0; w < o.workers; ++w)
            workers.emplace_back([&] {
                std::map<std::string, std::string> secrets; // per worker: each device appears in one worker only
                for (int i; (i = next++) < o.tablets;) {
                    auto t = openTablet(o, i, work, clock, transport, passwords);
                    if (!t) {
                        fail(t.error().text());
                        continue;
                    }
                    const std::string user = t->actor.userId;
                    auto in = loginWithRetry(*t->client, user, passwords.at(user), t->store->deviceId(), secrets);
                    if (!in) {
                        fail(user + " cannot log in: " + in.error().text());
                        continue;
                    }
                    tablets[size_t(i)] = std::move(t).value();
                }
            });
        for (auto& w : workers)
            w.join();
    }
    if (!firstError.empty()) {
        std::fprintf(stderr, "crf-sim: %s\n", firstError.c_str());
        return 1;
    }
    const double setupS = std::chrono::duration<double>(Clock::now() - setupStart).count();
    std::printf("crf-sim: %d tablets opened and logged in (%.1f s); load for %d s with %d workers\n", o.tablets, setupS,
                o.durationS, o.workers);
    std::fflush(stdout);

    const crf::store::StudyContext study{"I-MICRO", "2020-1"};
    const char* items[] = {"PLATELETS", "GCS", "MAP", "URINE_24H", "PAO2"};
    const std::pair<int, int> ranges[] = {{20, 400}, {3, 15}, {40, 110}, {100, 3000}, {50, 400}};
    struct WorkerStats {
        std::vector<double> pushMs;
        uint64_t events = 0, pulls = 0, errors = 0;
    };
    std::vector<WorkerStats> stats(static_cast<size_t>(o.workers));
    const auto loadStart = Clock::now();
    const auto end = loadStart + std::chrono::seconds(o.durationS);
    {
        std::vector<std::thread> workers;
        for (int w = 0; w < o.workers; ++w)
            workers.emplace_back([&, w] {
                std::mt19937 rng(o.seed * 7919u + static_cast<uint32_t>(w));
                WorkerStats& st = stats[size_t(w)];
                const int perSite = std::max(1, o.subjects / o.sites);
                for (size_t i = size_t(w), step = 0; Clock::now() < end; i += size_t(o.workers), ++step) {
                    if (i >= tablets.size())
                        i = size_t(w) % tablets.size();
                    Tablet& t = tablets[i];
                    const int site = int(i) % o.sites;
                    const std::string sid = subjectId(site, site + o.sites * int(rng() % unsigned(perSite)));
                    crf::store::FormKey key{sid, "D" + std::to_string(rng() % 8), "SOFA", 0};
                    auto current = t.store->formValues(key);
                    crf::store::SaveRequest r;
                    r.form = key;
                    for (size_t item = 0; item < 5; ++item)
                        r.values[items[item]] = crf::store::FieldValue{
                            std::to_string(ranges[item].first +
                                           int(rng() % unsigned(ranges[item].second - ranges[item].first + 1))),
                            ""};
                    if (current && !current->empty()) {
                        r.reasonCode = "CORRECTION";
                        r.reasonText = "re-measured";
                    }
                    auto saved = t.store->save(r, t.actor, study);
                    if (saved && saved->deviceSeq)
                        ++t.created;
                    crf::sync::SyncEngine engine([&](const auto& fn) { fn(*t.store); }, *t.client, clock, "I-MICRO");
                    const auto before = Clock::now();
                    auto pushed = engine.run({}, crf::sync::SyncEngine::Phases::PushOnly);
                    if (!pushed.ok()) {
                        ++st.errors;
                        continue;
                    }
                    st.pushMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
                    st.events += static_cast<uint64_t>(pushed.pushed);
                    if (step % size_t(o.pullEvery) == size_t(o.pullEvery) - 1) {
                        ++st.pulls;
                        if (!engine.run({}, crf::sync::SyncEngine::Phases::PullOnly).ok())
                            ++st.errors;
                    }
                }
            });
        for (auto& w : workers)
            w.join();
    }
    const double loadS = std::chrono::duration<double>(Clock::now() - loadStart).count();

    // Whatever is left is sent (a push that failed above is retried here), then the gateway is read back.
    uint64_t pending = 0;
    for (auto& t : tablets) {
        crf::sync::SyncEngine engine([&](const auto& fn) { fn(*t.store); }, *t.client, clock, "I-MICRO");
        for (int attempt = 0; attempt < 3; ++attempt) {
            engine.run({}, crf::sync::SyncEngine::Phases::PushOnly);
            auto st = t.store->syncState();
            if (st && st->pendingEvents == 0)
                break;
        }
        auto st = t.store->syncState();
        pending += st ? static_cast<uint64_t>(st->pendingEvents) : 1;
    }
    GatewayContents at;
    if (auto read = readGateway(o, transport, passwords); read)
        at = std::move(read).value();
    else {
        std::fprintf(stderr, "crf-sim: cannot read the gateway: %s\n", read.error().text().c_str());
        return 1;
    }
    auto& seen = at.seen;
    const uint64_t atGateway = at.events;
    uint64_t duplicates = 0, created = 0, acked = 0, refused = 0, events = 0, pulls = 0, errors = 0;
    for (const auto& [k, n] : seen)
        duplicates += static_cast<uint64_t>(n - 1);
    for (auto& t : tablets) {
        created += static_cast<uint64_t>(t.created);
        auto st = t.store->syncState();
        acked += static_cast<uint64_t>(t.created - (st ? st->pendingEvents + st->refusedEvents : 0));
        refused += static_cast<uint64_t>(st ? st->refusedEvents : 0);
    }
    std::vector<double> pushMs;
    for (auto& st : stats) {
        pushMs.insert(pushMs.end(), st.pushMs.begin(), st.pushMs.end());
        events += st.events;
        pulls += st.pulls;
        errors += st.errors;
    }
    const uint64_t pushes = pushMs.size();
    const double p50 = percentile(pushMs, 50), p99 = percentile(pushMs, 99);
    const bool exactlyOnce = duplicates == 0 && pending == 0 && atGateway + refused == created && atGateway == acked;
    std::ofstream out(o.report);
    char figures[512];
    std::snprintf(figures, sizeof figures,
                  "  \"duration_s\": %.1f,\n  \"pushes\": %llu,\n  \"pushes_per_s\": %.1f,\n"
                  "  \"events_per_s\": %.1f,\n  \"push_latency_ms\": {\"p50\": %.1f, \"p99\": %.1f},\n"
                  "  \"pulls\": %llu,\n  \"errors\": %llu,\n  \"setup_s\": %.1f,\n",
                  loadS, static_cast<unsigned long long>(pushes), double(pushes) / loadS, double(events) / loadS, p50,
                  p99, static_cast<unsigned long long>(pulls), static_cast<unsigned long long>(errors), setupS);
    out << "{\n"
        << "  \"mode\": \"load\",\n"
        << "  \"events_created\": " << created << ",\n"
        << "  \"events_acked\": " << acked << ",\n"
        << "  \"events_at_gateway\": " << atGateway << ",\n"
        << "  \"events_refused\": " << refused << ",\n"
        << "  \"duplicates\": " << duplicates << ",\n"
        << "  \"exactly_once\": " << (exactlyOnce ? "true" : "false") << ",\n"
        << figures << "  \"tablets\": " << o.tablets << ", \"sites\": " << o.sites << ", \"workers\": " << o.workers
        << ", \"seed\": " << o.seed << "\n}\n";
    std::printf("crf-sim: load %.0f s: %llu pushes (%.1f/s, %.1f events/s), push p50 %.1f ms p99 %.1f ms, %llu errors, "
                "%llu duplicates, exactly once: %s (report %s)\n",
                loadS, static_cast<unsigned long long>(pushes), double(pushes) / loadS, double(events) / loadS, p50,
                p99, static_cast<unsigned long long>(errors), static_cast<unsigned long long>(duplicates),
                exactlyOnce ? "true" : "false", o.report.c_str());
    return exactlyOnce && errors == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc)
            return usage();
        const std::string v = argv[++i];
        try {
            if (a == "--gateway")
                o.gateway = v;
            else if (a == "--tablets")
                o.tablets = std::stoi(v);
            else if (a == "--sites")
                o.sites = std::stoi(v);
            else if (a == "--subjects")
                o.subjects = std::stoi(v);
            else if (a == "--days")
                o.days = std::stoi(v);
            else if (a == "--seed")
                o.seed = static_cast<uint32_t>(std::stoul(v));
            else if (a == "--offline-ratio")
                o.offlineRatio = std::stod(v);
            else if (a == "--conflict-ratio")
                o.conflictRatio = std::stod(v);
            else if (a == "--photos")
                o.photos = std::stoi(v);
            else if (a == "--report")
                o.report = v;
            else if (a == "--work")
                o.workDir = v;
            else if (a == "--credentials")
                o.credentials = v;
            else if (a == "--gateway-ca")
                o.gatewayCa = v;
            else if (a == "--duration")
                o.durationS = std::stoi(v);
            else if (a == "--workers")
                o.workers = std::max(1, std::stoi(v));
            else if (a == "--pull-every")
                o.pullEvery = std::max(1, std::stoi(v));
            else if (a == "--day-pause-ms")
                o.dayPauseMs = std::stoi(v);
            else
                return usage();
        } catch (const std::exception&) {
            std::fprintf(stderr, "crf-sim: %s: \"%s\" is not a valid value\n", a.c_str(), v.c_str());
            return 2;
        }
    }
    if (o.gateway.empty() || o.credentials.empty() || o.tablets < 1 || o.sites < 1 || o.subjects < 1 || o.days < 1 ||
        o.days > 8)
        return usage();
    namespace fs = std::filesystem;
    const fs::path work =
        o.workDir.empty() ? fs::temp_directory_path() / ("crf-sim-" + std::to_string(o.seed)) : fs::path(o.workDir);
    fs::remove_all(work);
    fs::create_directories(work);

    const auto passwords = readCredentials(o.credentials);
    if (passwords.empty()) {
        std::fprintf(stderr, "crf-sim: --credentials %s: no users (crfctl dev-seed --out makes the file)\n",
                     o.credentials.c_str());
        return 2;
    }
    crf::sync::SyncClient::Transport transport;
    if (!o.gatewayCa.empty()) {
        std::ifstream in(o.gatewayCa);
        transport.rootCertPem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::map<std::string, std::string> deviceSecrets;
    crf::SystemClock clock;
    std::mt19937 rng(o.seed);
    std::uniform_real_distribution<double> u(0, 1);
    if (o.durationS > 0)
        return runLoad(o, work, transport, passwords);
    std::vector<Tablet> tablets(static_cast<size_t>(o.tablets));
    for (int i = 0; i < o.tablets; ++i) {
        auto t = openTablet(o, i, work, clock, transport, passwords);
        if (!t) {
            std::fprintf(stderr, "crf-sim: %s\n", t.error().text().c_str());
            return t.error().where == o.credentials ? 2 : 1;
        }
        tablets[size_t(i)] = std::move(t).value();
        const std::string& user = tablets[size_t(i)].actor.userId;
        auto in = loginWithRetry(*tablets[size_t(i)].client, user, passwords.at(user),
                                 tablets[size_t(i)].store->deviceId(), deviceSecrets);
        if (!in) {
            std::fprintf(stderr, "crf-sim: %s cannot log in: %s\n", user.c_str(), in.error().text().c_str());
            return 1;
        }
    }
    const crf::store::StudyContext study{"I-MICRO", "2020-1"};
    auto sync = [&](Tablet& t) {
        crf::sync::SyncEngine engine([&](const auto& fn) { fn(*t.store); }, *t.client, clock, "I-MICRO");
        auto r = engine.run();
        if (!r.ok())
            ++t.syncFailures;
        return r;
    };
    // Plausible bedside values (the gateway refuses impossible ones, as it should).
    const char* items[] = {"PLATELETS", "GCS", "MAP", "URINE_24H", "PAO2"};
    const std::pair<int, int> ranges[] = {{20, 400}, {3, 15}, {40, 110}, {100, 3000}, {50, 400}};
    auto valueFor = [&](size_t item) {
        return std::to_string(ranges[item].first + int(rng() % unsigned(ranges[item].second - ranges[item].first + 1)));
    };
    int photosAdded = 0;

    // Play: each day every subject is seen by one tablet of its site; some tablets stay offline; some edits touch a
    // field another tablet also records (a concurrent edit); corrections carry a reason.
    for (int day = 0; day < o.days; ++day) {
        for (int subject = 0; subject < o.subjects; ++subject) {
            const int site = subject % o.sites;
            std::vector<size_t> atSite;
            for (size_t i = 0; i < tablets.size(); ++i)
                if (int(i) % o.sites == site)
                    atSite.push_back(i);
            if (atSite.empty())
                continue;
            const std::string sid = subjectId(site, subject);
            auto record = [&](Tablet& t, const std::string& item, const std::string& value) {
                crf::store::FormKey key{sid, "D" + std::to_string(day), "SOFA", 0};
                auto current = t.store->formValues(key);
                crf::store::SaveRequest r;
                r.form = key;
                r.values[item] = crf::store::FieldValue{value, ""};
                if (current && current->count(item)) {
                    r.reasonCode = "CORRECTION";
                    r.reasonText = "re-measured";
                }
                auto saved = t.store->save(r, t.actor, study);
                if (saved && saved->deviceSeq)
                    ++t.created;
            };
            const size_t pos = size_t(rng() % atSite.size());
            Tablet& t = tablets[atSite[pos]];
            for (size_t item = 0; item < 5; ++item)
                record(t, items[item], valueFor(item));
            if (u(rng) < o.conflictRatio && atSite.size() > 1) {
                // Another tablet of the same site records a field of the same form, offline: a concurrent edit.
                Tablet& other = tablets[atSite[(pos + 1 + size_t(rng()) % (atSite.size() - 1)) % atSite.size()]];
                const size_t item = size_t(rng() % 5);
                record(other, items[item], valueFor(item));
            }
            if (photosAdded < o.photos && day < 3) {
                auto digest = t.store->addPhoto(fakeJpeg(rng, 64 * 1024), crf::photo::kDefaultMaxBytes);
                if (digest) {
                    crf::store::SaveRequest r;
                    r.form = {sid, "D" + std::to_string(day), "MOTTLING", 0};
                    r.values["KNEE_PHOTO"] = crf::store::FieldValue{*digest, ""};
                    r.values["MOTTLING_SCORE"] = crf::store::FieldValue{std::to_string(rng() % 6), ""};
                    auto saved = t.store->save(r, t.actor, study);
                    if (saved && saved->deviceSeq)
                        ++t.created;
                    ++photosAdded;
                }
            }
        }
        for (auto& t : tablets)
            if (u(rng) >= o.offlineRatio)
                sync(t);
        std::printf("crf-sim: day %d played\n", day);
        std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::milliseconds(o.dayPauseMs));
    }

    // Everyone comes back online and syncs until nothing is pending (the gateway may be restarting: retry).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    bool allSent = false;
    while (!allSent && std::chrono::steady_clock::now() < deadline) {
        allSent = true;
        for (auto& t : tablets) {
            sync(t);
            auto st = t.store->syncState();
            allSent = allSent && st && st->pendingEvents == 0 && st->pendingPhotos == 0;
        }
        if (!allSent)
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    for (auto& t : tablets)
        sync(t); // a last round so everyone has everyone's events

    // Check at the gateway: every event of every device exactly once.
    // Each site's monitor reads its site (no account reads every site): together, everything at the gateway.
    GatewayContents at;
    if (auto read = readGateway(o, transport, passwords); read)
        at = std::move(read).value();
    else {
        std::fprintf(stderr, "crf-sim: cannot read the gateway: %s\n", read.error().text().c_str());
        return 1;
    }
    auto& seen = at.seen;
    const uint64_t atGateway = at.events, conflicts = at.conflicts;
    uint64_t duplicates = 0, created = 0, acked = 0, refused = 0, photosVerified = 0;
    for (const auto& [k, n] : seen)
        duplicates += static_cast<uint64_t>(n - 1);
    // Tablets of one site converge on that site's subjects; no tablet holds a value of another site (site isolation).
    std::map<int, std::map<std::string, std::pair<std::string, bool>>> reference;
    bool converged = allSent, isolated = true;
    for (size_t i = 0; i < tablets.size(); ++i) {
        auto& t = tablets[i];
        created += static_cast<uint64_t>(t.created);
        auto st = t.store->syncState();
        acked += static_cast<uint64_t>(t.created - (st ? st->pendingEvents + st->refusedEvents : 0));
        refused += static_cast<uint64_t>(st ? st->refusedEvents : 0);
        const int mySite = int(i) % o.sites;
        std::map<std::string, std::pair<std::string, bool>> mine;
        for (int day = 0; day < o.days; ++day)
            for (int subject = 0; subject < o.subjects; ++subject) {
                const std::string sid = subjectId(subject % o.sites, subject);
                const auto values = t.store->formValues({sid, "D" + std::to_string(day), "SOFA", 0});
                if (!values)
                    continue;
                if (subject % o.sites != mySite) {
                    isolated = isolated && values->empty();
                    continue;
                }
                for (const auto& [item, v] : *values)
                    mine[sid + "/" + std::to_string(day) + "/" + item] = {v.value, v.conflict};
            }
        if (!reference.count(mySite))
            reference[mySite] = mine;
        else if (mine != reference[mySite])
            converged = false;
    }
    // Photos verified at the gateway, asked digest by digest.
    std::set<std::string> digests;
    for (auto& t : tablets) {
        for (int day = 0; day < std::min(o.days, 3); ++day)
            for (int subject = 0; subject < o.subjects; ++subject) {
                const std::string sid = subjectId(subject % o.sites, subject);
                auto v = t.store->formValues({sid, "D" + std::to_string(day), "MOTTLING", 0});
                if (v && v->count("KNEE_PHOTO"))
                    digests.insert(v->at("KNEE_PHOTO").value);
            }
    }
    for (const auto& d : digests) {
        auto s = tablets.front().client->photoStatus(d);
        if (s && s->verified())
            ++photosVerified;
    }
    // Every change is at the gateway exactly once: accepted and pulled back, or refused and kept in its refused table.
    const bool exactlyOnce = duplicates == 0 && atGateway + refused == created && atGateway == acked;
    std::ofstream out(o.report);
    out << "{\n"
        << "  \"events_created\": " << created << ",\n"
        << "  \"events_acked\": " << acked << ",\n"
        << "  \"events_at_gateway\": " << atGateway << ",\n"
        << "  \"events_refused\": " << refused << ",\n"
        << "  \"duplicates\": " << duplicates << ",\n"
        << "  \"conflicts_opened\": " << conflicts << ",\n"
        << "  \"photos_added\": " << photosAdded << ",\n"
        << "  \"photos_verified\": " << photosVerified << ",\n"
        << "  \"exactly_once\": " << (exactlyOnce ? "true" : "false") << ",\n"
        << "  \"converged\": " << (converged && exactlyOnce ? "true" : "false") << ",\n"
        << "  \"sites_isolated\": " << (isolated ? "true" : "false") << ",\n"
        << "  \"tablets\": " << o.tablets << ", \"sites\": " << o.sites << ", \"subjects\": " << o.subjects
        << ", \"days\": " << o.days << ", \"seed\": " << o.seed << "\n}\n";
    std::printf("crf-sim: %llu events created, %llu at the gateway, %llu duplicates, %llu conflicts, %llu/%d photos "
                "verified, converged: %s (report %s)\n",
                static_cast<unsigned long long>(created), static_cast<unsigned long long>(atGateway),
                static_cast<unsigned long long>(duplicates), static_cast<unsigned long long>(conflicts),
                static_cast<unsigned long long>(photosVerified), photosAdded,
                converged && exactlyOnce ? "true" : "false", o.report.c_str());
    return converged && exactlyOnce && isolated && photosVerified == static_cast<uint64_t>(photosAdded) ? 0 : 1;
}
