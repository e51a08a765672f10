// Identity and access at a real gateway on loopback: the role x call x site matrix, blinding, lockout, session
// expiry, revoked devices, TLS only, and the security log (docs/security.md).
#include "crf/v1/auth.grpc.pb.h"
#include "crf/v1/photos.grpc.pb.h"
#include "crf/v1/sync.grpc.pb.h"
#include "event_factory.h"
#include "gateway_access.h"
#include "gateway_server.h"
#include "packing.h"
#include "photo.h"
#include "sync_client.h"
#include "sync_engine.h"
#include "tablet_store.h"
#include "test_support.h"

#include <QTemporaryDir>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace crf;

namespace {

using Code = grpc::StatusCode;
const Code OK = Code::OK, DENIED = Code::PERMISSION_DENIED, UNAUTH = Code::UNAUTHENTICATED;

/// Raw stubs, so each cell sees the exact gRPC status.
struct Caller {
    std::shared_ptr<grpc::Channel> channel;
    std::string token;

    explicit Caller(const std::string& address)
        : channel(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))
    {
    }

    void prepare(grpc::ClientContext& ctx) const
    {
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        if (!token.empty())
            ctx.AddMetadata("authorization", "Bearer " + token);
    }

    grpc::Status login(const std::string& user, const std::string& password, const std::string& device,
                       v1::LoginResponse* out = nullptr, const std::string& secret = {})
    {
        grpc::ClientContext ctx;
        prepare(ctx);
        v1::LoginRequest req;
        req.set_user_id(user);
        req.set_password(password);
        req.set_device_id(device);
        req.set_device_secret(secret);
        v1::LoginResponse resp;
        auto st = v1::AuthService::NewStub(channel)->Login(&ctx, req, &resp);
        if (st.ok())
            token = resp.token();
        if (out)
            *out = resp;
        return st;
    }

    grpc::Status push(const v1::PushRequest& req, v1::PushResponse* out = nullptr)
    {
        grpc::ClientContext ctx;
        prepare(ctx);
        v1::PushResponse resp;
        auto st = v1::SyncService::NewStub(channel)->Push(&ctx, req, &resp);
        if (out)
            *out = resp;
        return st;
    }

    grpc::Status pull(const std::string& site, v1::PullResponse* out = nullptr, bool packed = false)
    {
        grpc::ClientContext ctx;
        prepare(ctx);
        v1::PullRequest req;
        req.set_study_id("I-MICRO");
        req.set_site_id(site);
        req.set_limit(1000);
        req.set_accept_packed(packed);
        v1::PullResponse resp;
        auto st = v1::SyncService::NewStub(channel)->Pull(&ctx, req, &resp);
        if (out)
            *out = resp;
        return st;
    }

    grpc::Status photoStatus(const std::string& digest)
    {
        grpc::ClientContext ctx;
        prepare(ctx);
        v1::PhotoStatusRequest req;
        req.set_digest(digest);
        v1::PhotoStatusResponse resp;
        return v1::PhotoService::NewStub(channel)->Status(&ctx, req, &resp);
    }

    grpc::Status upload(const std::string& bytes, const std::string& site)
    {
        grpc::ClientContext ctx;
        prepare(ctx);
        v1::UploadChunkRequest req;
        req.set_digest(photo::digestHex(bytes));
        req.set_total_bytes(bytes.size());
        req.set_data(bytes);
        req.set_site_id(site);
        v1::UploadChunkResponse resp;
        return v1::PhotoService::NewStub(channel)->UploadChunk(&ctx, req, &resp);
    }

    grpc::Status download(const std::string& digest)
    {
        grpc::ClientContext ctx;
        prepare(ctx);
        v1::DownloadRequest req;
        req.set_digest(digest);
        req.set_max_bytes(1 << 20);
        v1::DownloadResponse resp;
        return v1::PhotoService::NewStub(channel)->Download(&ctx, req, &resp);
    }
};

