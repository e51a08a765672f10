#include "unreadable_request.h"

#include <string>

namespace crf::gateway {

namespace {

using grpc::experimental::InterceptionHookPoints;

/// One per call: rewrites the status gRPC sends for a request it could not parse.
class UnreadableRequest : public grpc::experimental::Interceptor {
public:
    explicit UnreadableRequest(const char* method) : m_method(method ? method : "") {}

    void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override
    {
        if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
            const grpc::Status status = methods->GetSendStatus();
            // Every refusal of the gateway's own services carries a message; only gRPC's parse failure has none.
            if (status.error_code() == grpc::StatusCode::INTERNAL && status.error_message().empty())
                methods->ModifySendStatus(grpc::Status(
                    grpc::StatusCode::INVALID_ARGUMENT,
                    m_method + ": the request cannot be read (a text field that is not UTF-8, or damaged bytes); "
                               "nothing was stored"));
        }
        methods->Proceed();
    }

private:
    std::string m_method;
};

} // namespace

grpc::experimental::Interceptor*
UnreadableRequestFactory::CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info)
{
    return new UnreadableRequest(info->method());
}

} // namespace crf::gateway
