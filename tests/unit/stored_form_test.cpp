// StoredFormBytes (gateway/storage/stored_form.h): a form's merge state edited in its stored bytes reads and writes
// exactly what the whole message would, keeps what it does not know, converts the older form and refuses an
// inconsistent row.
#include "storage/stored_form.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <stdexcept>

using namespace crf;
using namespace crf::gateway;

namespace {

v1::StoredForm formOf(int fields)
{
    v1::StoredForm f;
    f.add_devices("dev-A");
    f.add_devices("dev-B");
    for (int i = 0; i < fields; ++i) {
        auto* e = f.add_entries();
        e->set_item_oid("ITEM" + std::to_string(10 + i)); // sorted
        e->set_value("v" + std::to_string(i));
        e->set_unit(i % 3 == 0 ? "mmHg" : "");
        e->set_present(i % 5 != 0);
        e->set_value_seq(static_cast<uint64_t>(100 + i));
        e->set_last_seq(static_cast<uint64_t>(200 + i));
        e->set_last_device(static_cast<uint32_t>(i % 2));
    }
    return f;
}

v1::StoredForm parsed(const std::string& bytes)
{
    v1::StoredForm f;
    EXPECT_TRUE(f.ParseFromString(bytes));
    return f;
}

bool same(const v1::StoredForm& a, const v1::StoredForm& b)
{
    return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

} // namespace

TEST(StoredFormBytes, readsEveryFieldAndWritesTheSameBytesTheMessageWould)
{
    google::protobuf::Arena arena;
    const v1::StoredForm f = formOf(30);
    StoredFormBytes s(&arena);
    bool rewrite = false;
    ASSERT_TRUE(s.read(f.SerializeAsString(), rewrite));
    EXPECT_FALSE(rewrite);
    for (const auto& e : f.entries()) {
        const v1::StoredEntry* got = s.find(e.item_oid());
        ASSERT_NE(got, nullptr) << e.item_oid();
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*got, e)) << e.item_oid();
        EXPECT_EQ(s.device(got->last_device()), f.devices(static_cast<int>(e.last_device())));
    }
    EXPECT_EQ(s.find("ITEM00"), nullptr) << "before the first";
    EXPECT_EQ(s.find("ITEM105"), nullptr) << "between two";
    EXPECT_EQ(s.find("ZZZ"), nullptr) << "after the last";
    std::string out;
    s.write(out);
    EXPECT_EQ(out, f.SerializeAsString()) << "read but unchanged: written back byte for byte";
}

TEST(StoredFormBytes, editsAddsAndNewDevicesLandInTheirPlaces)
{
    google::protobuf::Arena arena;
    v1::StoredForm expected = formOf(30);
    StoredFormBytes s(&arena);
    bool rewrite = false;
    ASSERT_TRUE(s.read(expected.SerializeAsString(), rewrite));

    v1::StoredEntry& changed = s.edit("ITEM25"); // an existing field
    changed.set_value("changed");
    changed.set_last_device(s.deviceIndex("dev-C"));
    expected.add_devices("dev-C");
    expected.mutable_entries(15)->set_value("changed");
    expected.mutable_entries(15)->set_last_device(2);

    s.edit("ITEM105").set_value("between"); // new, in the middle
    s.edit("AAA").set_value("first");       // new, before every other
    s.edit("ZZZ").set_value("last");        // new, after every other
    EXPECT_EQ(s.deviceIndex("dev-B"), 1u) << "a known device keeps its index";
    std::string out;
    s.write(out);
    const v1::StoredForm got = parsed(out);

    auto entry = [](const std::string& oid, const std::string& value) {
        v1::StoredEntry e;
        e.set_item_oid(oid);
        e.set_value(value);
        return e;
    };
    *expected.mutable_entries()->Add() = entry("ITEM105", "between");
    *expected.mutable_entries()->Add() = entry("AAA", "first");
    *expected.mutable_entries()->Add() = entry("ZZZ", "last");
    std::sort(expected.mutable_entries()->pointer_begin(), expected.mutable_entries()->pointer_end(),
              [](const v1::StoredEntry* a, const v1::StoredEntry* b) { return a->item_oid() < b->item_oid(); });
    EXPECT_TRUE(same(got, expected)) << got.DebugString();
    EXPECT_EQ(out, expected.SerializeAsString());

    StoredFormBytes again(&arena); // the written row reads back with the change
    ASSERT_TRUE(again.read(out, rewrite));
    ASSERT_NE(again.find("ITEM25"), nullptr);
    EXPECT_EQ(again.find("ITEM25")->value(), "changed");
    EXPECT_EQ(again.device(again.find("ITEM25")->last_device()), "dev-C");
}

TEST(StoredFormBytes, aNewFormIsBuiltFieldByField)
{
    google::protobuf::Arena arena;
    StoredFormBytes s(&arena);
    for (const char* oid : {"A", "B", "C"}) {
        EXPECT_EQ(s.find(oid), nullptr);
        auto& e = s.edit(oid);
        e.set_value(std::string("value of ") + oid);
        e.set_last_device(s.deviceIndex("dev-A"));
    }
    std::string out;
    s.write(out);
    const v1::StoredForm got = parsed(out);
    ASSERT_EQ(got.entries_size(), 3);
    ASSERT_EQ(got.devices_size(), 1);
    EXPECT_EQ(got.entries(2).item_oid(), "C");
    EXPECT_EQ(got.entries(2).value(), "value of C");
}

