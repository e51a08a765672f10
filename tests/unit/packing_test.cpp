// Event traffic packed with zstd (core/packing.h): a round trip keeps every event as it was; a frame that is
// damaged, too large, unreadable or doubled by plain events is refused with an error naming the place.
#include "packing.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <gtest/gtest.h>
#include <zstd.h>

using namespace crf;

namespace {

v1::PushRequest pushOfForms(int n)
{
    v1::PushRequest r;
    r.set_device_id("dev-a");
    r.set_device_now_ms(1'700'000'000'000);
    for (int i = 0; i < n; ++i) {
        auto* e = r.add_events();
        e->set_device_id("dev-a");
        e->set_device_seq(static_cast<uint64_t>(i + 1));
        e->set_site_id("01");
        e->mutable_form()->set_subject_id("01-" + std::to_string(100 + i));
        auto* c = e->add_changes();
        c->set_item_oid("PLATELETS");
        c->set_new_value(std::to_string(50 + i));
        c->set_unit("10^3/uL");
        c->set_new_present(true);
    }
    return r;
}

} // namespace

TEST(Packing, aPackedPushUnpacksToTheSameEventsAndTravelsSmaller)
{
    const v1::PushRequest original = pushOfForms(200);
    v1::PushRequest r = original;
    packing::packEvents(r);
    EXPECT_EQ(r.events_size(), 0);
    EXPECT_EQ(r.device_id(), "dev-a") << "only the events are packed";
    EXPECT_LT(r.ByteSizeLong() * 2, original.ByteSizeLong()) << "repetitive event text compresses";
    ASSERT_TRUE(packing::unpackEvents(r).ok());
    EXPECT_TRUE(r.packed_events().empty());
    EXPECT_EQ(r.SerializeAsString(), original.SerializeAsString());
}

// The tablet packs its events from the bytes its outbox keeps: the frame is the one packing the parsed events makes,
// and it unpacks to the same request.
TEST(Packing, aPushPackedFromStoredBytesIsThePushOfTheParsedEvents)
{
    const v1::PushRequest original = pushOfForms(120);
    std::vector<std::string> stored;
    for (const auto& e : original.events())
        stored.push_back(e.SerializeAsString());
    v1::PushRequest fromBytes = original;
    fromBytes.clear_events();
    packing::packEventBytes(fromBytes, stored);
    v1::PushRequest fromParsed = original;
    packing::packEvents(fromParsed);
    EXPECT_EQ(fromBytes.SerializeAsString(), fromParsed.SerializeAsString());
    ASSERT_TRUE(packing::unpackEvents(fromBytes).ok());
    EXPECT_EQ(fromBytes.SerializeAsString(), original.SerializeAsString());

    v1::PushRequest none;
    packing::packEventBytes(none, {});
    EXPECT_TRUE(none.packed_events().empty()) << "no events, no frame";
}

