#include "identity.h"

#include "crypto.h"
#include "password.h"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace crf::gateway {
namespace {

std::string tokenHash(const std::string& token)
{
    return digestBytes(sha256(token));
}

std::string utcMinute(int64_t ms)
{
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

// The same words for an unknown user and a wrong password: a login form must not confirm which accounts exist.
const Message kBadCredentials = message(QT_TRANSLATE_NOOP("Core", "user id or password is wrong"));

} // namespace

bool isValidId(const std::string& id)
{
    if (id.empty() || id.size() > 64)
        return false;
    return std::all_of(id.begin(), id.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '@'; });
}

Identity::Identity(IdentityStore& store, const Clock& clock, Options options)
    : m_store(store), m_clock(clock), m_options(options)
{
}

SecurityEvent Identity::entry(const std::string& actor, const std::string& action, const std::string& target,
                              const std::string& detail) const
{
    return SecurityEvent{0, m_clock.nowMs(), actor, action, target, detail};
}

Status Identity::addUser(const std::string& actor, const std::string& userId, const std::string& printedName,
                         const std::string& password)
{
    if (!isValidId(userId))
        return Error{"user id", "\"" + userId + "\" is not valid (1-64 letters, digits, . - _ @)"};
    if (printedName.empty())
        return Error{"printed name", "is required (it appears on electronic signatures)"};
    if (auto policy = password::checkPolicy(password, userId); !policy)
        return policy.error();
    auto hashed = password::hash(password);
    if (!hashed)
        return hashed.error();
    UserRecord u{userId, printedName, hashed.value(), m_clock.nowMs(), 0, 0, 0};
    if (!m_store.addUser(u, entry(actor, "user.add", userId, printedName)))
        return Error{"user " + userId, "exists or existed: user ids are never reused"};
    return {};
}

Status Identity::disableUser(const std::string& actor, const std::string& userId)
{
    auto u = m_store.user(userId);
    if (!u)
        return Error{"user " + userId, "no such user"};
    if (u->disabledAtMs != 0)
        return Error{"user " + userId, "is already disabled"};
    u->disabledAtMs = m_clock.nowMs();
    m_store.updateUser(*u, entry(actor, "user.disable", userId));
    return {};
}

Status Identity::unlockUser(const std::string& actor, const std::string& userId)
{
    auto u = m_store.user(userId);
    if (!u)
        return Error{"user " + userId, "no such user"};
    u->lockedUntilMs = 0;
    u->failedLogins = 0;
    m_store.updateUser(*u, entry(actor, "user.unlock", userId));
    return {};
}

Result<int64_t> Identity::grant(const std::string& actor, const std::string& userId, const std::string& roleText,
                                const std::string& studyId, const std::string& siteId, int64_t startMs, int64_t endMs)
{
    const auto role = parseRole(roleText);
    if (!role) {
        std::string known;
        for (const auto& n : roleNames())
            known += (known.empty() ? "" : ", ") + n;
        return Error{"role", "\"" + roleText + "\" is not a role (one of: " + known + ")"};
    }
    auto u = m_store.user(userId);
    if (!u)
        return Error{"user " + userId, "no such user"};
    if (u->disabledAtMs != 0)
        return Error{"user " + userId, "is disabled"};
    if (studyId.empty() || (studyId != "*" && !isValidId(studyId)))
        return Error{"study", "a study id (or * for the gateway administrator) is required"};
    if (siteId.empty() || (siteId != "*" && !isValidId(siteId)))
        return Error{"site", "a site id (or * for a study-wide role) is required"};
    if (siteBound(*role) && siteId == "*")
        return Error{"site", std::string(roleName(*role)) + " is granted for one site at a time, not *"};
    if (*role == Role::GatewayAdmin && (studyId != "*" || siteId != "*"))
        return Error{"role", "gateway_admin is granted for study * and site * (it sees no clinical data)"};
    if (*role != Role::GatewayAdmin && studyId == "*")
        return Error{"study", "only gateway_admin is granted for every study"};
    const int64_t now = m_clock.nowMs();
    GrantRecord g{0, userId, roleName(*role), studyId, siteId, startMs == 0 ? now : startMs, endMs, actor, {}};
    if (g.endMs != 0 && g.endMs <= g.startMs)
        return Error{"grant", "ends before it starts"};
    return m_store.addGrant(g, entry(actor, "grant.add", userId, g.role + " " + studyId + "/" + siteId));
}