std::string jpeg(char fill)
{
    return std::string("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12) + std::string(2000, fill) +
           std::string("\xFF\xD9", 2);
}

/// imicro.json with the SOFA form's MAP marked unblinded_only: in this copy it stands for an item revealing the arm.
std::string blindedStudyCopy(const QTemporaryDir& dir)
{
    std::string json = test::readFile(CRF_STUDIES_DIR "/imicro.json");
    const std::string marker = "\"oid\": \"MAP\",";
    const auto at = json.find(marker, json.find("\"oid\": \"SOFA\","));
    EXPECT_NE(at, std::string::npos);
    json.insert(at + marker.size(), "\n       \"unblinded_only\": true,");
    const std::string path = dir.filePath("imicro-blinded.json").toStdString();
    test::writeFile(path, json);
    return path;
}

class AccessFixture : public ::testing::Test {
protected:
    SystemClock clock;
    QTemporaryDir dir;
    std::unique_ptr<gateway::GatewayServer> gw =
        gateway::GatewayServer::start(
            test::devGateway(dir.filePath("gw").toStdString(), "127.0.0.1:0", {blindedStudyCopy(dir)}), clock)
            .value();

    /// A user with `role` at `site`, logged in from its own device.
    Caller as(const std::string& user, const std::string& role, const std::string& site)
    {
        if (role == "gateway_admin") {
            EXPECT_TRUE(gw->identity().addUser("test-admin", user, user, test::passwordOf(user)).ok());
            EXPECT_TRUE(gw->identity().grant("test-admin", user, role, "*", "*").ok());
        } else {
            test::addUser(*gw, user, role, site);
        }
        Caller c(gw->address());
        const auto st = c.login(user, test::passwordOf(user), "dev-" + user);
        EXPECT_TRUE(st.ok()) << user << ": " << st.error_message();
        return c;
    }

    v1::PushRequest pushOf(const std::string& device, const std::string& site)
    {
        test::EventFactory events(device);
        v1::PushRequest req;
        req.set_device_id(device);
        *req.add_events() = events.next("GCS", "12", site + "-001");
        req.mutable_events(0)->set_site_id(site);
        req.mutable_events(0)->set_user_id(site == "01" ? "nurse1" : "nurse2");
        return req;
    }
};

} // namespace

