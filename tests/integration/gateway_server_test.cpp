// crf-gateway's server: standard health service and server reflection answer on the wire; plaintext off loopback
// is refused. Requests are hand-encoded protobuf (Debian ships no health/reflection protos), so these tests see
// exactly what a grpcurl or a load balancer would.
#include "gateway_access.h"
#include "gateway_server.h"

#include <QTemporaryDir>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

using namespace crf;

namespace {

std::string toString(const grpc::ByteBuffer& buffer)
{
    std::vector<grpc::Slice> slices;
    buffer.Dump(&slices);
    std::string out;
    for (const auto& s : slices)
        out.append(reinterpret_cast<const char*>(s.begin()), s.size());
    return out;
}

grpc::ByteBuffer toBuffer(const std::string& bytes)
{
    grpc::Slice slice(bytes);
    return grpc::ByteBuffer(&slice, 1);
}

bool next(grpc::CompletionQueue& cq, void* expected)
{
    void* tag = nullptr;
    bool ok = false;
    return cq.Next(&tag, &ok) && tag == expected && ok;
}

class GatewayServerTest : public ::testing::Test {
protected:
    SystemClock clock;
    QTemporaryDir dir;
    std::unique_ptr<gateway::GatewayServer> server =
        gateway::GatewayServer::start(test::devGateway(dir.path().toStdString(), "127.0.0.1:0"), clock).value();
    std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials());
};

} // namespace

TEST_F(GatewayServerTest, answersTheStandardHealthCheckAsServing)
{
    grpc::GenericStub stub(channel);
    grpc::CompletionQueue cq;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    // HealthCheckRequest{} is the empty message.
    auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", toBuffer(""), &cq);
    call->StartCall();
    grpc::ByteBuffer response;
    grpc::Status status;
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    ASSERT_TRUE(next(cq, reinterpret_cast<void*>(1)));
    ASSERT_TRUE(status.ok()) << status.error_message();
    // HealthCheckResponse{status: SERVING(1)}: field 1, varint 1.
    EXPECT_EQ(toString(response), std::string("\x08\x01", 2));
    cq.Shutdown();
}

TEST_F(GatewayServerTest, listsItsServicesThroughServerReflection)
{
    grpc::GenericStub stub(channel);
    grpc::CompletionQueue cq;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    auto call = stub.PrepareCall(&ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
    auto tag = [](intptr_t n) { return reinterpret_cast<void*>(n); };
    call->StartCall(tag(1));
    ASSERT_TRUE(next(cq, tag(1)));
    // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
    call->Write(toBuffer(std::string("\x3a\x00", 2)), tag(2));
    ASSERT_TRUE(next(cq, tag(2)));
    call->WritesDone(tag(3));
    ASSERT_TRUE(next(cq, tag(3)));
    grpc::ByteBuffer response;
    call->Read(&response, tag(4));
    ASSERT_TRUE(next(cq, tag(4)));
    const std::string bytes = toString(response);
    EXPECT_NE(bytes.find("crf.v1.SyncService"), std::string::npos);
    EXPECT_NE(bytes.find("grpc.health.v1.Health"), std::string::npos);
    grpc::Status status;
    call->Finish(&status, tag(5));
    next(cq, tag(5));
    cq.Shutdown();
}

TEST(GatewayServerOptions, plaintextOffLoopbackIsRefusedWithoutTheDevFlag)
{
    SystemClock clock;
    QTemporaryDir dir;
    auto r = gateway::GatewayServer::start(test::devGateway(dir.path().toStdString(), "0.0.0.0:0"), clock);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().text().find("loopback"), std::string::npos);
    EXPECT_TRUE(gateway::isLoopbackAddress("127.0.0.1:5"));
    EXPECT_TRUE(gateway::isLoopbackAddress("[::1]:5"));
    EXPECT_TRUE(gateway::isLoopbackAddress("localhost:5"));
    EXPECT_FALSE(gateway::isLoopbackAddress("10.0.0.2:5"));
}

TEST(GatewayServerOptions, anAddressInUseGivesAClearError)
{
    SystemClock clock;
    QTemporaryDir a, b;
    auto first = gateway::GatewayServer::start(test::devGateway(a.path().toStdString(), "127.0.0.1:0"), clock);
    ASSERT_TRUE(first.ok());
    // SO_REUSEPORT is off: a second gateway must not silently share the port and split the tablets between two stores.
    auto second =
        gateway::GatewayServer::start(test::devGateway(b.path().toStdString(), first.value()->address()), clock);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().text().find(first.value()->address()), std::string::npos);
}