Status Identity::revoke(const std::string& actor, int64_t grantId)
{
    const int64_t now = m_clock.nowMs();
    std::string target, detail;
    for (const auto& g : m_store.grants({}))
        if (g.id == grantId) {
            target = g.userId;
            detail = "grant " + std::to_string(g.id) + ": " + g.role + " " + g.studyId + "/" + g.siteId;
        }
    if (target.empty())
        return Error{"grant " + std::to_string(grantId), "no such grant"};
    if (!m_store.endGrant(grantId, now, actor, entry(actor, "grant.revoke", target, detail)))
        return Error{"grant " + std::to_string(grantId), "has already ended"};
    return {};
}

Status Identity::revokeDevice(const std::string& actor, const std::string& deviceId)
{
    auto d = m_store.device(deviceId);
    if (!d)
        return Error{"device " + deviceId, "is not enrolled"};
    if (d->revokedAtMs != 0)
        return Error{"device " + deviceId, "is already revoked"};
    d->revokedAtMs = m_clock.nowMs();
    d->revokedBy = actor;
    m_store.putDevice(*d, entry(actor, "device.revoke", deviceId));
    return {};
}

std::vector<GrantRecord> Identity::activeGrants(const std::string& userId, int64_t atMs)
{
    auto all = m_store.grants(userId);
    all.erase(std::remove_if(all.begin(), all.end(), [&](const GrantRecord& g) { return !g.activeAt(atMs); }),
              all.end());
    return all;
}

bool Identity::checkPassword(const std::string& encodedHash, const std::string& password)
{
    {
        std::unique_lock lock(m_checksMutex);
        m_checksFree.wait(lock, [&] { return m_checksRunning < std::max(1, m_options.concurrentPasswordChecks); });
        m_checksPeak = std::max(m_checksPeak, ++m_checksRunning);
    }
    const bool ok = password::verify(encodedHash, password);
    {
        std::lock_guard lock(m_checksMutex);
        --m_checksRunning;
    }
    m_checksFree.notify_one();
    return ok;
}

std::pair<Verdict, v1::LoginResponse> Identity::login(const v1::LoginRequest& request)
{
    const int64_t now = m_clock.nowMs();
    const std::string& userId = request.user_id();
    auto refuse = [&](Refusal r, Message message, const std::string& action, const std::string& detail) {
        m_store.log(entry(userId.empty() ? "-" : userId, action, request.device_id(), detail));
        return std::make_pair(Verdict{r, std::move(message)}, v1::LoginResponse{});
    };
    if (!isValidId(request.device_id()))
        return refuse(Refusal::InvalidArgument,
                      message(QT_TRANSLATE_NOOP("Core", "the device id is missing or not valid")), "login.refused",
                      "bad device id");
    auto u = isValidId(userId) ? m_store.user(userId) : std::nullopt;
    if (!u) {
        // Spend the same effort as a real check, so timing does not reveal which ids exist.
        (void)checkPassword("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                            "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWY",
                            request.password());
        return refuse(Refusal::Unauthenticated, kBadCredentials, "login.failed", "unknown user");
    }
    if (u->disabledAtMs != 0)
        return refuse(Refusal::PermissionDenied, message(QT_TRANSLATE_NOOP("Core", "this account is disabled")),
                      "login.refused", "account disabled");
    if (u->lockedUntilMs > now)
        return refuse(Refusal::PermissionDenied,
                      message(QT_TRANSLATE_NOOP("Core", "this account is locked after repeated failed logins until %1"),
                              {utcMinute(u->lockedUntilMs)}),
                      "login.refused", "account locked");
    if (!checkPassword(u->passwordHash, request.password())) {
        // Counted in the store, atomically: several gateway instances share one count (docs/security.md lockout).
        const int64_t until = now + m_options.lockoutMs;
        const auto after =
            m_store.countFailedLogin(userId, m_options.maxFailedLogins, until, [&](const UserRecord& a, int counted) {
                std::vector<SecurityEvent> lines{entry(userId, "login.failed", request.device_id(),
                                                       "wrong password (" + std::to_string(counted) + ")")};
                if (counted >= m_options.maxFailedLogins)
                    lines.push_back(entry(userId, "user.locked", userId,
                                          std::to_string(m_options.maxFailedLogins) + " failed logins; until " +
                                              utcMinute(a.lockedUntilMs)));
                return lines;
            });
        if (after && after->lockedUntilMs == until)
            return {
                Verdict{Refusal::PermissionDenied,
                        message(QT_TRANSLATE_NOOP("Core", "too many failed logins: this account is locked until %1"),
                                {utcMinute(until)})},
                {}};
        return {Verdict{Refusal::Unauthenticated, kBadCredentials}, {}};
    }
    // The device: enrolled at its first login (by this user), then its secret is required.
    std::string newSecret;
    auto device = m_store.device(request.device_id());
    if (!request.enrol_secret().empty() && request.enrol_secret().size() < 32)
        return refuse(Refusal::PermissionDenied,
                      message(QT_TRANSLATE_NOOP("Core", "the device's enrolment secret is too short")), "login.refused",
                      "weak enrolment secret");
    // A device that made its own secret presents it until its enrolment is confirmed: a retry after a lost answer.
    const std::string& presented = request.device_secret().empty() ? request.enrol_secret() : request.device_secret();
    if (!device) {
        if (!request.device_secret().empty())
            return refuse(Refusal::PermissionDenied,
                          message(QT_TRANSLATE_NOOP("Core", "this device is not enrolled at this gateway")),
                          "login.refused", "unknown device with a credential");
        newSecret = request.enrol_secret().empty() ? randomHex(32) : request.enrol_secret();
        m_store.putDevice(DeviceRecord{request.device_id(), tokenHash(newSecret), userId, now, 0, {}},
                          entry(userId, "device.enrol", request.device_id()));
    } else if (device->revokedAtMs != 0) {
        return refuse(Refusal::PermissionDenied,
                      message(QT_TRANSLATE_NOOP("Core", "this device has been revoked: ask the gateway administrator")),
                      "login.refused", "device revoked");
    } else if (presented.empty() || tokenHash(presented) != device->secretHash) {
        return refuse(
            Refusal::PermissionDenied,
            message(QT_TRANSLATE_NOOP("Core", "this device's credential is wrong (restored or copied tablet?)")),
            "login.refused", "device credential wrong");
    }
    if (u->failedLogins != 0) {
        u->failedLogins = 0;
        m_store.updateUser(*u, std::nullopt);
    }
    const std::string token = randomHex(32);
    const SessionRecord session{tokenHash(token), userId, request.device_id(), now, now + m_options.sessionTtlMs, 0};
    // Wrong passwords the tablet checked alone since this user's last online login there: reported with the login.
    const std::string offline =
        request.offline_failures() == 0
            ? std::string()
            : std::to_string(request.offline_failures()) + " wrong password(s) checked offline on this device before";
    m_store.addSession(session, entry(userId, "login", request.device_id(), offline));

    v1::LoginResponse out;
    out.set_token(token);
    out.set_expires_at_ms(session.expiresAtMs);
    out.set_user_id(userId);
    out.set_printed_name(u->printedName);
    out.set_device_secret(newSecret.empty() && request.device_secret().empty() ? request.enrol_secret() : newSecret);
    out.set_server_time_ms(now);
    for (const auto& g : activeGrants(userId, now)) {
        auto* grant = out.add_grants();
        grant->set_role(g.role);
        grant->set_study_id(g.studyId);
        grant->set_site_id(g.siteId);
        grant->set_start_ms(g.startMs);
        grant->set_end_ms(g.endMs);
    }
    return {Verdict::allow(), std::move(out)};
}

