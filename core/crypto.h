// Crypto primitives used by the domain: SHA-256 (OpenSSL), CSPRNG bytes, UUIDs (libsodium).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace crf {

using Digest = std::array<uint8_t, 32>;
/// The digest as a byte string (how hashes travel in events and sit in databases).
inline std::string digestBytes(const Digest& d)
{
    return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

/// Initialises libsodium once; safe to call from any thread, any number of times.
void ensureCryptoReady();

Digest sha256(std::string_view bytes);

/// SHA-256 fed piece by piece (a photo checked as its chunks arrive, without reading it back).
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(Sha256Stream&& other) noexcept;
    Sha256Stream& operator=(Sha256Stream&& other) noexcept;
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(std::string_view bytes);
    Digest finish();

private:
    void* m_ctx; // EVP_MD_CTX
};
std::string toHex(std::string_view bytes);
std::string toHex(const Digest& d);
/// Fills `out` from the OS CSPRNG.
void randomBytes(void* out, size_t len);
/// `bytes` random bytes from the OS CSPRNG, as lower-case hex (tokens, device secrets).
std::string randomHex(size_t bytes);
/// A random (version 4) UUID in canonical text form.
std::string uuidV4();
/// A time-ordered (version 7, RFC 9562 5.7) UUID: `unixMs` in its first 48 bits, then 74 random bits. Ids made later
/// sort later, so an index on them grows at its end instead of touching a random page per insert.
std::string uuidV7(int64_t unixMs);
/// Overwrites memory in a way the compiler may not optimise away (key material).
void secureWipe(void* p, size_t len);

} // namespace crf

namespace crf {

/// 256 bits of key material, wiped when destroyed; move-only so copies do not linger in memory.
class SecretKey {
public:
    static constexpr size_t kSize = 32;
    SecretKey() = default;
    ~SecretKey() { secureWipe(m_bytes.data(), m_bytes.size()); }
    SecretKey(SecretKey&& o) noexcept : m_bytes(o.m_bytes) { secureWipe(o.m_bytes.data(), kSize); }
    SecretKey& operator=(SecretKey&& o) noexcept
    {
        m_bytes = o.m_bytes;
        secureWipe(o.m_bytes.data(), kSize);
        return *this;
    }
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;

    static SecretKey random()
    {
        SecretKey k;
        randomBytes(k.m_bytes.data(), kSize);
        return k;
    }
    uint8_t* data() { return m_bytes.data(); }
    const uint8_t* data() const { return m_bytes.data(); }
    size_t size() const { return kSize; }

private:
    std::array<uint8_t, kSize> m_bytes{};
};

} // namespace crf
