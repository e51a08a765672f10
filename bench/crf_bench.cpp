// crf-bench: the shapes of the PouchDB peer benchmark (shared peers/pouchdb-sync/bench.js) on our stack, on
// loopback, with a real crf-gateway subprocess (durable: ack after commit with synchronous=FULL) and a real
// SQLCipher tablet store. Prints one JSON object (ratios against the peer: docs/performance.md).
#include "crypto.h"
#include "identity/identity.h"
#include "photo.h"
#include "storage/store.h"
#include "sync_client.h"
#include "sync_engine.h"
#include "tablet_store.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a)
{
    return std::chrono::duration<double>(Clock::now() - a).count();
}

long peakRssKb(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    return -1;
}

/// CPU seconds (user + system) the process has used so far, as the peer reports its server's.
double cpuSeconds(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i >= 14)
            ticks += std::stod(field);
    return ticks / double(::sysconf(_SC_CLK_TCK));
}

/// The peer's deterministic PRNG (mulberry32), so both benchmarks write the same kind of values.
struct Mulberry32 {
    uint32_t a;
    double operator()()
    {
        a += 0x6d2b79f5u;
        uint32_t t = a;
        t = (t ^ (t >> 15)) * (t | 1u);
        t ^= t + (t ^ (t >> 7)) * (t | 61u);
        return double(t ^ (t >> 14)) / 4294967296.0;
    }
};

/// The peer's makeDoc: 10 strings of 10 random characters, 10 integers, 5 decimals, 3 booleans, 2 timestamps
/// (30 fields, ~500 B as JSON); `version` > 0 is an edit of every field.
crf::store::SaveRequest form(int i, int version)
{
    static const char kAlpha[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
    Mulberry32 r{
        static_cast<uint32_t>(1000003u * static_cast<uint32_t>(i + 1) + 7919u * static_cast<uint32_t>(version))};
    crf::store::SaveRequest q;
    q.form = {"01-" + std::to_string(i / 8), "D" + std::to_string(i % 8), "SOFA", 0};
    char item[8], value[40];
    for (int k = 1; k <= 10; ++k) {
        std::string v;
        for (int c = 0; c < 10; ++c)
            v += kAlpha[static_cast<int>(r() * 63)];
        std::snprintf(item, sizeof item, "S%02d", k);
        q.values[item] = crf::store::FieldValue{v, ""};
    }
    for (int k = 1; k <= 10; ++k) {
        std::snprintf(item, sizeof item, "N%02d", k);
        q.values[item] = crf::store::FieldValue{std::to_string(static_cast<int>(r() * 1e6)), ""};
    }
    for (int k = 1; k <= 5; ++k) {
        std::snprintf(item, sizeof item, "X%02d", k);
        std::snprintf(value, sizeof value, "%.3f", std::round(r() * 1e6) / 1e3);
        q.values[item] = crf::store::FieldValue{value, ""};
    }
    for (int k = 1; k <= 3; ++k) {
        std::snprintf(item, sizeof item, "B%02d", k);
        q.values[item] = crf::store::FieldValue{r() < 0.5 ? "Y" : "N", ""};
    }
    for (int k = 1; k <= 2; ++k) {
        std::snprintf(item, sizeof item, "T%02d", k);
        const std::time_t t = static_cast<std::time_t>(1.7e9 + std::floor(r() * 3e7));
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(value, sizeof value, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
        q.values[item] = crf::store::FieldValue{value, ""};
    }
    if (version > 0) {
        q.reasonCode = "CORRECTION";
        q.reasonText = "edited";
    }
    return q;
}

/// An edit of form `i` in round `round` (> 0): the first `fields` fields of makeDoc's order (S01, S02, ...) take new
/// values, with a reason. The peer's A3 edits one field of each document (`s01: 'edited-' + run`), so one is the
/// default; 30 edits every field.
crf::store::SaveRequest edit(int i, int round, int fields)
{
    crf::store::SaveRequest all = form(i, round), q;
    q.form = all.form;
    q.reasonCode = all.reasonCode;
    q.reasonText = all.reasonText;
    static const char* const kOrder[] = {"S", "N", "X", "B", "T"};
    static const int kCount[] = {10, 10, 5, 3, 2};
    char item[16];
    for (int g = 0, taken = 0; g < 5 && taken < fields; ++g)
        for (int k = 1; k <= kCount[g] && taken < fields; ++k, ++taken) {
            std::snprintf(item, sizeof item, "%s%02d", kOrder[g], k);
            q.values[item] = all.values.at(item);
        }
    if (fields == 1)
        q.values["S01"] = crf::store::FieldValue{"edited-" + std::to_string(round), ""};
    return q;
}

/// Bytes sent on the loopback interface (as the peer measures: TCP/IP and HTTP/2 framing included).
uint64_t loopbackBytes()
{
    std::ifstream in("/proc/net/dev");
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos || line.substr(0, colon).find("lo") == std::string::npos ||
            line.substr(0, colon).find_first_not_of(" lo") != std::string::npos)
            continue;
        std::istringstream f(line.substr(colon + 1));
        uint64_t v[9] = {};
        for (auto& x : v)
            f >> x;
        return v[8]; // tx_bytes
    }
    return 0;
}

