// wire::Reader: protobuf's wire format read in place (tags, varints, length-delimited fields), for the few places
// that must find a message's fields in its bytes without parsing it; appendField() writes one such field.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crf::wire {

constexpr uint32_t kVarint = 0, kLength = 2;

/// Protobuf's wire format read in place, without allocating: the gateway finds a pushed event's bytes in its frame
/// and the entries of a stored form with it (a CodedInputStream per entry cost more than the whole scan).
struct Reader {
    const uint8_t* p;
    const uint8_t* end;

    explicit Reader(std::string_view bytes) : p(reinterpret_cast<const uint8_t*>(bytes.data())), end(p + bytes.size())
    {
    }
    bool atEnd() const { return p == end; }
    bool varint(uint64_t& v)
    {
        v = 0;
        for (int shift = 0; shift < 64 && p < end; shift += 7) {
            const uint8_t b = *p++;
            v |= uint64_t{b & 0x7fu} << shift;
            if (!(b & 0x80))
                return true;
        }
        return false;
    }
    /// A field's tag; false at a malformed one (field number 0, a group).
    bool tag(int& number, uint32_t& type)
    {
        uint64_t t = 0;
        if (!varint(t) || t >> 3 == 0 || t >> 3 > 0x1fffffff)
            return false;
        number = static_cast<int>(t >> 3);
        type = static_cast<uint32_t>(t & 7);
        return type != 3 && type != 4 && type != 6 && type != 7;
    }
    bool bytes(std::string_view& out)
    {
        uint64_t n = 0;
        if (!varint(n) || n > static_cast<uint64_t>(end - p))
            return false;
        out = {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
        p += n;
        return true;
    }
    bool skip(uint32_t type)
    {
        uint64_t v = 0;
        std::string_view b;
        switch (type) {
        case 0:
            return varint(v);
        case 1:
            return end - p >= 8 && (p += 8, true);
        case 2:
            return bytes(b);
        case 5:
            return end - p >= 4 && (p += 4, true);
        default:
            return false;
        }
    }
};

/// True when `bytes` read as one message to the end: every tag well formed, every length within the bytes. Not a
/// parse (field types and UTF-8 are not checked); what the gateway cannot parse it refuses by name.
inline bool readsAsMessage(std::string_view bytes)
{
    Reader in(bytes);
    int number = 0;
    uint32_t type = 0;
    while (!in.atEnd())
        if (!in.tag(number, type) || !in.skip(type))
            return false;
    return true;
}

inline void appendVarint(std::string& out, uint64_t v)
{
    while (v >= 0x80) {
        out.push_back(static_cast<char>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

/// The tag and length of length-delimited field `number` holding `length` bytes, as protobuf's serializer writes
/// them (the value follows).
inline void appendFieldHead(std::string& out, int number, size_t length)
{
    appendVarint(out, (static_cast<uint64_t>(number) << 3) | kLength);
    appendVarint(out, length);
}

/// Length-delimited field `number` holding `value`, written as protobuf's serializer writes it.
inline void appendField(std::string& out, int number, std::string_view value)
{
    appendFieldHead(out, number, value.size());
    out.append(value);
}

/// The bytes appendField() writes for a value of `size` bytes.
inline size_t fieldSize(int number, size_t size)
{
    auto varintSize = [](uint64_t v) {
        size_t n = 1;
        while (v >= 0x80) {
            v >>= 7;
            ++n;
        }
        return n;
    };
    return varintSize((static_cast<uint64_t>(number) << 3) | kLength) + varintSize(size) + size;
}

} // namespace crf::wire