TEST_F(AccessFixture, everyRoleEveryCallOwnAndOtherSiteGetsTheExpectedStatus)
{
    // The users whose names are stamped on the pushed events, and one photo per site.
    test::addUser(*gw, "nurse1", "research_nurse", "01");
    Caller site2 = as("nurse2", "research_nurse", "02");
    const std::string photo1 = jpeg('\x11'), photo2 = jpeg('\x22');
    Caller site1 = as("nurse-photos", "research_nurse", "01");
    ASSERT_TRUE(site1.upload(photo1, "01").ok());
    ASSERT_TRUE(site2.upload(photo2, "02").ok());

    struct Row {
        const char* role;
        Code pushOwn, pushOther, pullOwn, pullOther, statusAny, uploadOwn, uploadOther, downloadOwn, downloadOther;
    };
    // Site-bound and study-wide roles alike are granted at site 01 here; "other" is site 02.
    const Row matrix[] = {
        {"investigator", OK, DENIED, OK, DENIED, OK, OK, DENIED, OK, DENIED},
        {"research_nurse", OK, DENIED, OK, DENIED, OK, OK, DENIED, OK, DENIED},
        {"pharmacist", OK, DENIED, OK, DENIED, OK, OK, DENIED, DENIED, DENIED},
        {"monitor", DENIED, DENIED, OK, DENIED, DENIED, DENIED, DENIED, OK, DENIED},
        {"data_manager", DENIED, DENIED, OK, DENIED, DENIED, DENIED, DENIED, OK, DENIED},
        {"sponsor_viewer", DENIED, DENIED, OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED},
        {"central_assessor", DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, OK, DENIED},
        {"unblinded_statistician", DENIED, DENIED, OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED},
        {"gateway_admin", DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED},
    };
    for (const auto& row : matrix) {
        SCOPED_TRACE(row.role);
        const std::string user = std::string("u-") + row.role;
        Caller c = as(user, row.role, "01");
        const std::string device = "dev-" + user;
        EXPECT_EQ(c.push(pushOf(device, "01")).error_code(), row.pushOwn) << "Push, own site";
        EXPECT_EQ(c.push(pushOf(device, "02")).error_code(), row.pushOther) << "Push, other site";
        EXPECT_EQ(c.pull("01").error_code(), row.pullOwn) << "Pull, own site";
        EXPECT_EQ(c.pull("02").error_code(), row.pullOther) << "Pull, other site";
        EXPECT_EQ(c.photoStatus(photo::digestHex(photo2)).error_code(), row.statusAny) << "PhotoStatus";
        EXPECT_EQ(c.upload(jpeg('\x33'), "01").error_code(), row.uploadOwn) << "UploadChunk, own site";
        EXPECT_EQ(c.upload(jpeg('\x44'), "02").error_code(), row.uploadOther) << "UploadChunk, other site";
        EXPECT_EQ(c.download(photo::digestHex(photo1)).error_code(), row.downloadOwn) << "Download, own site";
        EXPECT_EQ(c.download(photo::digestHex(photo2)).error_code(), row.downloadOther) << "Download, other site";
    }
    // Without a session every call is refused as unauthenticated.
    Caller nobody(gw->address());
    EXPECT_EQ(nobody.push(pushOf("dev-x", "01")).error_code(), UNAUTH);
    EXPECT_EQ(nobody.pull("").error_code(), UNAUTH);
    EXPECT_EQ(nobody.photoStatus(photo::digestHex(photo1)).error_code(), UNAUTH);
    EXPECT_EQ(nobody.upload(jpeg('\x55'), "01").error_code(), UNAUTH);
    EXPECT_EQ(nobody.download(photo::digestHex(photo1)).error_code(), UNAUTH);
    // A site-01 reader never receives site 02's events, even without naming a site.
    Caller monitor = as("monitor-x", "monitor", "01");
    v1::PullResponse page;
    ASSERT_TRUE(monitor.pull("", &page).ok());
    ASSERT_GT(page.events_size(), 0);
    for (const auto& se : page.events())
        EXPECT_EQ(se.event().site_id(), "01");
    // A session cannot push another device's chain, nor events stamped with a user who holds no role there.
    Caller nurse = as("nurse-y", "research_nurse", "01");
    EXPECT_EQ(nurse.push(pushOf("dev-someone-else", "01")).error_code(), DENIED);
    auto forged = pushOf("dev-nurse-y", "01");
    forged.mutable_events(0)->set_user_id("u-monitor");
    EXPECT_EQ(nurse.push(forged).error_code(), DENIED);
    // Every refusal is in the security log.
    int denials = 0;
    for (const auto& e : gw->identity().store().securityLog())
        denials += e.action == "access.denied";
    EXPECT_GT(denials, 40);
}

