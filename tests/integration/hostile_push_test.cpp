// Hostile pushes at a real gateway on loopback, on both store backends: seeded rounds of events that are damaged on
// purpose (impossible values, numbers written oddly, unknown items, broken chains, foreign sites and devices, extreme
// clocks and sequence numbers, oversized strings, random bytes flipped in a packed batch), mixed with valid ones.
// Whatever comes in, the gateway answers every call, refuses each bad event with a sentence of its own, stores only
// what the study allows, and never alters what it stored before (docs/sync.md "Refusals").
#include "change_event.h"
#include "crf/v1/sync.grpc.pb.h"
#include "definition.h"
#include "domain/audit.h"
#include "gateway_access.h"
#include "gateway_server.h"
#include "packing.h"
#include "sofa_items.h"
#include "store_backend.h"
#include "test_support.h"
#include "values.h"

#include <QTemporaryDir>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>

using namespace crf;

namespace {

/// Raw calls, so each answer is seen exactly as the gateway gave it.
struct RawTablet {
    std::shared_ptr<grpc::Channel> channel;
    std::string token, deviceId;

    grpc::Status push(const v1::PushRequest& request, v1::PushResponse* response)
    {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
        ctx.AddMetadata("authorization", "Bearer " + token);
        return v1::SyncService::NewStub(channel)->Push(&ctx, request, response);
    }
};

/// Items of the SOFA form a valid event may carry, with a value inside their hard range and their unit.
struct ValidItem {
    const char* oid;
    const char* value;
    const char* unit;
};
constexpr ValidItem kValid[] = {
    {"PAO2", "85", "mmHg"}, {"FIO2", "40", "%"},       {"PLATELETS", "120", "10^3/uL"}, {"MAP", "64", "mmHg"},
    {"GCS", "13", ""},      {"CREAT", "1.4", "mg/dL"}, {"RESP_SUPPORT", "Y", ""},       {"URINE_24H", "800", "mL/24h"}};

/// A device's chain as the gateway holds it: events are made after its head, and hashed in order.
class Chain {
public:
    explicit Chain(std::string deviceId) : m_deviceId(std::move(deviceId)) {}

    v1::ChangeEvent valid(std::mt19937& rng, uint64_t seq)
    {
        const ValidItem& item = kValid[rng() % std::size(kValid)];
        v1::ChangeEvent e;
        e.set_event_id(uuidV4());
        e.set_device_id(m_deviceId);
        e.set_device_seq(seq);
        e.set_user_id("nurse-h");
        e.set_role("research_nurse");
        e.set_site_id("01");
        e.set_study_id("I-MICRO");
        e.set_definition_version("2020-1");
        // A subject of its own per event: no earlier value, so no reason for change is needed.
        e.mutable_form()->set_subject_id("01-" + std::to_string(100000 + seq));
        e.mutable_form()->set_visit_oid("D0");
        e.mutable_form()->set_form_oid("SOFA");
        auto* c = e.add_changes();
        c->set_item_oid(item.oid);
        c->set_new_present(true);
        c->set_new_value(item.value);
        c->set_unit(item.unit);
        e.mutable_hlc()->set_wall_ms(1'790'000'000'000 + static_cast<int64_t>(seq));
        e.set_captured_at_ms(1'790'000'000'000 + static_cast<int64_t>(seq));
        e.set_saved_at_ms(e.captured_at_ms());
        return e;
    }

    /// Links `events` after the head, in order (an event whose chain is damaged on purpose keeps its own link).
    void link(std::vector<v1::ChangeEvent>& events, const std::vector<bool>& keepLink) const
    {
        std::string prev = m_head;
        for (size_t i = 0; i < events.size(); ++i) {
            if (!keepLink[i])
                events[i].set_prev_hash(prev);
            const Digest h = eventHash(events[i]);
            prev.assign(reinterpret_cast<const char*>(h.data()), h.size());
        }
    }