std::pair<Verdict, Principal> Identity::authenticate(const std::string& token)
{
    if (token.empty())
        return {
            Verdict{Refusal::Unauthenticated, message(QT_TRANSLATE_NOOP("Core", "not logged in (no session token)"))},
            {}};
    const int64_t now = m_clock.nowMs();
    const auto caller = m_store.sessionCaller(tokenHash(token));
    if (!caller)
        return {Verdict{Refusal::Unauthenticated,
                        message(QT_TRANSLATE_NOOP("Core", "the session is not known: log in again"))},
                {}};
    const SessionRecord* session = &caller->session;
    if (session->endedAtMs != 0)
        return {Verdict{Refusal::Unauthenticated,
                        message(QT_TRANSLATE_NOOP("Core", "the session has ended: log in again"))},
                {}};
    if (session->expiresAtMs <= now)
        return {Verdict{Refusal::Unauthenticated,
                        message(QT_TRANSLATE_NOOP("Core", "the session has expired: log in again"))},
                {}};
    const auto& device = caller->device;
    if (!device || device->revokedAtMs != 0)
        return {
            Verdict{Refusal::PermissionDenied,
                    message(QT_TRANSLATE_NOOP("Core", "this device has been revoked: ask the gateway administrator"))},
            {}};
    const auto& u = caller->user;
    if (!u || u->disabledAtMs != 0)
        return {Verdict{Refusal::PermissionDenied, message(QT_TRANSLATE_NOOP("Core", "this account is disabled"))}, {}};
    return {Verdict::allow(), Principal{u->userId, session->deviceId, u->printedName, activeGrants(u->userId, now)}};
}

void Identity::logout(const std::string& token)
{
    const auto session = m_store.session(tokenHash(token));
    if (!session || session->endedAtMs != 0)
        return;
    m_store.endSession(session->tokenHash, m_clock.nowMs(), entry(session->userId, "logout", session->deviceId));
}

} // namespace crf::gateway