// Packed events (core/packing.h) are admitted and filtered as plain ones: the caller is authenticated before anything
// is unpacked, each unpacked event is checked, a damaged frame is refused by name and stores nothing, and a packed
// page is packed after the blinding filter.
TEST_F(AccessFixture, packedEventsAreCheckedAndFilteredAsPlainOnes)
{
    test::addUser(*gw, "nurse1", "research_nurse", "01");
    test::addUser(*gw, "nurse2", "research_nurse", "02");
    Caller nurse = as("nurse-p", "research_nurse", "01");
    auto packed = [](v1::PushRequest r) {
        packing::packEvents(r);
        EXPECT_FALSE(r.packed_events().empty());
        return r;
    };
    Caller nobody(gw->address());
    EXPECT_EQ(nobody.push(packed(pushOf("dev-nurse-p", "01"))).error_code(), UNAUTH);
    EXPECT_EQ(nurse.push(packed(pushOf("dev-nurse-p", "02"))).error_code(), DENIED) << "another site, once unpacked";

    v1::PushRequest damaged;
    damaged.set_device_id("dev-nurse-p");
    damaged.set_packed_events("these bytes are not packed events");
    const auto refused = nurse.push(damaged);
    EXPECT_EQ(refused.error_code(), Code::INVALID_ARGUMENT);
    EXPECT_NE(refused.error_message().find("push: the packed events are damaged"), std::string::npos)
        << refused.error_message();
    EXPECT_EQ(gw->store().eventCount(), 0u) << "nothing refused is stored";

    test::EventFactory events("dev-nurse-p");
    v1::PushRequest req;
    req.set_device_id("dev-nurse-p");
    *req.add_events() = events.next("MAP", "64");
    *req.add_events() = events.next("GCS", "12");
    v1::PushResponse resp;
    ASSERT_TRUE(nurse.push(packed(req), &resp).ok());
    ASSERT_EQ(resp.outcomes_size(), 2);
    EXPECT_EQ(resp.outcomes(1).status(), v1::OUTCOME_STATUS_ACCEPTED) << resp.outcomes(1).message();

    auto unpackedItems = [](v1::PullResponse page) {
        EXPECT_EQ(page.events_size(), 0) << "a packed page carries its events packed only";
        EXPECT_TRUE(packing::unpackEvents(page).ok());
        std::string seen;
        for (const auto& se : page.events())
            for (const auto& c : se.event().changes())
                seen += c.item_oid() + " ";
        return seen;
    };
    v1::PullResponse page;
    ASSERT_TRUE(as("blind-packed", "monitor", "01").pull("01", &page, true).ok());
    EXPECT_EQ(unpackedItems(page), "GCS ") << "the blinding filter runs before packing";
    ASSERT_TRUE(as("open-packed", "pharmacist", "01").pull("01", &page, true).ok());
    EXPECT_EQ(unpackedItems(page), "MAP GCS ");
}

TEST_F(AccessFixture, blindedRolesNeverSeeAnItemThatRevealsTheArm)
{
    test::addUser(*gw, "nurse1", "research_nurse", "01");
    Caller nurse = as("nurse-z", "research_nurse", "01");
    test::EventFactory events("dev-nurse-z");
    v1::PushRequest req;
    req.set_device_id("dev-nurse-z");
    *req.add_events() = events.next("MAP", "64");
    *req.add_events() = events.next("GCS", "12");
    v1::PushResponse resp;
    ASSERT_TRUE(nurse.push(req, &resp).ok());
    ASSERT_EQ(resp.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED) << resp.outcomes(0).message();

    auto items = [](const v1::PullResponse& page) {
        std::string seen;
        for (const auto& se : page.events())
            for (const auto& c : se.event().changes())
                seen += c.item_oid() + (se.redacted() ? "(redacted)" : "") + " ";
        return seen;
    };
    for (const char* role : {"investigator", "monitor", "data_manager", "sponsor_viewer"}) {
        Caller reader = as(std::string("blind-") + role, role, "01");
        v1::PullResponse page;
        ASSERT_TRUE(reader.pull("01", &page).ok()) << role;
        EXPECT_EQ(items(page), "GCS ") << role << " must not see MAP";
        EXPECT_TRUE(page.events(0).redacted()) << role;
    }
    for (const char* role : {"pharmacist", "unblinded_statistician"}) {
        Caller reader = as(std::string("open-") + role, role, "01");
        v1::PullResponse page;
        ASSERT_TRUE(reader.pull("01", &page).ok()) << role;
        EXPECT_EQ(items(page), "MAP GCS ") << role;
    }
}

