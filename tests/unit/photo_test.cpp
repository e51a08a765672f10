// Photos: identifying metadata (EXIF with GPS, comments, PNG text) never survives into the store.
#include "photo.h"

#include <gtest/gtest.h>

using namespace crf;

namespace {
std::string segment(unsigned char marker, const std::string& payload)
{
    const size_t len = payload.size() + 2;
    std::string s = {char(0xFF), char(marker), char(len >> 8), char(len & 0xFF)};
    return s + payload;
}

std::string jpegWithExif()
{
    std::string j("\xFF\xD8", 2);
    j += segment(0xE0, std::string("JFIF\0\x01\x02", 7));
    j += segment(0xE1, std::string("Exif\0\0", 6) + "GPSLatitude=48.8566;GPSLongitude=2.3522;Model=Ward-7-tablet");
    j += segment(0xFE, "patient J.D. bed 12");
    j += segment(0xDB, std::string(65, '\x01')); // quantisation table (image)
    j += segment(0xDA, std::string("\x01\x01\x00\x00\x3f\x00", 6));
    j += std::string("\x12\x34\x56\x78 image data", 15);
    j += std::string("\xFF\xD9", 2);
    return j;
}

std::string pngChunk(const std::string& type, const std::string& data)
{
    const uint32_t n = static_cast<uint32_t>(data.size());
    std::string s = {char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    return s + type + data + std::string(4, '\0');
}
} // namespace

TEST(PhotoMetadata, jpegExifGpsAndCommentsAreRemovedImageDataKept)
{
    const auto stripped = photo::stripMetadata(jpegWithExif());
    ASSERT_TRUE(stripped.ok()) << stripped.error().text();
    EXPECT_EQ(stripped->find("GPS"), std::string::npos);
    EXPECT_EQ(stripped->find("Exif"), std::string::npos);
    EXPECT_EQ(stripped->find("patient"), std::string::npos);
    EXPECT_NE(stripped->find("JFIF"), std::string::npos);
    EXPECT_NE(stripped->find("image data"), std::string::npos);
    EXPECT_EQ(stripped->substr(stripped->size() - 2), std::string("\xFF\xD9", 2));
    // Stripping is idempotent: the stored bytes (and so the digest) do not change when stripped again.
    EXPECT_EQ(photo::stripMetadata(*stripped).value(), *stripped);
}

TEST(PhotoMetadata, pngTextAndExifChunksAreRemoved)
{
    std::string png("\x89PNG\r\n\x1a\n", 8);
    png += pngChunk("IHDR", std::string(13, '\x01'));
    png += pngChunk("tEXt", "Author\0Dr X, ICU ward 7");
    png += pngChunk("eXIf", "GPS 48.85N");
    png += pngChunk("IDAT", "pixels");
    png += pngChunk("IEND", "");
    const auto stripped = photo::stripMetadata(png);
    ASSERT_TRUE(stripped.ok()) << stripped.error().text();
    EXPECT_EQ(stripped->find("Dr X"), std::string::npos);
    EXPECT_EQ(stripped->find("GPS"), std::string::npos);
    EXPECT_NE(stripped->find("pixels"), std::string::npos);
}

TEST(PhotoMetadata, otherOrDamagedFilesAreRefusedWithAReason)
{
    EXPECT_NE(photo::stripMetadata("GIF89a....").error().text().find("only JPEG and PNG"), std::string::npos);
    std::string truncated = jpegWithExif().substr(0, 30);
    EXPECT_NE(photo::stripMetadata(truncated).error().text().find("damaged JPEG"), std::string::npos);
}

TEST(PhotoMetadata, theDigestIsTheSha256OfTheStoredBytes)
{
    EXPECT_EQ(photo::digestHex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
