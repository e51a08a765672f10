// AuthService: crf.v1.AuthService over Identity; and the helpers every service uses to reach the access control.
#pragma once

#include "crf/v1/auth.grpc.pb.h"
#include "identity/access_control.h"
#include "identity/identity.h"

#include <grpcpp/server_context.h>

namespace crf::gateway {

/// The token of "authorization: Bearer <token>" (empty when absent).
std::string bearerToken(const grpc::ServerContext* context);
/// A refusal as a gRPC status: the English sentence as its message and, when the sentence has a template, its parts
/// (crf.v1.Wording) in the trailing metadata (kWordingMetadataKey), so a tablet words it in its screen's language.
grpc::Status refusal(grpc::ServerContext* context, grpc::StatusCode code, const Error& why);
/// A failure of the gateway's own storage (its disk full, its database down) as UNAVAILABLE, so a tablet keeps what
/// it sent and tries again later; worded for the tablet's screen (the storage's reason, for whoever fixes it, inside)
/// so that a gateway that answers is not taken for one that cannot be reached.
grpc::Status storageFailure(grpc::ServerContext* context, const Message& reason);
/// A verdict as a gRPC status (UNAUTHENTICATED, PERMISSION_DENIED, ...), worded as refusal() does.
grpc::Status toStatus(grpc::ServerContext* context, const Verdict& verdict);
/// Runs the access control for `rpc`; storage failures while checking become UNAVAILABLE.
grpc::Status admit(AccessControl& access, grpc::ServerContext* context, Rpc rpc,
                   const google::protobuf::Message& request, Principal* who = nullptr);
/// The access check again for `who`, admitted earlier in this call, on what the call unpacked since.
grpc::Status authorize(AccessControl& access, grpc::ServerContext* context, const Principal& who, Rpc rpc,
                       const google::protobuf::Message& request);

class AuthService final : public v1::AuthService::Service {
public:
    explicit AuthService(Identity& identity) : m_identity(identity) {}
    grpc::Status Login(grpc::ServerContext* context, const v1::LoginRequest* request,
                       v1::LoginResponse* response) override;
    grpc::Status Logout(grpc::ServerContext* context, const v1::LogoutRequest* request,
                        v1::LogoutResponse* response) override;

private:
    Identity& m_identity;
};

} // namespace crf::gateway