TEST(Login, fiveWrongPasswordsLockTheAccountForFifteenMinutesAndEveryAttemptIsLogged)
{
    ManualClock clock(1'790'000'000'000);
    QTemporaryDir dir;
    auto gw = gateway::GatewayServer::start(test::devGateway(dir.path().toStdString()), clock).value();
    const std::string password = test::addUser(*gw, "nurse-l");
    Caller c(gw->address());
    for (int i = 1; i <= 4; ++i)
        EXPECT_EQ(c.login("nurse-l", "Wrong-password-" + std::to_string(i), "dev-l").error_code(), UNAUTH);
    const auto fifth = c.login("nurse-l", "Wrong-password-5", "dev-l");
    EXPECT_EQ(fifth.error_code(), DENIED);
    EXPECT_NE(fifth.error_message().find("locked"), std::string::npos) << fifth.error_message();
    // Locked: even the right password is refused, with the same reason.
    const auto right = c.login("nurse-l", password, "dev-l");
    EXPECT_EQ(right.error_code(), DENIED);
    EXPECT_NE(right.error_message().find("locked"), std::string::npos);
    // An unknown user gets the same words as a wrong password.
    const auto unknown = c.login("nobody", "Whatever-password-1", "dev-l");
    EXPECT_EQ(unknown.error_code(), UNAUTH);
    EXPECT_EQ(unknown.error_message(), "user id or password is wrong");

    clock.advance(15 * 60 * 1000);
    EXPECT_TRUE(c.login("nurse-l", password, "dev-l").ok());

    std::map<std::string, int> actions;
    for (const auto& e : gw->identity().store().securityLog()) {
        ++actions[e.action];
        EXPECT_EQ(e.detail.find(password), std::string::npos) << "a password in the security log";
    }
    EXPECT_EQ(actions["login.failed"], 6); // five wrong passwords and the unknown user
    EXPECT_EQ(actions["user.locked"], 1);
    EXPECT_EQ(actions["login.refused"], 1);
    EXPECT_EQ(actions["login"], 1);
    EXPECT_EQ(actions["device.enrol"], 1);
}

TEST(Login, thePasswordPolicyRefusesWeakPasswordsAndIdsAreNeverReused)
{
    SystemClock clock;
    QTemporaryDir dir;
    auto gw = gateway::GatewayServer::start(test::devGateway(dir.path().toStdString()), clock).value();
    auto& id = gw->identity();
    const struct {
        const char* password;
        const char* why;
    } weak[] = {{"short-1", "at least 12"},
                {"aaaaaaaaaaaaaaaa", "repeated"},
                {"my-nurse-p-password", "user id"},
                {"Password123456", "well-known"}};
    for (const auto& w : weak) {
        const Status s = id.addUser("admin", "nurse-p", "Nurse P", w.password);
        ASSERT_FALSE(s.ok()) << w.password;
        EXPECT_NE(s.error().text().find(w.why), std::string::npos) << s.error().text();
        EXPECT_EQ(s.error().text().find(w.password), std::string::npos) << "the error repeats the password";
    }
    ASSERT_TRUE(id.addUser("admin", "nurse-p", "Nurse P", test::passwordOf("nurse-p")).ok());
    ASSERT_TRUE(id.disableUser("admin", "nurse-p").ok());
    const Status again = id.addUser("admin", "nurse-p", "Someone Else", test::passwordOf("nurse-p"));
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().text().find("never reused"), std::string::npos);
    // Site staff are granted one site at a time; accounts and grants are never deleted, the log never rewritten.
    EXPECT_FALSE(id.grant("admin", "nurse-p", "research_nurse", "I-MICRO", "*").ok());
    EXPECT_FALSE(id.grant("admin", "nurse-p", "surgeon", "I-MICRO", "01").ok());
}

