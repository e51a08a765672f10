// TcpRelay: a loopback TCP relay between a client and a server that counts the bytes each way and can cut every
// open connection at a chosen byte. The wire for fault tests (a connection cut mid-batch, mid-chunk) and for
// crf-bench (bytes on the wire, HTTP/2 framing included).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace crf::net {

class TcpRelay {
public:
    /// Listens on 127.0.0.1 (a free port) and forwards each accepted connection to `targetHost:targetPort`.
    /// Throws std::runtime_error when it cannot listen.
    TcpRelay(std::string targetHost, int targetPort);
    ~TcpRelay();
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;

    int port() const { return m_port; }
    std::string address() const { return "127.0.0.1:" + std::to_string(m_port); }

    enum class Direction { Upstream, Downstream }; // client -> server, server -> client
    /// After a cut: `Blip`, later connections pass through again at once; `UntilRestored`, they are refused until
    /// restore() (the ward's Wi-Fi stays down until the next pass).
    enum class Outage { Blip, UntilRestored };
    /// Arms a one-shot cut: once `bytes` more bytes have gone in `direction` (counted from now, over all
    /// connections), the byte stream stops exactly there and every open connection is closed abruptly.
    void cutAfter(Direction direction, uint64_t bytes, Outage outage = Outage::Blip);
    /// Ends an `UntilRestored` outage: connections pass through again.
    void restore() { m_refusing = false; }
    /// Arms a one-shot loss of the answer: once `bytes` more bytes have gone upstream, nothing more comes back and
    /// every open connection is closed (the request reached the server whole; its response is lost).
    void cutAnswersAfterUpstream(uint64_t bytes);
    /// Whether the armed cut has happened.
    bool cut() const { return m_cutDone.load(); }

    uint64_t upstreamBytes() const { return m_up.load(); }
    uint64_t downstreamBytes() const { return m_down.load(); }

private:
    void acceptLoop();
    void pump(int client, int server);
    /// How many of `n` bytes going in `d` may pass before the armed cut (n when none is armed).
    size_t allowance(Direction d, size_t n);

    std::string m_host;
    int m_targetPort;
    int m_listen = -1;
    int m_port = 0;
    int m_wake[2] = {-1, -1}; // self-pipe that stops the threads
    std::atomic<uint64_t> m_up{0}, m_down{0};
    std::mutex m_mutex;
    bool m_armed = false;
    Direction m_cutDirection = Direction::Upstream;
    uint64_t m_cutAt = 0; // counter value in m_cutDirection at which the stream stops
    bool m_answerCutArmed = false;
    uint64_t m_answerCutAfterUp = 0;
    Outage m_outage = Outage::Blip;
    std::atomic<bool> m_refusing{false}; // an UntilRestored outage is on
    std::atomic<bool> m_cutDone{false};
    std::atomic<uint64_t> m_cutGeneration{0};
    std::thread m_acceptor;
    std::vector<std::thread> m_pumps;
};

} // namespace crf::net
