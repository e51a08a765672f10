// Test photos: a JPEG-shaped scan of random bytes (no marker inside it), as incompressible as a real photo.
#pragma once

#include "crypto.h"

#include <string>

namespace crf::test {

/// `n` random bytes between a start-of-image and an end-of-image marker (the tablet's stripping keeps them whole).
inline std::string randomJpeg(size_t n)
{
    std::string scan(n, '\0');
    randomBytes(scan.data(), scan.size());
    for (auto& c : scan)
        if (static_cast<unsigned char>(c) == 0xFF)
            c = 0x7F;
    return std::string("\xFF\xD8\xFF\xDA\x00\x08\x01\x01\x00\x00\x3f\x00", 12) + scan + std::string("\xFF\xD9", 2);
}

} // namespace crf::test
