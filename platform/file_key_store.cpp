// FileKeyStore: development-only fallback when no OS keychain answers (headless CI, containers).
#include "key_store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace crf::platform {
namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

class FileKeyStore final : public KeyStore {
public:
    explicit FileKeyStore(QString dir) : m_dir(std::move(dir)) {}

    Result<std::optional<SecretKey>> load(const QString& name) override
    {
        const QString path = pathFor(name);
        const QByteArray native = QFile::encodeName(path);
        const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                return std::optional<SecretKey>();
            return Error{path.toStdString(), std::string("cannot read key file: ") + std::strerror(errno)};
        }
        struct stat st {};
        if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
            ::close(fd);
            return Error{path.toStdString(), "key file is readable by others (mode must be 0600); refusing to use it"};
        }
        char buf[SecretKey::kSize * 2 + 2];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        ::close(fd);
        SecretKey key;
        bool ok = n >= static_cast<ssize_t>(SecretKey::kSize * 2);
        for (size_t i = 0; ok && i < SecretKey::kSize; ++i) {
            const int hi = hexValue(buf[2 * i]), lo = hexValue(buf[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            key.data()[i] = static_cast<uint8_t>(hi << 4 | lo);
        }
        secureWipe(buf, sizeof buf);
        if (!ok)
            return Error{path.toStdString(), "key file is damaged (expected 64 hex digits)"};
        return std::optional<SecretKey>(std::move(key));
    }

    Status save(const QString& name, const SecretKey& key) override
    {
        if (!QDir().mkpath(m_dir))
            return Error{m_dir.toStdString(), "cannot create key directory"};
        const QString path = pathFor(name);
        const QByteArray native = QFile::encodeName(path);
        // O_EXCL: never replace an existing key (that would make its database unreadable).
        const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return Error{path.toStdString(), std::string("cannot create key file: ") + std::strerror(errno)};
        std::string hex = toHex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
        hex.push_back('\n');
        const bool written =
            ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
        secureWipe(hex.data(), hex.size());
        ::close(fd);
        if (!written) {
            ::unlink(native.constData());
            return Error{path.toStdString(), "cannot write key file"};
        }
        return {};
    }

    QString describe() const override { return QStringLiteral("key file in %1 (development only)").arg(m_dir); }
    bool developmentOnly() const override { return true; }

private:
    QString pathFor(const QString& name) const { return QDir(m_dir).filePath(name + QStringLiteral(".key")); }
    QString m_dir;
};

} // namespace

std::unique_ptr<KeyStore> makeFileKeyStore(const QString& dir)
{
    return std::make_unique<FileKeyStore>(dir);
}

} // namespace crf::platform
