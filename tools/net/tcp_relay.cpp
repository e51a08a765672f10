#include "tcp_relay.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace crf::net {
namespace {

int connectTo(const std::string& host, int port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/// Closes with a reset (SO_LINGER 0): the peer sees the connection break, not an orderly end of stream.
void abort(int fd)
{
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

bool writeAll(int fd, const char* p, size_t n)
{
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

} // namespace

TcpRelay::TcpRelay(std::string targetHost, int targetPort) : m_host(std::move(targetHost)), m_targetPort(targetPort)
{
    if (::pipe2(m_wake, O_CLOEXEC) != 0)
        throw std::runtime_error("tcp relay: pipe failed");
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(m_listen, 16) != 0 || ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw std::runtime_error(std::string("tcp relay: cannot listen on loopback: ") + std::strerror(errno));
    m_port = ntohs(addr.sin_port);
    m_acceptor = std::thread([this] { acceptLoop(); });
}

TcpRelay::~TcpRelay()
{
    const char stop = 1;
    [[maybe_unused]] const auto w = ::write(m_wake[1], &stop, 1);
    m_acceptor.join();
    for (auto& t : m_pumps)
        t.join();
    ::close(m_listen);
    ::close(m_wake[0]);
    ::close(m_wake[1]);
}

void TcpRelay::cutAfter(Direction direction, uint64_t bytes, Outage outage)
{
    std::lock_guard lock(m_mutex);
    m_armed = true;
    m_outage = outage;
    m_cutDone = false;
    m_cutDirection = direction;
    m_cutAt = (direction == Direction::Upstream ? m_up.load() : m_down.load()) + bytes;
}

void TcpRelay::cutAnswersAfterUpstream(uint64_t bytes)
{
    std::lock_guard lock(m_mutex);
    m_armed = false;
    m_cutDone = false;
    m_answerCutArmed = true;
    m_answerCutAfterUp = m_up.load() + bytes;
}

size_t TcpRelay::allowance(Direction d, size_t n)
{
    std::lock_guard lock(m_mutex);
    auto& counter = d == Direction::Upstream ? m_up : m_down;
    if (m_answerCutArmed && d == Direction::Downstream && m_up.load() >= m_answerCutAfterUp) {
        m_answerCutArmed = false;
        m_armed = true;
        m_cutDirection = Direction::Downstream;
        m_cutAt = counter.load(); // nothing more passes
    }
    size_t pass = n;
    if (m_armed && d == m_cutDirection)
        pass = static_cast<size_t>(std::min<uint64_t>(n, m_cutAt - counter.load()));
    counter += pass;
    if (m_armed && d == m_cutDirection && counter.load() >= m_cutAt) {
        m_armed = false;
        m_cutDone = true;
        m_refusing = m_outage == Outage::UntilRestored; // before the pumps close: no connection slips in between
        ++m_cutGeneration;                              // every pump closes its connection
    }
    return pass;
}

void TcpRelay::acceptLoop()
{
    while (true) {
        pollfd fds[2] = {{m_listen, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR)
            return;
        if (fds[1].revents)
            return;
        if (!(fds[0].revents & POLLIN))
            continue;
        const int client = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0)
            continue;
        const int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (m_refusing) {
            abort(client); // the outage lasts: the client sees its connection fail, as with the Wi-Fi down
            continue;
        }
        const int server = connectTo(m_host, m_targetPort);
        if (server < 0) {
            abort(client); // the server is down: the client sees a refused connection, as it would directly
            continue;
        }
        m_pumps.emplace_back([this, client, server] { pump(client, server); });
    }
}

void TcpRelay::pump(int client, int server)
{
    const uint64_t generation = m_cutGeneration.load();
    std::vector<char> buffer(256 * 1024);
    while (true) {
        pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
        if (::poll(fds, 3, 50) < 0 && errno != EINTR)
            break;
        if (fds[2].revents || m_cutGeneration.load() != generation)
            break;
        bool closed = false;
        for (int i = 0; i < 2 && !closed; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const int from = i == 0 ? client : server, to = i == 0 ? server : client;
            const ssize_t n = ::recv(from, buffer.data(), buffer.size(), 0);
            if (n <= 0) {
                closed = true;
                break;
            }
            const size_t pass = allowance(i == 0 ? Direction::Upstream : Direction::Downstream, static_cast<size_t>(n));
            if (!writeAll(to, buffer.data(), pass) || pass < static_cast<size_t>(n))
                closed = true;
        }
        if (closed || m_cutGeneration.load() != generation)
            break;
    }
    abort(client);
    abort(server);
}

} // namespace crf::net
