// GatewayServer: wires Store + SyncDomain + gRPC services (sync, health, reflection) on a listening port.
#pragma once

#include "clock.h"
#include "domain/sync_domain.h"
#include "identity/access_control.h"
#include "identity/identity.h"
#include "result.h"
#include "service/auth_service.h"
#include "service/photo_service.h"
#include "service/sync_service.h"
#include "service/trial_service.h"
#include "storage/store.h"

#include <grpcpp/server.h>
#include <memory>
#include <string>
#include <vector>

namespace crf::gateway {

/// Owns a running gateway. Used by crf-gateway's main and by in-process integration tests.
class GatewayServer {
public:
    struct Options {
        std::string listen = "127.0.0.1:0";  // port 0: pick a free port (tests)
        std::string dataDir;                 // SQLite data folder, or a postgresql:// URI (openStore)
        bool insecureDev = false;            // plaintext gRPC, allowed on loopback addresses only
        std::vector<std::string> studyFiles; // definitions the gateway checks events against (none: accept all)
        size_t maxPhotoBytes = photo::kDefaultMaxBytes;
        std::string tlsCertFile, tlsKeyFile; // PEM; required unless insecureDev
        Identity::Options identity;
    };

    /// Opens the store and starts serving. Errors name the address or the data directory.
    static Result<std::unique_ptr<GatewayServer>> start(const Options& options, const Clock& clock);
    ~GatewayServer();

    int port() const { return m_port; }
    std::string address() const;
    Store& store() { return *m_store; }
    Identity& identity() { return *m_identity; }
    bool tls() const { return m_tls; }
    void wait();
    void shutdown();

private:
    GatewayServer() = default;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<SyncDomain> m_domain;
    std::unique_ptr<Identity> m_identity;
    std::unique_ptr<AccessControl> m_access;
    std::unique_ptr<AuthService> m_authService;
    std::unique_ptr<SyncService> m_service;
    std::unique_ptr<PhotoDomain> m_photoDomain;
    std::unique_ptr<PhotoService> m_photoService;
    std::unique_ptr<TrialService> m_trialService;
    std::unique_ptr<ExportService> m_exportService;
    std::unique_ptr<VerificationService> m_verificationService;
    std::unique_ptr<QueryService> m_queryService;
    std::unique_ptr<CentralReviewService> m_reviewService;
    std::unique_ptr<grpc::Server> m_server;
    std::string m_host;
    int m_port = 0;
    bool m_tls = false;
};

/// True for 127.0.0.0/8, ::1 and localhost.
bool isLoopbackAddress(const std::string& hostPort);

} // namespace crf::gateway
