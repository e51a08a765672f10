// Event traffic packed with zstd (core/packing.h): a round trip keeps every event as it was; a frame that is
// damaged, too large, unreadable or doubled by plain events is refused with an error naming the place.
#include "packing.h"

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
    ASSERT_TRUE(packing::unpackEvents(page).ok());
    EXPECT_EQ(page.SerializeAsString(), original.SerializeAsString());

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