TEST(Session, anExpiredSessionIsRefusedAndTheTabletKeepsItsChanges)
{
    ManualClock clock(1'790'000'000'000);
    QTemporaryDir dir, tabletDir;
    auto options = test::devGateway(dir.path().toStdString());
    options.identity.sessionTtlMs = 60 * 60 * 1000;
    auto gw = gateway::GatewayServer::start(options, clock).value();
    test::addUser(*gw, "nurse1");
    auto tablet =
        store::TabletStore::openWithKey(tabletDir.filePath("t.db").toStdString(), SecretKey::random(), clock).value();
    sync::SyncClient client(gw->address());
    test::DeviceSecrets secrets;
    ASSERT_TRUE(secrets.login(client, "nurse1", tablet->deviceId()).ok());
    const store::Actor nurse{"nurse1", "research_nurse", "01"};
    store::SaveRequest r;
    r.form = {"01-001", "D0", "SOFA", 0};
    r.values["GCS"] = store::FieldValue{"12", ""};
    ASSERT_TRUE(tablet->save(r, nurse, {"I-MICRO", "2020-1"}).ok());
    auto syncOnce = [&] {
        sync::SyncEngine engine([&](const auto& fn) { fn(*tablet); }, client, clock, "I-MICRO");
        return engine.run();
    };
    EXPECT_TRUE(syncOnce().ok());

    clock.advance(60 * 60 * 1000); // the shift's session is over
    r.values["GCS"] = store::FieldValue{"13", ""};
    r.reasonCode = "CORRECTION";
    r.reasonText = "re-assessed";
    ASSERT_TRUE(tablet->save(r, nurse, {"I-MICRO", "2020-1"}).ok());
    const auto refused = syncOnce();
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.error.text.find("expired"), std::string::npos) << refused.error.text;
    EXPECT_EQ(tablet->syncState()->pendingEvents, 1);
    EXPECT_EQ(gw->store().eventCount(), 1u);
    // Logging in again lets the kept change through.
    ASSERT_TRUE(secrets.login(client, "nurse1", tablet->deviceId()).ok());
    EXPECT_TRUE(syncOnce().ok());
    EXPECT_EQ(tablet->syncState()->pendingEvents, 0);
}

TEST(Device, aRevokedDeviceIsRefusedOnItsNextCallAndKeepsWhatItHasNotSynced)
{
    SystemClock clock;
    QTemporaryDir dir, tabletDir;
    auto gw = gateway::GatewayServer::start(test::devGateway(dir.path().toStdString()), clock).value();
    test::addUser(*gw, "nurse1");
    auto tablet =
        store::TabletStore::openWithKey(tabletDir.filePath("t.db").toStdString(), SecretKey::random(), clock).value();
    sync::SyncClient client(gw->address());
    test::DeviceSecrets secrets;
    ASSERT_TRUE(secrets.login(client, "nurse1", tablet->deviceId()).ok());
    store::SaveRequest r;
    r.form = {"01-001", "D0", "SOFA", 0};
    r.values["GCS"] = store::FieldValue{"12", ""};
    ASSERT_TRUE(tablet->save(r, {"nurse1", "research_nurse", "01"}, {"I-MICRO", "2020-1"}).ok());

    ASSERT_TRUE(gw->identity().revokeDevice("admin", tablet->deviceId()).ok()); // reported lost
    sync::SyncEngine engine([&](const auto& fn) { fn(*tablet); }, client, clock, "I-MICRO");
    const auto report = engine.run();
    EXPECT_FALSE(report.ok());
    EXPECT_NE(report.error.text.find("revoked"), std::string::npos) << report.error.text;
    EXPECT_EQ(tablet->syncState()->pendingEvents, 1) << "the tablet keeps what it has not synced";
    EXPECT_EQ(gw->store().eventCount(), 0u);
    // Its credential no longer opens a session either, and a copy of the tablet without the credential cannot enrol
    // under the same id.
    EXPECT_FALSE(secrets.login(client, "nurse1", tablet->deviceId()).ok());
    test::DeviceSecrets none;
    sync::SyncClient copy(gw->address());
    EXPECT_FALSE(none.login(copy, "nurse1", tablet->deviceId()).ok());
}

