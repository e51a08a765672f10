// Change events: canonical hash, shape checks, reason-for-change rule, hybrid logical clock, crypto vectors.
#include "change_event.h"
#include "clock.h"
#include "crypto.h"
#include "hlc.h"

#include <functional>
#include <gtest/gtest.h>
#include <limits>

using namespace crf;

namespace {
v1::ChangeEvent sampleEvent()
{
    v1::ChangeEvent e;
    e.set_event_id("7d5b0e3e-0000-4000-8000-000000000001");
    e.set_device_id("dev-A");
    e.set_device_seq(1);
    e.set_user_id("nurse1");
    e.set_role("research_nurse");
    e.set_site_id("01");
    e.set_study_id("I-MICRO");
    e.set_definition_version("2020-1");
    e.mutable_form()->set_subject_id("01-001");
    e.mutable_form()->set_visit_oid("D0");
    e.mutable_form()->set_form_oid("SOFA");
    auto* c = e.add_changes();
    c->set_item_oid("PLATELETS");
    c->set_new_present(true);
    c->set_new_value("85");
    c->set_unit("10^3/uL");
    e.set_captured_at_ms(1'790'000'000'000);
    e.set_saved_at_ms(1'790'000'000'500);
    e.set_prev_hash(genesisHash());
    return e;
}
} // namespace

