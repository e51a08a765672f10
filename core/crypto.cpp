#include "crypto.h"

#include <cstdio>
#include <mutex>
#include <sodium.h>
#include <stdexcept>

namespace crf {

void ensureCryptoReady()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0)
            throw std::runtime_error("libsodium could not be initialised");
    });
}

Digest sha256(std::string_view bytes)
{
    ensureCryptoReady();
    Digest d{};
    crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return d;
}

std::string toHex(std::string_view bytes)
{
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xf]);
    }
    return out;
}

std::string toHex(const Digest& d)
{
    return toHex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

void randomBytes(void* out, size_t len)
{
    ensureCryptoReady();
    randombytes_buf(out, len);
}

std::string uuidV4()
{
    uint8_t b[16];
    randomBytes(b, sizeof b);
    b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40); // RFC 4122 4.4: version 4
    b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80); // variant 10
    char s[37];
    std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                  b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return s;
}

void secureWipe(void* p, size_t len)
{
    ensureCryptoReady();
    sodium_memzero(p, len);
}

} // namespace crf