// An entry whose item OID is not its first field (no serializer writes that, but the format allows it) is found.
TEST(StoredFormBytes, anEntryWhoseItemIsNotItsFirstFieldIsFound)
{
    google::protobuf::Arena arena;
    v1::StoredForm f = formOf(3);
    v1::StoredEntry tail; // the item OID written after the other fields
    tail.set_item_oid(f.entries(2).item_oid());
    v1::StoredEntry head = f.entries(2);
    head.clear_item_oid();
    std::string bytes;
    v1::StoredForm front = f;
    front.mutable_entries()->RemoveLast();
    bytes = front.SerializeAsString();
    const std::string entry = head.SerializeAsString() + tail.SerializeAsString();
    bytes += std::string(1, '\x1a') + static_cast<char>(entry.size()) + entry;
    StoredFormBytes s(&arena);
    bool rewrite = false;
    ASSERT_TRUE(s.read(bytes, rewrite));
    ASSERT_NE(s.find("ITEM12"), nullptr);
    EXPECT_EQ(s.find("ITEM12")->value(), "v2");
}

// A row of a later version may carry fields this one does not know: they are written back as they were.
TEST(StoredFormBytes, fieldsOfALaterVersionAreKept)
{
    google::protobuf::Arena arena;
    v1::StoredForm f = formOf(3);
    f.GetReflection()->MutableUnknownFields(&f)->AddVarint(40, 7);
    StoredFormBytes s(&arena);
    bool rewrite = false;
    ASSERT_TRUE(s.read(f.SerializeAsString(), rewrite));
    s.edit("ITEM11").set_value("changed");
    std::string out;
    s.write(out);
    f.mutable_entries(1)->set_value("changed");
    EXPECT_EQ(out, f.SerializeAsString());
}

TEST(StoredFormBytes, aRowOfTheOlderFormIsConvertedAndMarkedForRewriting)
{
    google::protobuf::Arena arena;
    v1::StoredForm older;
    for (const auto& [oid, value, device] :
         {std::tuple{"MAP", "65", "dev-B"}, std::tuple{"GCS", "13", "dev-A"}, std::tuple{"LACTATE", "2.1", "dev-B"}}) {
        v1::StoredField& f = (*older.mutable_fields())[oid];
        f.set_value(value);
        f.set_present(true);
        f.set_value_seq(5);
        f.set_last_seq(6);
        f.set_last_device(device);
    }
    StoredFormBytes s(&arena);
    bool rewrite = false;
    ASSERT_TRUE(s.read(older.SerializeAsString(), rewrite));
    EXPECT_TRUE(rewrite);
    ASSERT_NE(s.find("LACTATE"), nullptr);
    EXPECT_EQ(s.find("LACTATE")->value(), "2.1");
    EXPECT_EQ(s.device(s.find("LACTATE")->last_device()), "dev-B");
    EXPECT_EQ(s.device(s.find("GCS")->last_device()), "dev-A");
    std::string out;
    s.write(out);
    const v1::StoredForm got = parsed(out);
    EXPECT_TRUE(got.fields().empty()) << "written compact";
    ASSERT_EQ(got.entries_size(), 3);
    EXPECT_EQ(got.entries(0).item_oid(), "GCS");
    EXPECT_EQ(got.entries(2).item_oid(), "MAP");
}

TEST(StoredFormBytes, anInconsistentRowIsRefused)
{
    google::protobuf::Arena arena;
    bool rewrite = false;
    {
        v1::StoredForm unsorted = formOf(3);
        unsorted.mutable_entries()->SwapElements(0, 2);
        StoredFormBytes s(&arena);
        EXPECT_FALSE(s.read(unsorted.SerializeAsString(), rewrite)) << "entries out of order";
    }
    {
        v1::StoredForm twice = formOf(3);
        *twice.add_entries() = twice.entries(2);
        StoredFormBytes s(&arena);
        EXPECT_FALSE(s.read(twice.SerializeAsString(), rewrite)) << "an item twice";
    }
    {
        v1::StoredForm noDevice = formOf(3);
        noDevice.mutable_entries(1)->set_last_device(2);
        StoredFormBytes s(&arena);
        ASSERT_TRUE(s.read(noDevice.SerializeAsString(), rewrite)) << "entries are checked as they are read";
        EXPECT_NE(s.find("ITEM10"), nullptr);
        EXPECT_THROW(s.find("ITEM11"), std::runtime_error) << "a device index out of range";
        EXPECT_THROW(s.edit("ITEM11"), std::runtime_error);
    }
    {
        v1::StoredForm badText = formOf(2);
        badText.mutable_entries(1)->set_value("ok");
        std::string bytes = badText.SerializeAsString();
        bytes.replace(bytes.rfind("ok"), 2, "\xff\xfe"); // a value that is not UTF-8
        StoredFormBytes s(&arena);
        ASSERT_TRUE(s.read(bytes, rewrite));
        EXPECT_THROW(s.find("ITEM11"), std::runtime_error);
    }
    {
        std::string cut = formOf(3).SerializeAsString();
        cut.resize(cut.size() - 3);
        StoredFormBytes s(&arena);
        EXPECT_FALSE(s.read(cut, rewrite)) << "cut short";
    }
    {
        StoredFormBytes s(&arena);
        EXPECT_FALSE(s.read(std::string("\x1a\x05\x0a\x09", 4), rewrite)) << "an entry longer than the row";
    }
}
