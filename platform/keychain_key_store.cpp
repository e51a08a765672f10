// KeychainKeyStore: the production key store through QtKeychain (libsecret, Keychain, Android Keystore).
#include "key_store.h"

#include <QEventLoop>
#include <QTimer>
#include <cstdio>
#include <cstring>
#include <qt6keychain/keychain.h>

namespace crf::platform {
namespace {

/// Runs a QtKeychain job to completion with a bounded wait (the job is asynchronous).
bool runJob(QKeychain::Job& job, int timeoutMs)
{
    QEventLoop loop;
    bool finished = false;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, [&] {
        finished = true;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    job.setAutoDelete(false);
    job.start();
    if (!finished)
        loop.exec();
    return finished;
}

class KeychainKeyStore final : public KeyStore {
public:
    explicit KeychainKeyStore(QString service) : m_service(std::move(service)) {}

    Result<std::optional<SecretKey>> load(const QString& name) override
    {
        QKeychain::ReadPasswordJob job(m_service);
        job.setKey(name);
        if (!runJob(job, 10000))
            return Error{"keychain", "no answer from the keychain service"};
        if (job.error() == QKeychain::EntryNotFound)
            return std::optional<SecretKey>();
        if (job.error() != QKeychain::NoError)
            return Error{"keychain", job.errorString().toStdString()};
        QByteArray data = job.binaryData();
        if (static_cast<size_t>(data.size()) != SecretKey::kSize) {
            secureWipe(data.data(), static_cast<size_t>(data.size()));
            return Error{"keychain entry " + name.toStdString(), "stored key has the wrong length"};
        }
        SecretKey key;
        std::memcpy(key.data(), data.constData(), SecretKey::kSize);
        secureWipe(data.data(), static_cast<size_t>(data.size()));
        return std::optional<SecretKey>(std::move(key));
    }

    Status save(const QString& name, const SecretKey& key) override
    {
        QKeychain::WritePasswordJob job(m_service);
        job.setKey(name);
        QByteArray data(reinterpret_cast<const char*>(key.data()), static_cast<qsizetype>(key.size()));
        job.setBinaryData(data);
        secureWipe(data.data(), static_cast<size_t>(data.size()));
        if (!runJob(job, 10000))
            return Error{"keychain", "no answer from the keychain service"};
        if (job.error() != QKeychain::NoError)
            return Error{"keychain", job.errorString().toStdString()};
        return {};
    }

    QString describe() const override { return QStringLiteral("OS keychain (service %1)").arg(m_service); }
    bool developmentOnly() const override { return false; }

private:
    QString m_service;
};

} // namespace

std::unique_ptr<KeyStore> makeKeychainKeyStore(const QString& service)
{
    return std::make_unique<KeychainKeyStore>(service);
}

bool keychainAvailable(const QString& service, int timeoutMs)
{
    // Without a session bus libsecret cannot answer; skip the probe rather than wait for its timeout.
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        return false;
    QKeychain::ReadPasswordJob job(service);
    job.setKey(QStringLiteral("crf-keychain-probe"));
    if (!runJob(job, timeoutMs))
        return false;
    return job.error() == QKeychain::NoError || job.error() == QKeychain::EntryNotFound;
}

std::unique_ptr<KeyStore> makeDefaultKeyStore(const QString& dataDir)
{
    const QByteArray forced = qgetenv("CRF_KEYSTORE");
    const QString service = QStringLiteral("crf-tablet");
    if (forced == "keychain")
        return makeKeychainKeyStore(service);
    if (forced != "file" && keychainAvailable(service))
        return makeKeychainKeyStore(service);
    if (forced != "file")
        std::fprintf(stderr, "crf: no keychain service answers; using the development-only key file in %s\n",
                     qPrintable(dataDir));
    return makeFileKeyStore(dataDir);
}

} // namespace crf::platform
