#include "auth_service.h"

namespace crf::gateway {

std::string bearerToken(const grpc::ServerContext* context)
{
    const auto& md = context->client_metadata();
    const auto it = md.find("authorization");
    if (it == md.end())
        return {};
    const std::string value(it->second.data(), it->second.size());
    const std::string prefix = "Bearer ";
    return value.rfind(prefix, 0) == 0 ? value.substr(prefix.size()) : std::string();
}

grpc::Status toStatus(const Verdict& verdict)
{
    switch (verdict.refusal) {
    case Refusal::None:
        return grpc::Status::OK;
    case Refusal::Unauthenticated:
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, verdict.message);
    case Refusal::PermissionDenied:
        return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, verdict.message);
    case Refusal::InvalidArgument:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, verdict.message);
    case Refusal::Unavailable:
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, verdict.message);
    }
    return grpc::Status(grpc::StatusCode::INTERNAL, verdict.message);
}

grpc::Status admit(AccessControl& access, const grpc::ServerContext* context, Rpc rpc,
                   const google::protobuf::Message& request, Principal* who)
{
    try {
        auto [verdict, principal] = access.admit(bearerToken(context), rpc, request);
        if (who)
            *who = std::move(principal);
        return toStatus(verdict);
    } catch (const std::exception& e) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string("access check failed: ") + e.what());
    }
}

grpc::Status AuthService::Login(grpc::ServerContext*, const v1::LoginRequest* request, v1::LoginResponse* response)
{
    try {
        auto [verdict, out] = m_identity.login(*request);
        if (!verdict.ok())
            return toStatus(verdict);
        *response = std::move(out);
        return grpc::Status::OK;
    } catch (const std::exception& e) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string("login not possible now: ") + e.what());
    }
}

grpc::Status AuthService::Logout(grpc::ServerContext* context, const v1::LogoutRequest*, v1::LogoutResponse*)
{
    try {
        m_identity.logout(bearerToken(context));
        return grpc::Status::OK;
    } catch (const std::exception& e) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, e.what());
    }
}

} // namespace crf::gateway