    uint64_t headSeq() const { return m_headSeq; }
    void moveTo(uint64_t seq, std::string hash)
    {
        m_headSeq = seq;
        m_head = hash.empty() ? genesisHash() : std::move(hash);
    }

private:
    std::string m_deviceId;
    uint64_t m_headSeq = 0;
    std::string m_head = genesisHash();
};

std::string randomText(std::mt19937& rng, size_t n)
{
    std::string s(n, '\0');
    for (auto& ch : s)
        ch = static_cast<char>(rng() % 256);
    return s;
}

/// One damage, chosen by the seed; `keepLink` is set for damages to the chain itself (not linked again).
std::string damage(std::mt19937& rng, v1::ChangeEvent& e, bool& keepLink, const std::vector<std::string>& usedIds)
{
    if (e.changes_size() == 0)
        return "no change at all"; // damaged that way already
    auto* c = e.mutable_changes(0);
    // Numbers a tablet never sends: outside the range, not numbers, or numbers in another notation, which an analysis
    // program would read differently (or not at all).
    static const char* const kOddNumbers[] = {"-1",      "1e309", "nan",  "inf", "-inf",   "",     " 85",
                                              "85 ",     "85abc", "0x1F", "1e2", "+85",    "85,5", "٨٥",
                                              "85\n",    "--85",  ".",    "1.",  ".5",     "1..2", "1e-2",
                                              "9999999", "-0x10", "NaN",  "१२०", "１２０", "12 0", "0b101"};
    switch (rng() % 26) {
    case 24:
        if (usedIds.empty())
            return {};
        e.set_event_id(usedIds[rng() % usedIds.size()]);
        return "the event id of an event stored before";
    case 25:
        e.set_base_version(1'000'000 + rng() % 1000);
        return "a base version beyond the gateway's history";
    case 0:
    case 1:
    case 2: {
        c->set_new_value(kOddNumbers[rng() % std::size(kOddNumbers)]);
        return "odd number";
    }
    case 3:
        c->set_new_value(std::string(5000 + rng() % 5000, '9'));
        return "a number of thousands of digits";
    case 4:
        c->set_unit(rng() % 2 ? "furlongs" : "mg/dL");
        return "a unit the item does not have";
    case 5:
        c->set_item_oid(rng() % 2 ? "NOT_AN_ITEM" : "SOFA_TOTAL");
        return "an unknown or derived item";
    case 6:
        c->set_item_oid(std::string(2000, 'X'));
        return "an item name of 2,000 characters";
    case 7: {
        *e.add_changes() = *c;
        e.mutable_changes(1)->set_new_value("99");
        return "the same item twice";
    }
    case 8:
        e.mutable_form()->set_visit_oid(rng() % 2 ? "D99" : "");
        return "an unknown visit";
    case 9:
        e.mutable_form()->set_form_oid(rng() % 2 ? "NOPE" : "CONSENT");
        return "an unknown or unscheduled form";
    case 10:
        e.mutable_form()->set_repeat(1 + rng() % 1000);
        return "a repeat of a form that does not repeat";
    case 11:
        e.set_definition_version(rng() % 2 ? "1999-9" : "");
        return "an unknown definition version";
    case 12:
        e.set_study_id(rng() % 2 ? "OTHER-STUDY" : "");
        return "an unknown study";
    case 13:
        c->set_old_present(true);
        c->set_old_value("80");
        e.set_base_version(1 + rng() % 10);
        return "a change of a saved value without a reason";
    case 14:
        e.set_record_status(rng() % 2 ? "DELETED" : randomText(rng, 8));
        return "an unknown record status";
    case 15:
        e.set_captured_at_ms(rng() % 2 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max());
        e.set_captured_utc_offset_min(rng() % 2 ? std::numeric_limits<int32_t>::max() : -100000);
        return "an impossible capture time";
    case 16:
        e.set_base_version(std::numeric_limits<uint64_t>::max());
        e.mutable_hlc()->set_wall_ms(std::numeric_limits<int64_t>::max());
        e.mutable_hlc()->set_counter(std::numeric_limits<uint32_t>::max());
        return "extreme clocks and base version";
    case 17:
        e.set_event_id(rng() % 2 ? "" : std::string(3000, 'e'));
        return "an empty or oversized event id";
    case 18:
        e.mutable_form()->set_subject_id(rng() % 2 ? std::string("01-\x01\x02", 5) : std::string(4000, '7'));
        return "a subject id with control characters or 4,000 digits";
    case 19:
        e.set_prev_hash(rng() % 2 ? randomText(rng, 32) : randomText(rng, 7));
        keepLink = true;
        return "a broken chain link";
    case 20:
        e.set_device_seq(e.device_seq() + 1 + rng() % 1000);
        return "a sequence number that skips ahead";
    case 21:
        e.set_device_seq(rng() % 2 ? 0 : std::numeric_limits<uint64_t>::max());
        return "a sequence number of 0 or 2^64-1";
    case 22:
        e.mutable_signature()->set_scope(rng() % 2 ? "FORM" : "EVERYTHING");
        e.mutable_signature()->set_content_hash(randomText(rng, 32));
        return "a signature by a nurse, or of an unknown scope";
    default:
        e.clear_changes();
        return "no change at all";
    }
}

/// What a value the gateway stored must look like: a known, typed item of the form, in range for its unit.
std::string disallowed(const v1::StudyDefinition& def, const v1::ChangeEvent& e)
{
    if (e.study_id() != "I-MICRO" || e.definition_version() != def.version())
        return "unknown study or version";
    if (e.device_id().empty() || e.device_seq() == 0 || e.prev_hash().size() != 32 || e.event_id().size() != 36)
        return "a malformed identity or link";
    if (!isSubjectId(e.form().subject_id()))
        return "subject id \"" + e.form().subject_id().substr(0, 40) + "\"";
    if (e.captured_at_ms() <= 0 || e.captured_at_ms() >= 253'402'300'800'000 ||
        std::abs(e.captured_utc_offset_min()) > 14 * 60 || e.hlc().wall_ms() >= 253'402'300'800'000)
        return "a time that is not one";
    const v1::Form* form = study::findForm(def, e.form().form_oid());
    if (!form)
        return "unknown form";
    for (const auto& c : e.changes()) {
        if (!c.new_present())
            continue;
        std::string oid = c.item_oid();
        if (oid.size() > 3 && oid.ends_with(study::kMissingSuffix))
            continue;
        const v1::Item* item = study::findItem(*form, oid);
        if (!item || item->has_derived())
            return "item " + oid.substr(0, 40) + " is not an item to enter";
        if (item->type() == v1::ITEM_TYPE_BOOLEAN) {
            if (c.new_value() != "Y" && c.new_value() != "N")
                return "boolean " + oid + " = " + c.new_value().substr(0, 40);
            continue;
        }
        if (item->type() != v1::ITEM_TYPE_DECIMAL && item->type() != v1::ITEM_TYPE_INTEGER)
            continue;
        // As the bedside types them: digits, one decimal point or comma, a sign, spaces around (parseNumber).
        const auto number = sofa::items::parseNumber(c.new_value());
        if (!number || (item->type() == v1::ITEM_TYPE_INTEGER && std::floor(*number) != *number))
            return "number " + oid + " written as \"" + c.new_value().substr(0, 40) + "\"";
        const v1::UnitRanges* unit = nullptr;
        for (const auto& u : item->units())
            if (u.unit() == c.unit())
                unit = &u;
        if (!unit)
            return "unit \"" + c.unit().substr(0, 40) + "\" of " + oid;
        const double v = *number;
        if ((unit->hard().has_min() && v < unit->hard().min()) || (unit->hard().has_max() && v > unit->hard().max()))
            return "value " + c.new_value().substr(0, 40) + " of " + oid + " outside its hard range";
    }
    return {};
}

class HostilePushes : public ::testing::TestWithParam<test::Backend> {
protected:
    /// A gateway that knows I-MICRO, and a nurse's tablet logged in to it (raw calls).
    void startAndLogIn()
    {
        auto started = gateway::GatewayServer::start(
            test::devGateway(backend.spec(), "127.0.0.1:0", {CRF_STUDIES_DIR "/imicro.json"}), clock);
        ASSERT_TRUE(started.ok()) << started.error().text();
        gw = std::move(started).value();
        test::addUser(*gw, "nurse-h");
        sync::SyncClient login(gw->address());
        test::DeviceSecrets secrets;
        tablet = {grpc::CreateChannel(gw->address(), grpc::InsecureChannelCredentials()), "", "tab-hostile"};
        auto in = secrets.login(login, "nurse-h", tablet.deviceId);
        ASSERT_TRUE(in.ok()) << in.error().text();
        tablet.token = in->token();
    }

