#include "crypto.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdexcept>
#include <utility>

namespace crf {

void ensureCryptoReady()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0)
            throw std::runtime_error("libsodium could not be initialised");
    });
}

namespace {

// Fetched once: OpenSSL 3 looks an algorithm up by name in its providers (locks, string compares) on every
// one-shot call such as SHA256(), which cost more than hashing an event.
const EVP_MD* sha256Md()
{
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return md;
}

} // namespace

Digest sha256(std::string_view bytes)
{
    // OpenSSL's SHA-256 uses the CPU's SHA extensions (several times libsodium's portable code on photos); the same
    // libcrypto SQLCipher already links. One context per thread, reused.
    thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    Digest d{};
    unsigned int n = 0;
    if (!ctx || sha256Md() == nullptr || EVP_DigestInit_ex2(ctx.get(), sha256Md(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), d.data(), &n) != 1 || n != d.size())
        throw std::runtime_error("SHA-256 failed");
    return d;
}

Sha256Stream::Sha256Stream() : m_ctx(EVP_MD_CTX_new())
{
    if (m_ctx == nullptr || sha256Md() == nullptr ||
        EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(m_ctx), sha256Md(), nullptr) != 1)
        throw std::runtime_error("SHA-256 could not be initialised");
}

Sha256Stream::~Sha256Stream()
{
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx));
}

Sha256Stream::Sha256Stream(Sha256Stream&& other) noexcept : m_ctx(std::exchange(other.m_ctx, nullptr)) {}

Sha256Stream& Sha256Stream::operator=(Sha256Stream&& other) noexcept
{
    std::swap(m_ctx, other.m_ctx);
    return *this;
}

void Sha256Stream::update(std::string_view bytes)
{
    if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), bytes.data(), bytes.size()) != 1)
        throw std::runtime_error("SHA-256 failed");
}

Digest Sha256Stream::finish()
{
    Digest d{};
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), d.data(), &n) != 1 || n != d.size())
        throw std::runtime_error("SHA-256 failed");
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

namespace {

std::string uuidText(const uint8_t (&b)[16])
{
    char s[37];
    std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                  b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return s;
}

} // namespace

std::string uuidV4()
{
    uint8_t b[16];
    randomBytes(b, sizeof b);
    b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40); // RFC 4122 4.4: version 4
    b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80); // variant 10
    return uuidText(b);
}

std::string uuidV7(int64_t unixMs)
{
    uint8_t b[16];
    randomBytes(b, sizeof b);
    const auto ms = static_cast<uint64_t>(std::max<int64_t>(unixMs, 0)) & 0xffffffffffffULL; // unix_ts_ms: 48 bits
    for (int i = 0; i < 6; ++i)
        b[i] = static_cast<uint8_t>(ms >> (8 * (5 - i))); // big-endian
    b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x70);    // RFC 9562 5.7: version 7
    b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);    // variant 10
    return uuidText(b);
}

void secureWipe(void* p, size_t len)
{
    ensureCryptoReady();
    sodium_memzero(p, len);
}

std::string randomHex(size_t bytes)
{
    std::string raw(bytes, '\0');
    randomBytes(raw.data(), raw.size());
    return toHex(raw);
}

} // namespace crf