TEST(Tls, theGatewayServesTlsAndRefusesClearTextUnlessToldOnLoopback)
{
    SystemClock clock;
    QTemporaryDir dir;
    const std::string certDir = dir.filePath("tls").toStdString();
    ASSERT_EQ(std::system((std::string(CRF_BIN_DIR "/crfctl cert dev --out ") + certDir + " > /dev/null").c_str()), 0);
    auto options = test::devGateway(dir.filePath("gw").toStdString());
    options.insecureDev = false;
    options.tlsCertFile = certDir + "/gateway.crt";
    options.tlsKeyFile = certDir + "/gateway.key";
    auto gw = gateway::GatewayServer::start(options, clock);
    ASSERT_TRUE(gw.ok()) << gw.error().text();
    EXPECT_TRUE(gw.value()->tls());
    test::addUser(*gw.value(), "nurse1");
    const std::string address = "localhost:" + std::to_string(gw.value()->port());

    sync::SyncClient clear(address, std::chrono::seconds(3));
    test::DeviceSecrets secrets;
    EXPECT_FALSE(secrets.login(clear, "nurse1", "dev-tls").ok()) << "a clear-text client must not get through";
    sync::SyncClient tls(address, std::chrono::seconds(10), {test::readFile(options.tlsCertFile)});
    const auto in = secrets.login(tls, "nurse1", "dev-tls");
    ASSERT_TRUE(in.ok()) << in.error().text();
    v1::PullRequest pull;
    pull.set_study_id("I-MICRO");
    EXPECT_TRUE(tls.pull(pull).ok());

    // Without TLS and without --insecure-dev the gateway does not start; with it, only on loopback.
    auto none = test::devGateway(dir.filePath("gw2").toStdString());
    none.insecureDev = false;
    auto refused = gateway::GatewayServer::start(none, clock);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().text().find("TLS is required"), std::string::npos);
    auto offLoopback =
        gateway::GatewayServer::start(test::devGateway(dir.filePath("gw3").toStdString(), "0.0.0.0:0"), clock);
    ASSERT_FALSE(offLoopback.ok());
    EXPECT_NE(offLoopback.error().text().find("loopback only"), std::string::npos);
    // A key file that is not a key is named.
    auto badKey = options;
    badKey.dataDir = dir.filePath("gw4").toStdString();
    badKey.tlsKeyFile = options.tlsCertFile;
    auto bad = gateway::GatewayServer::start(badKey, clock);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().text().find("--tls-key"), std::string::npos);
}

TEST(SecurityLog, grantsAndRevocationsAreLoggedAndTheLogCannotBeRewritten)
{
    SystemClock clock;
    QTemporaryDir dir;
    auto gw = gateway::GatewayServer::start(test::devGateway(dir.path().toStdString()), clock).value();
    auto& id = gw->identity();
    test::addUser(*gw, "nurse-g");
    const auto grants = id.store().grants("nurse-g");
    ASSERT_EQ(grants.size(), 1u);
    ASSERT_TRUE(id.revoke("admin-1", grants[0].id).ok());
    EXPECT_FALSE(id.revoke("admin-1", grants[0].id).ok()) << "already ended";
    const auto after = id.store().grants("nurse-g");
    ASSERT_EQ(after.size(), 1u) << "a revoked grant stays, with its end";
    EXPECT_NE(after[0].endMs, 0);
    EXPECT_EQ(after[0].endedBy, "admin-1");
    std::vector<std::string> actions;
    for (const auto& e : id.store().securityLog())
        actions.push_back(e.action + " " + e.target);
    EXPECT_EQ(actions, (std::vector<std::string>{"user.add nurse-g", "grant.add nurse-g", "grant.revoke nurse-g"}));
    // The revoked nurse can log in but no longer do anything.
    Caller c(gw->address());
    ASSERT_TRUE(c.login("nurse-g", test::passwordOf("nurse-g"), "dev-g").ok());
    EXPECT_EQ(c.pull("01").error_code(), DENIED);
}

