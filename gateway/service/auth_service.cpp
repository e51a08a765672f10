#include "auth_service.h"

#include "wording.h"

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

grpc::Status refusal(grpc::ServerContext* context, grpc::StatusCode code, const Error& why)
{
    if (context && !why.tmpl.empty())
        context->AddTrailingMetadata(kWordingMetadataKey, toWording(why).SerializeAsString());
    return grpc::Status(code, why.text());
}

grpc::Status storageFailure(grpc::ServerContext* context, const Message& reason)
{
    return refusal(context, grpc::StatusCode::UNAVAILABLE,
                   messageError({},
                                QT_TRANSLATE_NOOP("Core", "the gateway's storage failed (%1): tell the trial's data "
                                                          "manager if this lasts"),
                                {reason}));
}

grpc::Status toStatus(grpc::ServerContext* context, const Verdict& verdict)
{
    const auto code = [&] {
        switch (verdict.refusal) {
        case Refusal::None:
            return grpc::StatusCode::OK;
        case Refusal::Unauthenticated:
            return grpc::StatusCode::UNAUTHENTICATED;
        case Refusal::PermissionDenied:
            return grpc::StatusCode::PERMISSION_DENIED;
        case Refusal::InvalidArgument:
            return grpc::StatusCode::INVALID_ARGUMENT;
        case Refusal::Unavailable:
            return grpc::StatusCode::UNAVAILABLE;
        }
        return grpc::StatusCode::INTERNAL;
    }();
    if (code == grpc::StatusCode::OK)
        return grpc::Status::OK;
    return refusal(context, code, messageError({}, verdict.message));
}

grpc::Status admit(AccessControl& access, grpc::ServerContext* context, Rpc rpc,
                   const google::protobuf::Message& request, Principal* who)
{
    try {
        auto [verdict, principal] = access.admit(bearerToken(context), rpc, request);
        if (who)
            *who = std::move(principal);
        return toStatus(context, verdict);
    } catch (const std::exception& e) {
        return storageFailure(context, Message(std::string("access check: ") + e.what()));
    }
}

grpc::Status authorize(AccessControl& access, grpc::ServerContext* context, const Principal& who, Rpc rpc,
                       const google::protobuf::Message& request)
{
    try {
        return toStatus(context, access.authorize(who, rpc, request));
    } catch (const std::exception& e) {
        return storageFailure(context, Message(std::string("access check: ") + e.what()));
    }
}

grpc::Status AuthService::Login(grpc::ServerContext* context, const v1::LoginRequest* request,
                                v1::LoginResponse* response)
{
    try {
        auto [verdict, out] = m_identity.login(*request);
        if (!verdict.ok())
            return toStatus(context, verdict);
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
