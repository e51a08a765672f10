// Test helpers: temporary folders, file scans, and waiting for AppCore callbacks on the test's event loop.
#pragma once

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

namespace crf::test {

inline std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

/// Runs the Qt event loop until `done()` or the timeout; returns done().
inline bool spinUntil(const std::function<bool()>& done, int timeoutMs = 15000)
{
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(1);
    }
    return done();
}

/// Calls an AppCore-style async function and waits for its result.
template <typename R, typename F> R await(F&& start)
{
    std::optional<R> result;
    start([&](R r) { result.emplace(std::move(r)); });
    spinUntil([&] { return result.has_value(); });
    if (!result)
        throw std::runtime_error("timed out waiting for a callback");
    return std::move(*result);
}

} // namespace crf::test