TEST(Crypto, sha256MatchesThePublishedVectors)
{
    // FIPS 180-2 appendix B.1 and the empty string.
    EXPECT_EQ(toHex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(toHex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Crypto, uuidsAreVersion4AndDistinct)
{
    const auto a = uuidV4(), b = uuidV4();
    EXPECT_NE(a, b);
    ASSERT_EQ(a.size(), 36u);
    EXPECT_EQ(a[14], '4');
}

// RFC 9562 5.7: the first 48 bits are the Unix time in milliseconds (big-endian), then version 7 and variant 10.
TEST(Crypto, timeOrderedUuidsCarryTheirMillisecondAndSortByIt)
{
    struct Case {
        int64_t ms;
        const char* prefix; // the time, as the first 13 characters show it
    };
    for (const Case& c : {Case{0, "00000000-0000"}, Case{1, "00000000-0001"}, Case{1'790'000'000'000, "01a0c450-6c00"},
                          Case{0xffffffffffffLL, "ffffffff-ffff"}}) {
        const std::string id = uuidV7(c.ms);
        ASSERT_EQ(id.size(), 36u) << c.ms;
        EXPECT_EQ(id.substr(0, 13), c.prefix) << c.ms;
        EXPECT_EQ(id[14], '7') << c.ms;
        EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << "variant 10: " << id;
        EXPECT_EQ(id[8], '-');
        EXPECT_EQ(id[23], '-');
    }
    EXPECT_NE(uuidV7(1000), uuidV7(1000)) << "74 random bits tell ids of one millisecond apart";
    std::string last;
    for (int64_t ms = 1'790'000'000'000; ms < 1'790'000'000'000 + 2000; ms += 7) {
        const std::string id = uuidV7(ms);
        EXPECT_LT(last, id) << "made later, sorts later";
        last = id;
    }
}

TEST(ChangeEventHash, isStableAndCoversEveryField)
{
    const auto e = sampleEvent();
    EXPECT_EQ(eventHash(e), eventHash(sampleEvent()));
    auto changedValue = sampleEvent();
    changedValue.mutable_changes(0)->set_new_value("86");
    EXPECT_NE(eventHash(e), eventHash(changedValue));
    auto changedUnit = sampleEvent();
    changedUnit.mutable_changes(0)->set_unit("10^9/L");
    EXPECT_NE(eventHash(e), eventHash(changedUnit));
    auto changedPrev = sampleEvent();
    changedPrev.set_prev_hash(std::string(32, '\1'));
    EXPECT_NE(eventHash(e), eventHash(changedPrev));
    auto changedUser = sampleEvent();
    changedUser.set_user_id("nurse2");
    EXPECT_NE(eventHash(e), eventHash(changedUser));
}

// The hashes are stored in every tablet's and gateway's chain: the bytes they are taken over may never change. The
// expected digests were computed apart from this code, from the encoding docs/sync.md describes (lengths and numbers
// as 8 bytes big-endian, strings length-prefixed, booleans as one byte).
TEST(ChangeEventHash, theCanonicalBytesAreFixed)
{
    EXPECT_EQ(toHex(eventHash(sampleEvent())), "beeb6bf34989eb783e866d73f4e46544294a58bc93a9a1095264d95a4fb8f898");

    auto large = sampleEvent(); // 8,834 canonical bytes: more than the writer holds before it moves to the heap
    large.clear_changes();
    for (int i = 0; i < 60; ++i) {
        auto* c = large.add_changes();
        c->set_item_oid((i < 10 ? "ITEM0" : "ITEM") + std::to_string(i));
        c->set_new_present(true);
        c->set_new_value(std::string(100, 'v') + std::to_string(i));
    }
    EXPECT_EQ(toHex(eventHash(large)), "e6123921f400ce4b625a115714c2679bc927e09c6a154af42a5af97cf82dedf0");

    v1::ServerEvent se;
    se.set_server_seq(42);
    se.set_received_at_ms(1'790'000'001'000);
    se.set_clock_skew_ms(-90'000);
    se.set_clock_flagged(true);
    se.set_event_hash(std::string(32, '\x22'));
    auto* note = se.add_conflicts();
    note->set_item_oid("PLATELETS");
    note->set_kept_value("85");
    note->set_kept_unit("10^3/uL");
    note->set_kept_present(true);
    note->set_kept_server_seq(7);
    note->set_conflict_id(3);
    se.add_resolved_items("MAP");
    EXPECT_EQ(toHex(serverChainHash(std::string(32, '\x11'), se)),
              "d300a72cdf8e3675c16e14a84d52d5d1e9bd04bbd76f23ea229240899325c67a");
}

TEST(ChangeEventShape, namesTheMissingField)
{
    EXPECT_TRUE(validateEventShape(sampleEvent()).ok());
    auto noUser = sampleEvent();
    noUser.clear_user_id();
    EXPECT_EQ(validateEventShape(noUser).error().where, "user_id");
    auto noSeq = sampleEvent();
    noSeq.set_device_seq(0);
    EXPECT_EQ(validateEventShape(noSeq).error().where, "device_seq");
    auto twice = sampleEvent();
    *twice.add_changes() = twice.changes(0);
    EXPECT_EQ(validateEventShape(twice).error().where, "changes[1].item_oid");
    auto apart = sampleEvent(); // A, B, A: the repeat is named where the event lists it
    apart.add_changes()->set_item_oid(apart.changes(0).item_oid() + "_OTHER");
    *apart.add_changes() = apart.changes(0);
    EXPECT_EQ(validateEventShape(apart).error().where,
              "changes[" + std::to_string(apart.changes_size() - 1) + "].item_oid");
    EXPECT_NE(validateEventShape(apart).error().text().find("changed twice"), std::string::npos);
    auto unnamed = sampleEvent();
    unnamed.add_changes()->set_new_value("7");
    EXPECT_EQ(validateEventShape(unnamed).error().where,
              "changes[" + std::to_string(unnamed.changes_size() - 1) + "].item_oid");
    auto shortHash = sampleEvent();
    shortHash.set_prev_hash("abc");
    EXPECT_EQ(validateEventShape(shortHash).error().where, "prev_hash");
}

// Each bound at its cut-point: the last value in, the first one out, and the field the refusal names.
TEST(ChangeEventShape, boundsWhatAnEventCarriesAtEachCutPoint)
{
    using Edit = std::function<void(v1::ChangeEvent&)>;
    struct Case {
        const char* name;
        Edit in, out;
        const char* field;
    };
    const int64_t year10000 = 253'402'300'800'000; // 10000-01-01T00:00:00Z
    const Case cases[] = {
        {"event id: a UUID", [](auto& e) { e.set_event_id("01A0C450-6C00-7ABC-8DEF-0123456789ab"); },
         [](auto& e) { e.set_event_id("01a0c450-6c00-7abc-8def-0123456789a"); }, "event_id"},
        {"event id: dashes in their places", [](auto& e) { e.set_event_id("7d5b0e3e-0000-4000-8000-000000000001"); },
         [](auto& e) { e.set_event_id("7d5b0e3e0-000-4000-8000-000000000001"); }, "event_id"},
        {"subject: 20 letters, digits or dashes",
         [](auto& e) { e.mutable_form()->set_subject_id("01-" + std::string(17, '9')); },
         [](auto& e) { e.mutable_form()->set_subject_id("01-" + std::string(18, '9')); }, "form.subject_id"},
        {"subject: no other character", [](auto& e) { e.mutable_form()->set_subject_id("Ab-09"); },
         [](auto& e) { e.mutable_form()->set_subject_id("01 001"); }, "form.subject_id"},
        {"ids: 64 bytes", [](auto& e) { e.set_user_id(std::string(64, 'u')); },
         [](auto& e) { e.set_user_id(std::string(65, 'u')); }, "user_id"},
        {"ids: no control character", [](auto& e) { e.set_site_id("01~"); },
         [](auto& e) { e.set_site_id(std::string("01\x7f")); }, "site_id"},
        {"item OIDs: 64 bytes", [](auto& e) { e.mutable_changes(0)->set_item_oid(std::string(64, 'I')); },
         [](auto& e) { e.mutable_changes(0)->set_item_oid(std::string(65, 'I')); }, "changes[0].item_oid"},
        {"values: 10,000 bytes", [](auto& e) { e.mutable_changes(0)->set_new_value(std::string(10'000, 'v')); },
         [](auto& e) { e.mutable_changes(0)->set_new_value(std::string(10'001, 'v')); }, "changes[0].new_value"},
        {"values: line breaks and tabs, no other control character",
         [](auto& e) { e.mutable_changes(0)->set_new_value("a\r\nb\tc"); },
         [](auto& e) { e.mutable_changes(0)->set_new_value(std::string("a\x0b", 2)); }, "changes[0].new_value"},
        {"reason text: 10,000 bytes", [](auto& e) { e.mutable_reason()->set_text(std::string(10'000, 'r')); },
         [](auto& e) { e.mutable_reason()->set_text(std::string(10'001, 'r')); }, "reason.text"},
        {"capture time: before the year 10000", [year10000](auto& e) { e.set_captured_at_ms(year10000 - 1); },
         [year10000](auto& e) { e.set_captured_at_ms(year10000); }, "captured_at_ms"},
        {"capture time: after 1970", [](auto& e) { e.set_captured_at_ms(1); }, [](auto& e) { e.set_captured_at_ms(0); },
         "captured_at_ms"},
        {"offset: +14:00", [](auto& e) { e.set_captured_utc_offset_min(14 * 60); },
         [](auto& e) { e.set_captured_utc_offset_min(14 * 60 + 1); }, "captured_utc_offset_min"},
        {"offset: -14:00", [](auto& e) { e.set_captured_utc_offset_min(-14 * 60); },
         [](auto& e) { e.set_captured_utc_offset_min(-14 * 60 - 1); }, "captured_utc_offset_min"},
        {"save time: not given, or before the year 10000", [](auto& e) { e.set_saved_at_ms(0); },
         [year10000](auto& e) { e.set_saved_at_ms(year10000); }, "saved_at_ms"},
        {"clock stamp: before the year 10000", [year10000](auto& e) { e.mutable_hlc()->set_wall_ms(year10000 - 1); },
         [](auto& e) { e.mutable_hlc()->set_wall_ms(std::numeric_limits<int64_t>::max()); }, "hlc.wall_ms"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto in = sampleEvent();
        c.in(in);
        EXPECT_TRUE(validateEventShape(in).ok()) << validateEventShape(in).error().text();
        auto out = sampleEvent();
        c.out(out);
        const auto refused = validateEventShape(out);
        ASSERT_FALSE(refused.ok());
        EXPECT_EQ(refused.error().where, c.field) << refused.error().text();
        EXPECT_LT(refused.error().text().size(), 200u) << "a refusal never quotes what it refuses";
    }
}

TEST(ReasonForChange, firstEntryNeedsNoReasonButAChangeToASavedValueDoes)
{
    auto first = sampleEvent();
    EXPECT_TRUE(checkReasonForChange(first).ok());

    auto correction = sampleEvent();
    correction.mutable_changes(0)->set_old_present(true);
    correction.mutable_changes(0)->set_old_value("85");
    correction.mutable_changes(0)->set_new_value("58");
    const auto refused = checkReasonForChange(correction);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().where, "item PLATELETS");

    correction.mutable_reason()->set_code("TRANSCRIPTION_ERROR");
    correction.mutable_reason()->set_text("digits swapped");
    EXPECT_TRUE(checkReasonForChange(correction).ok());

    auto cleared = sampleEvent();
    cleared.mutable_changes(0)->set_old_present(true);
    cleared.mutable_changes(0)->set_old_value("85");
    cleared.mutable_changes(0)->set_new_present(false);
    EXPECT_FALSE(checkReasonForChange(cleared).ok());
}

TEST(HybridLogicalClock, staysMonotonicWhenTheWallClockStandsStillOrGoesBack)
{
    ManualClock clock(1000);
    HybridLogicalClock hlc(clock);
    const auto a = hlc.now();
    const auto b = hlc.now();
    EXPECT_LT(a, b);
    clock.set(500); // wall clock stepped back
    const auto c = hlc.now();
    EXPECT_LT(b, c);
    EXPECT_EQ(c.wallMs, 1000);
    clock.set(2000);
    EXPECT_EQ(hlc.now(), (HlcTime{2000, 0}));
}

TEST(HybridLogicalClock, ordersAfterEverythingObserved)
{
    ManualClock clock(1000);
    HybridLogicalClock hlc(clock);
    hlc.observe({5000, 7}); // a tablet whose clock runs ahead
    const auto next = hlc.now();
    EXPECT_GT(next, (HlcTime{5000, 7}));
}

TEST(HybridLogicalClock, aStampFarAheadOfTheLocalClockIsNotFoldedIn)
{
    ManualClock clock(1'790'000'000'000);
    HybridLogicalClock hlc(clock);
    // A day ahead (a tablet whose clock is off by a day): folded in, as any stamp seen.
    hlc.observe({1'790'000'000'000 + 24 * 3600 * 1000, 3});
    EXPECT_GT(hlc.now(), (HlcTime{1'790'000'000'000 + 24 * 3600 * 1000, 3}));
    // Years ahead, or the largest stamp there is: later local stamps stay with the local clock.
    hlc.observe({1'790'000'000'000 + HybridLogicalClock::kMaxAheadMs + 1, 0});
    hlc.observe({std::numeric_limits<int64_t>::max(), std::numeric_limits<uint32_t>::max()});
    clock.set(1'790'000'000'000 + 2 * 24 * 3600 * 1000);
    EXPECT_EQ(hlc.now(), (HlcTime{1'790'000'000'000 + 2 * 24 * 3600 * 1000, 0}));
}

TEST(IsoTimestamp, alwaysWritesAnExplicitOffset)
{
    EXPECT_EQ(isoTimestamp(0, 0), "1970-01-01T00:00:00+00:00");
    EXPECT_EQ(isoTimestamp(0, 60), "1970-01-01T01:00:00+01:00");
    EXPECT_EQ(isoTimestamp(0, -90), "1969-12-31T22:30:00-01:30");
}

#include "backoff.h"

TEST(Backoff, doublesUpToTheCapWithBoundedJitter)
{
    Backoff b(1000, 30'000, 0.2, 42);
    const int64_t nominal[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (int64_t n : nominal) {
        const int64_t d = b.nextDelayMs();
        EXPECT_GE(d, static_cast<int64_t>(n * 0.8)) << n;
        EXPECT_LE(d, static_cast<int64_t>(n * 1.2)) << n;
    }
    b.reset();
    const int64_t first = b.nextDelayMs();
    EXPECT_GE(first, 800);
    EXPECT_LE(first, 1200);
}

TEST(Backoff, isRepeatableForASeedAndSpreadsAcrossSeeds)
{
    Backoff a(1000, 60'000, 0.2, 7), same(1000, 60'000, 0.2, 7), other(1000, 60'000, 0.2, 8);
    bool differs = false;
    for (int i = 0; i < 6; ++i) {
        const int64_t x = a.nextDelayMs();
        EXPECT_EQ(x, same.nextDelayMs());
        differs = differs || x != other.nextDelayMs();
    }
    EXPECT_TRUE(differs) << "tablets with different seeds must not retry in lockstep";
}

TEST(Messages, aTemplateIsFilledInOnePassAndKeptForTheScreens)
{
    EXPECT_EQ(fillTemplate("subject %1 is already randomized (number %2)", {"01-004", "7"}),
              "subject 01-004 is already randomized (number 7)");
    EXPECT_EQ(fillTemplate("%1 and %2", {"50%2", "x"}), "50%2 and x") << "an argument is never read as a marker";
    EXPECT_EQ(fillTemplate("100% sure, %3 missing", {"a"}), "100% sure, %3 missing");
    const Error e = messageError("randomization", "subject %1 is already randomized (number %2)", {"01-004", "7"});
    EXPECT_EQ(e.text(), "randomization: subject 01-004 is already randomized (number 7)");
    EXPECT_EQ(e.tmpl, "subject %1 is already randomized (number %2)");
    EXPECT_EQ(e.args.size(), 2u);
}