    SystemClock clock;
    test::StoreBackend backend{GetParam()};
    std::unique_ptr<gateway::GatewayServer> gw;
    RawTablet tablet;
};

} // namespace

TEST_P(HostilePushes, eachDamagedEventIsRefusedWithItsReasonAndNothingStoredIsEverHarmed)
{
    ASSERT_NO_FATAL_FAILURE(startAndLogIn());
    const v1::StudyDefinition def = study::loadDefinition(CRF_STUDIES_DIR "/imicro.json").value();

    // Bounded in CI; CRF_HOSTILE_ROUNDS=N for a longer soak.
    const char* soak = std::getenv("CRF_HOSTILE_ROUNDS");
    const int rounds = soak ? std::atoi(soak) : 300;
    std::mt19937 rng(20261123);
    Chain chain(tablet.deviceId);
    std::map<uint64_t, std::string> stored;  // server_seq -> server hash, as first seen
    std::vector<std::string> usedIds;        // ids of accepted events
    std::map<std::string, int> refusedBy;    // damage -> events refused
    std::map<std::string, int> acceptedWith; // damage -> events accepted all the same (allowed: checked below)
    int accepted = 0, callsRefused = 0;
    for (int round = 0; round < rounds; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        // A batch of one to four events after the head, one or two of them damaged.
        const size_t n = 1 + rng() % 4;
        std::vector<v1::ChangeEvent> events;
        std::vector<bool> keepLink(n, false);
        std::vector<std::string> damages(n);
        for (size_t i = 0; i < n; ++i)
            events.push_back(chain.valid(rng, chain.headSeq() + 1 + i));
        for (size_t d = 0, count = 1 + rng() % 2; d < count; ++d) {
            const size_t i = rng() % n;
            bool keep = false;
            damages[i] = damage(rng, events[i], keep, usedIds);
            keepLink[i] = keepLink[i] || keep;
        }
        chain.link(events, keepLink);
        v1::PushRequest request;
        request.set_device_id(tablet.deviceId);
        request.set_device_now_ms(clock.nowMs());
        for (const auto& e : events)
            *request.add_events() = e;
        // One batch in five travels packed, with random bytes flipped in it one time out of two.
        const bool packed = rng() % 5 == 0;
        bool flipped = false;
        if (packed) {
            v1::PushRequest only;
            *only.mutable_events() = request.events();
            std::string bytes = only.SerializeAsString();
            if (rng() % 2) {
                flipped = true;
                for (int f = 0, flips = 1 + static_cast<int>(rng() % 8); f < flips; ++f)
                    bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
            }
            request.clear_events();
            request.set_packed_events(packing::pack(bytes));
        }

        const uint64_t before = gw->store().eventCount();
        v1::PushResponse response;
        const grpc::Status status = tablet.push(request, &response);
        if (!status.ok()) {
            // The whole call refused (a foreign device or site, a batch that cannot be read): said, nothing stored.
            ++callsRefused;
            EXPECT_FALSE(status.error_message().empty()) << "code " << status.error_code();
            EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
            EXPECT_NE(status.error_code(), grpc::StatusCode::INTERNAL) << status.error_message();
            EXPECT_EQ(gw->store().eventCount(), before);
            continue;
        }
        if (!flipped) {
            ASSERT_EQ(response.outcomes_size(), static_cast<int>(n)) << "one outcome per event";
        }
        for (int i = 0; i < response.outcomes_size(); ++i) {
            const auto& o = response.outcomes(i);
            const std::string what = flipped ? std::string("flipped bytes") : damages[static_cast<size_t>(i)];
            switch (o.status()) {
            case v1::OUTCOME_STATUS_ACCEPTED:
            case v1::OUTCOME_STATUS_DUPLICATE:
                EXPECT_GT(o.server_seq(), 0u);
                if (o.status() == v1::OUTCOME_STATUS_ACCEPTED) {
                    ++accepted;
                    if (!flipped)
                        usedIds.push_back(events[static_cast<size_t>(i)].event_id());
                    if (!what.empty())
                        ++acceptedWith[what];
                }
                break;
            case v1::OUTCOME_STATUS_REJECTED:
            case v1::OUTCOME_STATUS_RETRY_LATER:
            case v1::OUTCOME_STATUS_CHAIN_CONFLICT:
                EXPECT_FALSE(o.message().empty()) << "event " << i << " (" << what << ") refused without a reason";
                ++refusedBy[what.empty() ? "valid, after a refused one" : what];
                break;
            default:
                ADD_FAILURE() << "event " << i << " (" << what << ") has no outcome";
            }
        }
        chain.moveTo(response.device_head_seq(), response.device_head_hash());
    }

    // Everything stored is what the study allows, and what was stored first is stored still, unchanged.
    uint64_t after = 0;
    for (;;) {
        const auto page = gw->store().eventsAfter(after, 500);
        if (page.empty())
            break;
        for (const auto& se : page) {
            after = se.server_seq();
            const std::string why = disallowed(def, se.event());
            EXPECT_TRUE(why.empty()) << "stored event " << se.server_seq() << ": " << why;
            stored.emplace(se.server_seq(), se.server_hash());
        }
    }
    EXPECT_EQ(static_cast<int>(stored.size()), accepted);
    const auto audit = gateway::verifyAudit(gw->store());
    EXPECT_TRUE(audit.intact()) << *audit.firstBrokenLink;
    for (const auto& [seq, hash] : stored)
        EXPECT_EQ(gw->store().serverHashAt(seq).value_or(""), hash) << "server_seq " << seq;

    // The tablet's chain goes on: a valid event after all of it is accepted.
    std::vector<v1::ChangeEvent> last{chain.valid(rng, chain.headSeq() + 1)};
    chain.link(last, {false});
    v1::PushRequest request;
    request.set_device_id(tablet.deviceId);
    *request.add_events() = last[0];
    v1::PushResponse response;
    ASSERT_TRUE(tablet.push(request, &response).ok());
    ASSERT_EQ(response.outcomes_size(), 1);
    EXPECT_EQ(response.outcomes(0).status(), v1::OUTCOME_STATUS_ACCEPTED) << response.outcomes(0).message();

    // Each kind of damage was met and refused; the seeded rounds are a real mix.
    for (const auto& [what, count] : refusedBy)
        std::printf("  refused %3d: %s\n", count, what.c_str());
    for (const auto& [what, count] : acceptedWith)
        std::printf("  accepted %3d: %s\n", count, what.c_str());
    std::printf("  %d accepted, %d calls refused whole, of %d rounds\n", accepted, callsRefused, rounds);
    EXPECT_GE(refusedBy.size(), 22u);
    EXPECT_GT(accepted, rounds / 2);
}

TEST_P(HostilePushes, aRequestThatCannotBeReadIsRefusedNamingTheCallAndNothingIsStored)
{
    ASSERT_NO_FATAL_FAILURE(startAndLogIn());
    std::mt19937 rng(7);
    Chain chain(tablet.deviceId);
    std::vector<v1::ChangeEvent> events{chain.valid(rng, 1)};
    events[0].set_record_status(std::string("\xff\xfe", 2)); // a text field that is not UTF-8: gRPC cannot parse it
    chain.link(events, {false});
    v1::PushRequest request;
    request.set_device_id(tablet.deviceId);
    *request.add_events() = events[0];
    v1::PushResponse response;
    const grpc::Status status = tablet.push(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("/crf.v1.SyncService/Push: the request cannot be read"), std::string::npos)
        << status.error_message();
    EXPECT_EQ(gw->store().eventCount(), 0u);
    EXPECT_EQ(gw->store().refusedCount(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, HostilePushes, ::testing::Values(test::Backend::Sqlite, test::Backend::Postgres),
                         test::backendName);
