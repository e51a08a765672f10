// crf-gateway: serves sync (and health, reflection) over gRPC, storing in --data DIR (SQLite) or --store URI
// (PostgreSQL; several instances may share one, docs/operations.md).
#include "gateway_server.h"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <pthread.h>
#include <thread>

namespace {

void usage()
{
    std::cerr << "usage: crf-gateway --listen HOST:PORT (--data DIR | --store postgresql://...)\n"
                 "                   (--tls-cert PEM --tls-key PEM | --insecure-dev)\n"
                 "                   [--study FILE]... [--max-photo-bytes N] [--session-hours H]\n"
                 "  --listen       address to serve gRPC on\n"
                 "  --tls-cert     server certificate (PEM; crfctl cert dev makes one for local use)\n"
                 "  --tls-key      its private key (PEM)\n"
                 "  --data         directory for the embedded store (gateway.db)\n"
                 "  --store        a PostgreSQL store (libpq URI, as the application role; password from PGPASSWORD\n"
                 "                 or ~/.pgpass); or a directory, as --data\n"
                 "  --study        a study definition events are checked against (repeatable)\n"
                 "  --max-photo-bytes N  largest photo accepted (default 16 MiB)\n"
                 "  --session-hours H  login sessions last H hours (default 12)\n"
                 "  --insecure-dev plaintext gRPC, on a loopback address only (development only)\n"
                 "Accounts: crfctl user add|grant ... --data DIR (docs/security.md).\n";
}

} // namespace

int main(int argc, char** argv)
{
    crf::gateway::GatewayServer::Options options;
    options.listen.clear();
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "crf-gateway: " << arg << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--listen")
            options.listen = next();
        else if (arg == "--data" || arg == "--store")
            options.dataDir = next();
        else if (arg == "--study")
            options.studyFiles.push_back(next());
        else if (arg == "--max-photo-bytes") {
            const std::string v = next();
            char* end = nullptr;
            options.maxPhotoBytes = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || options.maxPhotoBytes == 0) {
                std::cerr << "crf-gateway: --max-photo-bytes: \"" << v << "\" is not a positive number of bytes\n";
                return 2;
            }
        } else if (arg == "--tls-cert")
            options.tlsCertFile = next();
        else if (arg == "--tls-key")
            options.tlsKeyFile = next();
        else if (arg == "--session-hours") {
            const std::string v = next();
            char* end = nullptr;
            const double hours = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !(hours > 0) || hours > 24 * 30) {
                std::cerr << "crf-gateway: --session-hours: \"" << v << "\" is not a number of hours (0-720)\n";
                return 2;
            }
            options.identity.sessionTtlMs = static_cast<int64_t>(hours * 3600 * 1000);
        } else if (arg == "--insecure-dev")
            options.insecureDev = true;
        else if (arg == "-h" || arg == "--help") {
            usage();
            return 0;
        } else {
            std::cerr << "crf-gateway: unknown argument " << arg << "\n";
            usage();
            return 2;
        }
    }
    if (options.listen.empty() || options.dataDir.empty()) {
        usage();
        return 2;
    }

    // Block SIGINT/SIGTERM in every thread; one thread waits for them and shuts the server down cleanly.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    crf::SystemClock clock;
    auto server = crf::gateway::GatewayServer::start(options, clock);
    if (!server) {
        std::cerr << "crf-gateway: " << server.error().text() << "\n";
        return 1;
    }
    auto& gw = *server.value();
    std::cout << "crf-gateway: listening on " << gw.address() << (gw.tls() ? " (TLS)" : " (plaintext, development)")
              << ", store " << gw.store().describe() << std::endl;

    std::thread waiter([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        std::cout << "crf-gateway: " << strsignal(sig) << ", shutting down" << std::endl;
        gw.shutdown();
    });
    gw.wait();
    waiter.join();
    return 0;
}
