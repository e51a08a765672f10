// KeyStore: where the tablet keeps its database key (KeePassXC QuickUnlockInterface pattern).
#pragma once

#include "crypto.h"
#include "result.h"

#include <QString>
#include <memory>
#include <optional>

namespace crf::platform {

/// Holds named 256-bit secrets. Implementations block until the backend answers (call off the UI thread).
class KeyStore {
public:
    virtual ~KeyStore() = default;
    /// The key, nothing when none is stored yet, or an error when the backend fails.
    virtual Result<std::optional<SecretKey>> load(const QString& name) = 0;
    virtual Status save(const QString& name, const SecretKey& key) = 0;
    /// Human-readable backend name for logs and the about screen (never the key).
    virtual QString describe() const = 0;
    /// True when the backend is only acceptable for development (the file fallback).
    virtual bool developmentOnly() const = 0;
};

/// QtKeychain (libsecret / Keychain / Keystore). Available only when a keychain service answers.
std::unique_ptr<KeyStore> makeKeychainKeyStore(const QString& service);
/// Probes QtKeychain with a bounded wait; false when no keychain service answers.
bool keychainAvailable(const QString& service, int timeoutMs = 3000);

/// DEVELOPMENT ONLY: keys as hex in 0600 files under `dir`. Anyone with the file can read the database.
std::unique_ptr<KeyStore> makeFileKeyStore(const QString& dir);

/// Picks a backend: CRF_KEYSTORE=keychain|file forces one; otherwise the keychain when it answers,
/// else the file fallback (with a warning on stderr that it is development-only).
std::unique_ptr<KeyStore> makeDefaultKeyStore(const QString& dataDir);

} // namespace crf::platform
