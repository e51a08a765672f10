#include "photo.h"

#include "crypto.h"

#include <cstdint>
#include <cstring>

namespace crf::photo {
namespace {

uint32_t be32(const unsigned char* p)
{
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

Result<std::string> stripJpeg(std::string_view in)
{
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const size_t n = in.size();
    std::string out("\xFF\xD8", 2);
    size_t i = 2;
    while (i + 4 <= n) {
        if (p[i] != 0xFF)
            return messageError("photo", QT_TRANSLATE_NOOP("Core", "damaged JPEG: marker expected at byte %1"),
                                {std::to_string(i)});
        const unsigned char marker = p[i + 1];
        if (marker == 0xFF) { // fill byte
            ++i;
            continue;
        }
        if (marker == 0xD9) { // EOI
            out.append("\xFF\xD9", 2);
            return out;
        }
        const size_t len = (size_t(p[i + 2]) << 8) | p[i + 3];
        if (len < 2 || i + 2 + len > n)
            return messageError("photo",
                                QT_TRANSLATE_NOOP("Core", "damaged JPEG: segment overruns the file at byte %1"),
                                {std::to_string(i)});
        // APP0 (JFIF) is layout only; APP1..APP15 and COM carry metadata (EXIF, GPS, XMP, IPTC, maker notes).
        const bool metadata = (marker >= 0xE1 && marker <= 0xEF) || marker == 0xFE;
        if (!metadata)
            out.append(in.substr(i, 2 + len));
        i += 2 + len;
        if (marker == 0xDA) { // start of scan: the entropy-coded image data follows, up to EOI
            out.append(in.substr(i));
            return out;
        }
    }
    return messageError("photo", QT_TRANSLATE_NOOP("Core", "damaged JPEG: no image data"));
}

Result<std::string> stripPng(std::string_view in)
{
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const size_t n = in.size();
    std::string out(in.substr(0, 8));
    size_t i = 8;
    while (i + 12 <= n) {
        const uint32_t len = be32(p + i);
        if (i + 12 + size_t(len) > n)
            return messageError("photo", QT_TRANSLATE_NOOP("Core", "damaged PNG: chunk overruns the file at byte %1"),
                                {std::to_string(i)});
        const std::string_view type = in.substr(i + 4, 4);
        const bool metadata = type == "tEXt" || type == "zTXt" || type == "iTXt" || type == "eXIf" || type == "tIME";
        if (!metadata)
            out.append(in.substr(i, 12 + len));
        i += 12 + len;
        if (type == "IEND")
            return out;
    }
    return messageError("photo", QT_TRANSLATE_NOOP("Core", "damaged PNG: no IEND chunk"));
}

} // namespace

Result<std::string> stripMetadata(std::string_view bytes)
{
    if (bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
        static_cast<unsigned char>(bytes[1]) == 0xD8)
        return stripJpeg(bytes);
    if (bytes.size() >= 8 && bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8))
        return stripPng(bytes);
    return messageError("photo", QT_TRANSLATE_NOOP("Core", "only JPEG and PNG photos are accepted"));
}

std::string digestHex(std::string_view bytes)
{
    return toHex(sha256(bytes));
}

} // namespace crf::photo