// The gateway keeps each pushed event as the bytes it came in: each is found in the frame, in order, even when an
// event's fields are not in the order a serializer would write them and other fields lie between the events.
TEST(Packing, aPushKeepsEachEventsBytesAsTheyCame)
{
    const v1::PushRequest events = pushOfForms(3);
    std::vector<std::string> sent;
    for (const auto& e : events.events()) {
        v1::ChangeEvent head = e, tail; // the device id written last: the same event, bytes no serializer writes
        head.clear_device_id();
        tail.set_device_id(e.device_id());
        sent.push_back(head.SerializeAsString() + tail.SerializeAsString());
    }
    v1::PushRequest between; // a field other than the events inside the frame
    between.set_device_id("dev-a");
    std::string frame;
    for (const auto& bytes : sent) {
        google::protobuf::io::StringOutputStream out(&frame);
        google::protobuf::io::CodedOutputStream coded(&out);
        coded.WriteTag(google::protobuf::internal::WireFormatLite::MakeTag(
            v1::PushRequest::kEventsFieldNumber,
            google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
        coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
        coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
        coded.Trim();
        frame += between.SerializeAsString();
    }
    v1::PushRequest r;
    r.set_packed_events(packing::pack(frame));
    packing::ReceivedEvents received;
    ASSERT_TRUE(packing::unpackEvents(r, received).ok());
    ASSERT_EQ(r.events_size(), 3);
    ASSERT_EQ(received.events.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(received.events[static_cast<size_t>(i)], sent[static_cast<size_t>(i)]) << i;
        EXPECT_NE(r.events(i).SerializeAsString(), sent[static_cast<size_t>(i)]) << "serialized again, it would differ";
        EXPECT_EQ(r.events(i).SerializeAsString(), events.events(i).SerializeAsString()) << i;
    }

    v1::PushRequest plain = pushOfForms(2); // not packed: nothing is kept, the events are serialized when stored
    ASSERT_TRUE(packing::unpackEvents(plain, received).ok());
    EXPECT_TRUE(received.events.empty());
}

TEST(Packing, aPullPageUnpacksToTheSameEventsAndAnEmptyPageStaysEmpty)
{
    v1::PullResponse page;
    page.set_next_cursor(42);
    page.set_has_more(true);
    const v1::PushRequest pushed = pushOfForms(3);
    for (const auto& e : pushed.events())
        *page.add_events()->mutable_event() = e;
    const v1::PullResponse original = page;
    packing::packEvents(page);
    v1::PullResponse again = page;
    ASSERT_TRUE(packing::unpackEvents(page).ok());
    EXPECT_EQ(page.SerializeAsString(), original.SerializeAsString());
    // The tablet keeps each pulled event's bytes as they came: one per event, each the event as the gateway wrote it.
    packing::ReceivedEvents received;
    ASSERT_TRUE(packing::unpackEvents(again, received).ok());
    ASSERT_EQ(received.events.size(), 3u);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(received.events[static_cast<size_t>(i)], original.events(i).SerializeAsString());

    v1::PullResponse empty;
    packing::packEvents(empty);
    EXPECT_TRUE(empty.packed_events().empty()) << "nothing to pack";
    EXPECT_TRUE(packing::unpackEvents(empty).ok());
}

TEST(Packing, whatCannotBeUnpackedIsRefusedNamingThePlace)
{
    struct Case {
        const char* name;
        std::string frame;
        bool plainEventsToo;
        const char* says;
    };
    // A valid frame whose content is not a PushRequest (a lone 0xFF byte is no protobuf field).
    const std::string notProtobuf = packing::pack(std::string(1, '\xff'));
    // A frame that says it unpacks to more than the limit (zstd records the size; the bytes are never allocated).
    const std::string huge = packing::pack(std::string(packing::kMaxUnpackedBytes + 1, 'x'));
    std::string truncated = packing::pack(pushOfForms(20).SerializeAsString());
    truncated.resize(truncated.size() / 2);
    const Case cases[] = {
        {"not zstd at all", "these are not packed events", false, "damaged"},
        {"a frame cut in half", truncated, false, "damaged"},
        {"a frame of something else", notProtobuf, false, "cannot be read"},
        {"a frame larger than the limit", huge, false, "larger than"},
        {"events both packed and plain", packing::pack(pushOfForms(1).SerializeAsString()), true, "both"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        v1::PushRequest r;
        r.set_packed_events(c.frame);
        if (c.plainEventsToo)
            *r.add_events() = pushOfForms(1).events(0);
        const auto st = packing::unpackEvents(r);
        ASSERT_FALSE(st.ok());
        EXPECT_EQ(st.error().where, "push");
        EXPECT_NE(st.error().what.find(c.says), std::string::npos) << st.error().what;
    }
    v1::PullResponse page;
    page.set_packed_events("damaged page");
    const auto st = packing::unpackEvents(page);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().where, "pull page");
}

TEST(Packing, aFrameThatDoesNotSayItsSizeIsRefused)
{
    // A streamed frame (no content size in its header) cannot be bounded before unpacking.
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
    const std::string bytes = pushOfForms(5).SerializeAsString();
    std::string frame(ZSTD_compressBound(bytes.size()), '\0');
    frame.resize(ZSTD_compress2(cctx, frame.data(), frame.size(), bytes.data(), bytes.size()));
    ZSTD_freeCCtx(cctx);
    v1::PushRequest r;
    r.set_packed_events(frame);
    const auto st = packing::unpackEvents(r);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().what.find("larger than"), std::string::npos) << st.error().what;
}
