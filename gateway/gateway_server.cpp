#include "gateway_server.h"
#include "service/unreadable_request.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <fstream>
#include <sstream>

namespace crf::gateway {

namespace {

/// Threads of the gRPC server kept waiting for calls between bursts (see Start).
constexpr int kIdleThreads = 16;

/// The whole PEM file, checked to hold a block of `kind` (a clear error rather than a TLS handshake failure later).
Result<std::string> readPem(const std::string& path, const std::string& kind)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error{path, "cannot be read"};
    std::ostringstream text;
    text << in.rdbuf();
    const std::string pem = text.str();
    if (pem.find("-----BEGIN ") == std::string::npos || pem.find(kind + "-----") == std::string::npos)
        return Error{path, "is not a PEM file holding a " + kind};
    return pem;
}

} // namespace

bool isLoopbackAddress(const std::string& hostPort)
{
    std::string host = hostPort;
    if (host.rfind("ipv4:", 0) == 0 || host.rfind("ipv6:", 0) == 0)
        host = host.substr(5);
    const auto colon = host.rfind(':');
    if (colon != std::string::npos)
        host = host.substr(0, colon);
    if (host.size() > 1 && host.front() == '[')
        host = host.substr(1, host.size() - 2);
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Result<std::unique_ptr<GatewayServer>> GatewayServer::start(const Options& options, const Clock& clock)
{
    if (options.dataDir.empty())
        return Error{"--data/--store", "a data directory or a PostgreSQL URI is required"};
    // DESIGN "Keys and trust": TLS by default; plaintext only when asked for, and then only on loopback.
    const bool tls = !options.tlsCertFile.empty() || !options.tlsKeyFile.empty();
    if (tls && (options.tlsCertFile.empty() || options.tlsKeyFile.empty()))
        return Error{"--tls-cert/--tls-key", "both a certificate and its key are needed"};
    if (!tls && !options.insecureDev)
        return Error{"--listen " + options.listen,
                     "TLS is required: pass --tls-cert and --tls-key (crfctl cert dev makes a pair for local use), "
                     "or --insecure-dev on a loopback address"};
    if (!tls && !isLoopbackAddress(options.listen))
        return Error{"--listen " + options.listen,
                     "plaintext gRPC (--insecure-dev) is allowed on loopback only (use 127.0.0.1:PORT), or use TLS"};
    grpc::SslServerCredentialsOptions ssl;
    if (tls) {
        auto cert = readPem(options.tlsCertFile, "CERTIFICATE");
        if (!cert)
            return Error{"--tls-cert " + options.tlsCertFile, cert.error().what};
        auto key = readPem(options.tlsKeyFile, "PRIVATE KEY");
        if (!key)
            return Error{"--tls-key " + options.tlsKeyFile, key.error().what};
        ssl.pem_key_cert_pairs.push_back({key.value(), cert.value()});
    }

    auto studies = StudyRegistry::load(options.studyFiles);
    if (!studies)
        return Error{"--study", studies.error().text()};
    auto store = openStore(options.dataDir);
    if (!store)
        return store.error();

    std::unique_ptr<GatewayServer> server(new GatewayServer);
    server->m_store = std::move(store).value();
    server->m_domain = std::make_unique<SyncDomain>(*server->m_store, clock, std::move(studies).value());
    server->m_identity = std::make_unique<Identity>(server->m_store->identity(), clock, options.identity);
    server->m_access =
        std::make_unique<AccessControl>(*server->m_identity, server->m_domain->studies(), *server->m_store);
    server->m_authService = std::make_unique<AuthService>(*server->m_identity);
    server->m_service = std::make_unique<SyncService>(*server->m_domain, *server->m_access);
    server->m_photoDomain = std::make_unique<PhotoDomain>(*server->m_store, options.maxPhotoBytes);
    server->m_photoService = std::make_unique<PhotoService>(*server->m_photoDomain, *server->m_access);
    server->m_trialService = std::make_unique<TrialService>(server->m_domain->trial(), *server->m_access);
    server->m_exportService =
        std::make_unique<ExportService>(*server->m_store, server->m_domain->studies(), clock, *server->m_access);
    server->m_verificationService = std::make_unique<VerificationService>(*server->m_store, clock, *server->m_access);
    server->m_queryService = std::make_unique<QueryService>(*server->m_store, clock, *server->m_access);
    server->m_reviewService =
        std::make_unique<CentralReviewService>(*server->m_store, server->m_domain->studies(), clock, *server->m_access);

    static const bool pluginsReady = [] {
        grpc::EnableDefaultHealthCheckService(true);                // grpc.health.v1.Health
        grpc::reflection::InitProtoReflectionServerBuilderPlugin(); // grpc.reflection.v1alpha
        return true;
    }();
    (void)pluginsReady;

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(options.listen, tls ? grpc::SslServerCredentials(ssl) : grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(server->m_authService.get());
    builder.RegisterService(server->m_service.get());
    builder.RegisterService(server->m_photoService.get());
    builder.RegisterService(server->m_trialService.get());
    builder.RegisterService(server->m_exportService.get());
    builder.RegisterService(server->m_verificationService.get());
    builder.RegisterService(server->m_queryService.get());
    builder.RegisterService(server->m_reviewService.get());
    builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
    interceptors.push_back(std::make_unique<UnreadableRequestFactory>());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    // gRPC's synchronous server keeps 1-2 idle threads by default: a thread that finishes a call with two others
    // waiting exits, and the next call starts a new one (a stack to fault in, allocator caches to fill). Three photo
    // chunks in flight from one tablet made 138 threads a second that way. Idle threads wait on the completion queue
    // at no cost, so up to kIdleThreads stay.
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kIdleThreads);
    // gRPC enables SO_REUSEPORT by default; two gateways on one port would split tablets between two stores.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    server->m_server = builder.BuildAndStart();
    if (!server->m_server || port == 0)
        return Error{"--listen " + options.listen, "cannot listen on this address (in use or invalid)"};
    server->m_port = port;
    server->m_tls = tls;
    const auto colon = options.listen.rfind(':');
    server->m_host = colon == std::string::npos ? options.listen : options.listen.substr(0, colon);
    return server;
}

GatewayServer::~GatewayServer()
{
    shutdown();
}

std::string GatewayServer::address() const
{
    return m_host + ":" + std::to_string(m_port);
}

void GatewayServer::wait()
{
    if (m_server)
        m_server->Wait();
}

void GatewayServer::shutdown()
{
    if (m_server) {
        m_server->Shutdown();
        m_server->Wait();
        m_server.reset();
    }
}

} // namespace crf::gateway
