// What the two windows (crf-tablet, crf-review) do alike at start: the gateway's certificate, the language, and the
// screenshot used by scripts/screenshots. Header-only: both executables link Qt Quick, the libraries do not.
#pragma once

#include "language.h"

#include <QCoreApplication>
#include <QFile>
#include <QQuickWindow>
#include <QTimer>
#include <optional>
#include <string>

namespace crf::launch {

/// The PEM of --gateway-ca (empty path: plaintext). An unreadable file is an error naming it (nullopt).
inline std::optional<std::string> gatewayCa(const char* program, const QString& path)
{
    if (path.isEmpty())
        return std::string();
    QFile ca(path);
    if (!ca.open(QIODevice::ReadOnly)) {
        qCritical("%s: --gateway-ca %s: cannot be read", program, qPrintable(path));
        return std::nullopt;
    }
    return ca.readAll().toStdString();
}

/// --lang (else $CRF_LANG, else the system locale); false after naming a language the screens do not have.
inline bool language(const char* program, QCoreApplication& app, const QString& requested)
{
    QString error;
    const QString chosen = ui::chooseLanguage(requested, &error);
    if (chosen.isEmpty()) {
        qCritical("%s: --lang: %s", program, qPrintable(error));
        return false;
    }
    ui::installLanguage(app, chosen);
    return true;
}

/// Saves a PNG of the window `delayMs` after start (the screen settles: a login, a queue), then quits.
inline void screenshotLater(QObject* root, const QString& file, int delayMs)
{
    QTimer::singleShot(delayMs, QCoreApplication::instance(), [root, file] {
        auto* window = qobject_cast<QQuickWindow*>(root);
        const bool ok = window && window->grabWindow().save(file);
        qInfo("screenshot %s: %s", qPrintable(file), ok ? "saved" : "FAILED");
        QCoreApplication::exit(ok ? 0 : 1);
    });
}

} // namespace crf::launch