std::string randomJpeg(size_t bytes)
{
    std::string p(bytes, '\0');
    crf::randomBytes(p.data(), p.size());
    for (auto& c : p)
        if (static_cast<unsigned char>(c) == 0xFF)
            c = 0x7F;
    return std::string("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12) + p + std::string("\xFF\xD9", 2);
}

} // namespace

int main(int argc, char** argv)
{
    std::string gatewayBin = "build/bin/crf-gateway";
    int forms = 10000, photos = 100, editRounds = 1, editFields = 1, idleNoops = 0, idleMs = 20;
    size_t photoBytes = 2 * 1024 * 1024;
    using Compression = crf::sync::SyncTransport::Compression;
    Compression compression = Compression::Zstd; // the tablets' default (SyncClient::Transport)
    const std::map<std::string, Compression> compressions{
        {"zstd", Compression::Zstd}, {"gzip", Compression::Gzip}, {"none", Compression::None}};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--gateway-bin")
            gatewayBin = v;
        else if (a == "--forms")
            forms = std::stoi(v);
        else if (a == "--photos")
            photos = std::stoi(v);
        else if (a == "--edit-rounds")
            editRounds = std::max(1, std::stoi(v));
        else if (a == "--idle-noops")
            idleNoops = std::max(0, std::stoi(v));
        else if (a == "--idle-ms")
            idleMs = std::max(0, std::stoi(v));
        else if (a == "--edit-fields")
            editFields = std::clamp(std::stoi(v), 1, 30);
        else if (a == "--photo-bytes")
            photoBytes = std::stoul(v);
        else if (a == "--compression" && compressions.count(v))
            compression = compressions.at(v);
        else {
            std::fprintf(stderr,
                         "crf-bench: unknown option %s (--gateway-bin, --forms, --edit-rounds, --edit-fields, "
                         "--idle-noops, --idle-ms, --photos, --photo-bytes, "
                         "--compression zstd|gzip|none)\n",
                         a.c_str());
            return 2;
        }
    }
    namespace fs = std::filesystem;
    const fs::path work = fs::temp_directory_path() / ("crf-bench-" + std::to_string(::getpid()));
    fs::create_directories(work);
    const int port = 20000 + ::getpid() % 10000;
    const std::string address = "127.0.0.1:" + std::to_string(port);
    // The bench user, made in the gateway's store before it starts (as `crfctl user add` / `grant` would).
    const std::string benchPassword = "bench-Horse-Battery-7";
    {
        auto store = crf::gateway::openSqliteStore((work / "gateway").string());
        crf::SystemClock clock;
        if (!store) {
            std::fprintf(stderr, "crf-bench: %s\n", store.error().text().c_str());
            return 1;
        }
        crf::gateway::Identity identity(store.value()->identity(), clock);
        if (!identity.addUser("crf-bench", "nurse", "Bench Nurse", benchPassword).ok() ||
            !identity.grant("crf-bench", "nurse", "research_nurse", "BENCH", "01").ok()) {
            std::fprintf(stderr, "crf-bench: cannot create the bench user\n");
            return 1;
        }
    }
    const pid_t gw = ::fork();
    if (gw == 0) {
        // The report on stdout must stay one JSON object: the gateway's own lines go nowhere.
        if (std::freopen("/dev/null", "w", stdout) == nullptr)
            ::_exit(126);
        ::execl(gatewayBin.c_str(), gatewayBin.c_str(), "--listen", address.c_str(), "--data",
                (work / "gateway").c_str(), "--max-photo-bytes", "67108864", "--insecure-dev",
                static_cast<char*>(nullptr));
        std::perror("crf-bench: cannot start crf-gateway");
        ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));

    crf::SystemClock clock;
    const crf::store::Actor actor{"nurse", "research_nurse", "01"};
    const crf::store::StudyContext study{"BENCH", "1"};
    auto open = [&](const char* name) {
        crf::SecretKey key = crf::SecretKey::random();
        return crf::store::TabletStore::openWithKey((work / name).string(), key, clock).value();
    };
    crf::sync::SyncClient::Transport transport;
    transport.compression = compression;
    crf::sync::SyncClient client(address, std::chrono::seconds(120), transport);
    using Phases = crf::sync::SyncEngine::Phases;
    // One session per tablet (sessions are bound to their device), opened before the timings start.
    std::map<std::string, std::string> tokens;
    auto ensureSession = [&](crf::store::TabletStore& s) {
        if (!tokens.count(s.deviceId())) {
            crf::v1::LoginRequest login;
            login.set_user_id("nurse");
            login.set_password(benchPassword);
            login.set_device_id(s.deviceId());
            auto in = client.login(login);
            if (!in) {
                std::fprintf(stderr, "crf-bench: login: %s\n", in.error().text().c_str());
                std::exit(1);
            }
            tokens[s.deviceId()] = in->token();
        }
        client.setSession(tokens[s.deviceId()], "01");
    };
    auto sync = [&](crf::store::TabletStore& s, Phases phases) {
        ensureSession(s);
        crf::sync::SyncEngine engine([&](const auto& fn) { fn(s); }, client, clock, "BENCH");
        return engine.run({}, phases);
    };

    auto a = open("a.db");
    ensureSession(*a);
    for (int i = 0; i < forms; ++i)
        a->save(form(i, 0), actor, study);
    uint64_t lo = loopbackBytes();
    double cpu = cpuSeconds(gw);
    auto t = Clock::now();
    const auto pushed = sync(*a, Phases::PushOnly);
    const double push10k = seconds(t);
    const double push10kCpu = cpuSeconds(gw) - cpu;
    const double pushWirePerForm = double(loopbackBytes() - lo) / forms;
    sync(*a, Phases::PullOnly); // own events come back once
    t = Clock::now();
    sync(*a, Phases::PushAndPull);
    const double noop = seconds(t);
    // On a virtual machine the CPU caches are cold after a few milliseconds idle, which makes a no-op sync several
    // times slower than back to back: N no-ops, each after idleMs asleep, measure that case apart (their median).
    std::vector<double> idleRounds;
    for (int i = 0; i < idleNoops; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(idleMs));
        t = Clock::now();
        sync(*a, Phases::PushAndPull);
        idleRounds.push_back(seconds(t));
    }
    std::sort(idleRounds.begin(), idleRounds.end());
    // Each round edits the same 100 forms again (spread over all forms, as the peer picks them); the figure is the
    // median round.
    std::vector<double> rounds;
    cpu = cpuSeconds(gw);
    const int edited = std::min(100, forms);
    bool editsOk = true;
    for (int round = 1; round <= editRounds; ++round) {
        for (int i = 0; i < edited; ++i)
            a->save(edit(static_cast<int>(int64_t(i) * forms / edited), round, editFields), actor, study);
        t = Clock::now();
        const auto r = sync(*a, Phases::PushOnly);
        rounds.push_back(seconds(t));
        if (r.pushed != edited) {
            std::fprintf(stderr, "crf-bench: edit round %d pushed %d of %d changes\n", round, r.pushed, edited);
            editsOk = false;
        }
    }
    const double push100Cpu = (cpuSeconds(gw) - cpu) / editRounds;
    std::string roundsMs; // in the order run: the first round finds the edited forms' pages cold
    for (double r : rounds)
        roundsMs += (roundsMs.empty() ? "" : ", ") + std::to_string(r * 1000);
    std::sort(rounds.begin(), rounds.end());
    const double push100 = rounds[rounds.size() / 2];

    auto b = open("b.db");
    ensureSession(*b);
    lo = loopbackBytes();
    t = Clock::now();
    const auto pulled = sync(*b, Phases::PullOnly);
    const double pull10k = seconds(t);
    const double pullWirePerForm = double(loopbackBytes() - lo) / forms;

    std::vector<std::string> digests;
    for (int i = 0; i < photos; ++i)
        digests.push_back(a->addPhoto(randomJpeg(photoBytes), 64 * 1024 * 1024).value());
    t = Clock::now();
    cpu = cpuSeconds(gw);
    const double tabletCpu = cpuSeconds(::getpid()); // the tablets run in this process
    const auto up = sync(*a, Phases::PushOnly);
    const double photosUp = seconds(t);
    // CPU moves less than wall time on a shared machine: the figures to compare two builds' photo uploads with.
    const double photosUpGatewayCpu = cpuSeconds(gw) - cpu;
    const double photosUpTabletCpu = cpuSeconds(::getpid()) - tabletCpu;
    t = Clock::now();
    size_t downBytes = 0;
    for (const auto& d : digests)
        downBytes += client.downloadPhoto(d).value().size();
    const double photosDown = seconds(t);

    const long rss = peakRssKb(gw);
    ::kill(gw, SIGTERM);
    ::waitpid(gw, nullptr, 0);
    fs::remove_all(work);

    const double mib = double(photos) * double(photoBytes) / 1e6;
    std::ostringstream json;
    json << "{\n  \"forms\": " << forms << ",\n  \"push_10k_s\": " << push10k
         << ",\n  \"push_records_per_s\": " << forms / push10k << ",\n  \"noop_sync_ms\": " << noop * 1000;
    if (!idleRounds.empty())
        json << ",\n  \"noop_sync_after_idle_ms\": " << idleRounds[idleRounds.size() / 2] * 1000
             << ",\n  \"noop_idle_ms\": " << idleMs;
    json << ",\n  \"push_10k_gateway_cpu_s\": " << push10kCpu << ",\n  \"push_100_edited_ms\": " << push100 * 1000
         << ",\n  \"push_100_edited_rounds_ms\": [" << roundsMs << "]"
         << ",\n  \"push_100_edited_gateway_cpu_ms\": " << push100Cpu * 1000
         << ",\n  \"edited_fields_per_form\": " << editFields << ",\n  \"pull_10k_s\": " << pull10k
         << ",\n  \"pull_records_per_s\": " << pulled.pulled / pull10k
         << ",\n  \"payload_bytes_per_form\": " << double(pushed.pushedBytes) / forms
         << ",\n  \"push_loopback_bytes_per_form\": " << pushWirePerForm
         << ",\n  \"pull_loopback_bytes_per_form\": " << pullWirePerForm << ",\n  \"photos\": " << photos
         << ",\n  \"photos_up_s\": " << photosUp << ",\n  \"photos_up_mb_per_s\": " << mib / photosUp
         << ",\n  \"photos_up_gateway_cpu_s\": " << photosUpGatewayCpu
         << ",\n  \"photos_up_tablet_cpu_s\": " << photosUpTabletCpu << ",\n  \"photos_down_s\": " << photosDown
         << ",\n  \"photos_down_mb_per_s\": " << double(downBytes) / 1e6 / photosDown
         << ",\n  \"photos_verified\": " << up.photosVerified << ",\n  \"gateway_peak_rss_kb\": " << rss
         << ",\n  \"compression\": \""
         << (compression == Compression::Zstd   ? "zstd"
             : compression == Compression::Gzip ? "gzip"
                                                : "none")
         << "\"\n}\n";
    std::fputs(json.str().c_str(), stdout);
    return pushed.ok() && editsOk && pulled.ok() && up.ok() ? 0 : 1;
}
