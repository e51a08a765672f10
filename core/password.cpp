#include "password.h"

#include "crypto.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <sodium.h>

namespace crf::password {

Result<std::string> hash(std::string_view password, Cost cost)
{
    ensureCryptoReady();
    const unsigned long long ops =
        cost == Cost::Interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MODERATE;
    const size_t mem = cost == Cost::Interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MODERATE;
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13) !=
        0)
        return Error{"password", "hashing failed (out of memory?)"};
    return std::string(out.data());
}

bool verify(const std::string& encodedHash, std::string_view password)
{
    ensureCryptoReady();
    if (encodedHash.rfind("$argon2id$", 0) != 0)
        return false;
    return crypto_pwhash_str_verify(encodedHash.c_str(), password.data(), password.size()) == 0;
}

Status checkPolicy(std::string_view password, std::string_view userId)
{
    if (password.size() < 12)
        return Error{"password", "must have at least 12 characters"};
    if (password.size() > 256)
        return Error{"password", "must have at most 256 characters"};
    auto lower = [](std::string_view s) {
        std::string out(s);
        std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
        return out;
    };
    const std::string pw = lower(password);
    if (!userId.empty() && pw.find(lower(userId)) != std::string::npos)
        return Error{"password", "must not contain the user id"};
    if (std::all_of(pw.begin(), pw.end(), [&](char c) { return c == pw.front(); }))
        return Error{"password", "must not be one repeated character"};
    // Common passwords padded with digits or symbols (SP 800-63B: check against known-bad values): with the common
    // words and every non-letter taken out, too little is left.
    static const char* const kCommon[] = {"password", "passwort", "motdepasse", "qwerty",  "azerty",
                                          "letmein",  "welcome",  "admin",      "iloveyou"};
    std::string rest = pw;
    for (const char* common : kCommon)
        for (auto at = rest.find(common); at != std::string::npos; at = rest.find(common))
            rest.erase(at, std::string(common).size());
    rest.erase(std::remove_if(rest.begin(), rest.end(), [](unsigned char c) { return !std::isalpha(c); }), rest.end());
    if (rest.size() < 4)
        return Error{"password", "is too close to a well-known password"};
    return {};
}

int64_t OfflineAttempts::waitMs(int64_t nowMs) const
{
    if (failures < kFreeFailures)
        return 0;
    int64_t wait = kFirstWaitMs;
    for (uint32_t n = kFreeFailures; n < failures && wait < kLongestWaitMs; ++n)
        wait *= 2;
    wait = std::min(wait, kLongestWaitMs);
    const int64_t elapsed = std::max<int64_t>(0, nowMs - lastFailureMs);
    return std::max<int64_t>(0, wait - elapsed);
}

Message OfflineAttempts::afterWrong() const
{
    if (onlineOnly())
        return message(
            QT_TRANSLATE_NOOP("Core", "Only an online login (with the network) opens this tablet to you now"));
    if (failures < kFreeFailures) {
        const uint32_t free = kFreeFailures - failures;
        if (free > 3)
            return {};
        return message(QT_TRANSLATE_NOOP("Core", "After %1 more wrong password(s), each try on this tablet must wait"),
                       {Message(std::to_string(free))});
    }
    const int64_t wait = waitMs(lastFailureMs); // the whole wait: every step is a whole number of minutes
    return message(QT_TRANSLATE_NOOP("Core", "Try again in %1 min; after %2 more wrong password(s), only an online "
                                             "login (with the network) opens this tablet to you"),
                   {Message(std::to_string(wait / 60'000)), Message(std::to_string(kMaxFailures - failures))});
}

std::string OfflineAttempts::encode() const
{
    return failures == 0 ? std::string() : std::to_string(failures) + " " + std::to_string(lastFailureMs);
}

OfflineAttempts OfflineAttempts::decode(std::string_view stored)
{
    if (stored.empty())
        return {};
    OfflineAttempts out;
    const auto space = stored.find(' ');
    const auto number = [](std::string_view digits, auto& value) {
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        return error == std::errc() && end == digits.data() + digits.size() && !digits.empty();
    };
    if (space == std::string_view::npos || !number(stored.substr(0, space), out.failures) ||
        !number(stored.substr(space + 1), out.lastFailureMs))
        return {kMaxFailures, 0};
    return out;
}

} // namespace crf::password