TEST_F(AccessFixture, theGatewayRefusesASignatureNotMadeByAnInvestigator)
{
    test::addUser(*gw, "nurse1", "research_nurse", "01");
    Caller nurse = as("nurse-s", "research_nurse", "01");
    test::EventFactory events("dev-nurse-s");
    v1::ChangeEvent e = events.next("GCS", "12");
    e.clear_changes();
    auto* sig = e.mutable_signature();
    sig->set_meaning("I approve");
    sig->set_printed_name("Nurse S");
    sig->set_signed_at_ms(1'790'000'000'000);
    sig->set_scope("FORM");
    sig->set_content_hash(std::string(32, 'x'));
    v1::PushRequest req;
    req.set_device_id("dev-nurse-s");
    *req.add_events() = e;
    const auto st = nurse.push(req);
    EXPECT_EQ(st.error_code(), DENIED);
    EXPECT_NE(st.error_message().find("only an investigator signs"), std::string::npos) << st.error_message();
}

TEST(Login, manyTabletsLoggingInAtOnceWaitForABoundedNumberOfPasswordChecks)
{
    SystemClock clock;
    QTemporaryDir dir;
    auto options = test::devGateway(dir.path().toStdString());
    options.identity.concurrentPasswordChecks = 2;
    auto gw = gateway::GatewayServer::start(options, clock).value();
    const int tablets = 8;
    for (int i = 0; i < tablets; ++i)
        test::addUser(*gw, "nurse-" + std::to_string(i));
    std::vector<std::thread> logins;
    std::atomic<int> ok{0};
    for (int i = 0; i < tablets; ++i)
        logins.emplace_back([&, i] {
            Caller c(gw->address());
            const std::string user = "nurse-" + std::to_string(i);
            if (c.login(user, test::passwordOf(user), "dev-" + user).ok())
                ++ok;
        });
    for (auto& t : logins)
        t.join();
    EXPECT_EQ(ok.load(), tablets) << "every login gets through, in turn";
    EXPECT_LE(gw->identity().passwordChecksPeak(), 2);
    EXPECT_GE(gw->identity().passwordChecksPeak(), 1);
}

TEST(Device, anEnrolmentWhoseAnswerWasLostIsRetriedWithTheDevicesOwnSecret)
{
    // The gateway commits the enrolment, then dies before its answer reaches the tablet: the tablet made its secret
    // itself and kept it, so the retry with the same secret logs in; anything else is refused.
    SystemClock clock;
    QTemporaryDir dir;
    auto gw = gateway::GatewayServer::start(test::devGateway(dir.path().toStdString()), clock).value();
    test::addUser(*gw, "nurse-e", "research_nurse", "01");
    v1::LoginRequest first;
    first.set_user_id("nurse-e");
    first.set_password(test::passwordOf("nurse-e"));
    first.set_device_id("tablet-e");
    first.set_enrol_secret(std::string(64, 'a'));
    auto [enrolled, lost] = gw->identity().login(first); // the answer "never arrives"
    ASSERT_TRUE(enrolled.ok()) << enrolled.message.text;
    auto [again, answer] = gw->identity().login(first);
    ASSERT_TRUE(again.ok()) << again.message.text;
    EXPECT_EQ(answer.device_secret(), std::string(64, 'a'));
    v1::LoginRequest other = first;
    other.set_enrol_secret(std::string(64, 'b'));
    EXPECT_FALSE(gw->identity().login(other).first.ok()) << "another secret for an enrolled device";
    v1::LoginRequest weak = first;
    weak.set_device_id("tablet-w");
    weak.set_enrol_secret("short");
    EXPECT_FALSE(gw->identity().login(weak).first.ok());
    // From then on the secret is the device credential.
    v1::LoginRequest next = first;
    next.clear_enrol_secret();
    next.set_device_secret(std::string(64, 'a'));
    EXPECT_TRUE(gw->identity().login(next).first.ok());
}
