// UnreadableRequest: words gRPC's own refusal of a request it could not parse, so the caller learns what went wrong.
#pragma once

#include <grpcpp/support/server_interceptor.h>

namespace crf::gateway {

/// A request whose bytes are not a well-formed message of its call (a text field that is not UTF-8, a damaged
/// message) never reaches a service: gRPC refuses it as INTERNAL with no message at all. This interceptor turns
/// that into INVALID_ARGUMENT naming the call, so a tablet shows a reason and knows that sending it again as it is
/// will not help (DESIGN "Errors": bad input gets a clear error naming the place).
class UnreadableRequestFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
public:
    grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override;
};

} // namespace crf::gateway
