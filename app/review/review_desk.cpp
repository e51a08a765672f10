#include "review_desk.h"

#include "crypto.h"
#include "sync_client.h"

#include <QPointer>
#include <QQmlEngine>
#include <algorithm>

namespace crf::ui {

/// Owns the gateway channel on the desk's thread (gRPC calls block).
class ReviewWorker : public QObject {
public:
    std::unique_ptr<sync::SyncClient> client;
};

namespace {
constexpr char kAssessorRole[] = "central_assessor";
}

ReviewDesk::ReviewDesk(ReviewConfig config, QObject* parent) : QObject(parent), m_config(std::move(config))
{
    m_thread.setObjectName(QStringLiteral("crf-review"));
    m_worker = new ReviewWorker;
    m_worker->client =
        std::make_unique<sync::SyncClient>(m_config.gatewayAddress.toStdString(), std::chrono::seconds(20),
                                           sync::SyncClient::Transport{m_config.gatewayRootCertPem});
    m_worker->client->setConnectWait(m_config.connectWait);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

ReviewDesk::~ReviewDesk()
{
    m_thread.quit();
    m_thread.wait();
}

QString ReviewDesk::studyId() const
{
    return m_config.definition ? QString::fromStdString(m_config.definition->study_id()) : QString();
}

template <typename R> void ReviewDesk::call(std::function<R(sync::SyncClient&)> fn, std::function<void(R)> done)
{
    ++m_busy;
    emit changed();
    QPointer<ReviewDesk> self(this);
    ReviewWorker* worker = m_worker;
    QMetaObject::invokeMethod(worker, [self, worker, fn = std::move(fn), done = std::move(done)] {
        R r = fn(*worker->client);
        QMetaObject::invokeMethod(
            self,
            [self, r = std::move(r), done] {
                if (!self)
                    return;
                --self->m_busy;
                done(r);
                emit self->changed();
            },
            Qt::QueuedConnection);
    });
}

void ReviewDesk::fail(const Error& e)
{
    // A desk keeps nothing: the tablets' wording ("changes are kept on this tablet") would promise what it does not do.
    if (sync::notReached(e)) {
        m_message = tr("The gateway at %1 is out of reach, so nothing was sent: check the network, then try again.")
                        .arg(m_config.gatewayAddress);
        return;
    }
    // The gateway's own words (role, unknown code, score out of range); never patient data.
    m_message = QString::fromStdString(e.text());
}

template <typename R>
std::function<R(sync::SyncClient&)> ReviewDesk::reached(const char* where, std::function<R(sync::SyncClient&)> fn)
{
    // One connection attempt first (SyncClient::reach): a desk whose gateway went away says so at once instead of
    // after the whole connect wait, and uses it again as soon as it is back.
    return [where, fn = std::move(fn)](sync::SyncClient& client) -> R {
        if (Status up = client.reach(where); !up)
            return up.error();
        return fn(client);
    };
}

void ReviewDesk::login(const QString& userId, const QString& password)
{
    if (userId.trimmed().isEmpty() || password.isEmpty()) {
        m_message = tr("Enter your user id and password.");
        emit changed();
        return;
    }
    const std::string study = studyId().toStdString();
    v1::LoginRequest request;
    request.set_user_id(userId.trimmed().toStdString());
    request.set_password(password.toStdString());
    // A desk keeps nothing on disk: each session is a device of its own, enrolled at this login (security log).
    request.set_device_id("review-desk-" + randomHex(8));
    request.set_enrol_secret(randomHex(32));
    call<Result<v1::LoginResponse>>(
        [request, study](sync::SyncClient& client) -> Result<v1::LoginResponse> {
            auto in = client.login(request);
            if (!in)
                return in;
            for (const auto& g : in->grants())
                if (g.role() == kAssessorRole && g.study_id() == study)
                    return in;
            client.logout();
            return Error{"login", "you are not a central assessor of " + study + " (ask the administrator)"};
        },
        [this, userId](Result<v1::LoginResponse> in) {
            if (!in) {
                fail(in.error());
                return;
            }
            m_loggedIn = true;
            m_userId = userId.trimmed();
            m_message.clear();
            refresh();
        });
}

void ReviewDesk::logout()
{
    m_loggedIn = false;
    m_userId.clear();
    m_items.clear();
    m_currentCode.clear();
    m_photoUrl.clear();
    m_message.clear();
    call<bool>(
        [](sync::SyncClient& client) {
            client.logout();
            return true;
        },
        [](bool) {});
}

void ReviewDesk::refresh()
{
    v1::ReviewQueueRequest request;
    request.set_study_id(studyId().toStdString());
    call<Result<v1::ReviewQueueResponse>>(
        reached<Result<v1::ReviewQueueResponse>>(
            "review queue", [request](sync::SyncClient& client) { return client.reviewQueue(request); }),
        [this](Result<v1::ReviewQueueResponse> queue) {
            if (!queue) {
                fail(queue.error());
                return;
            }
            std::vector<Item> items;
            for (const auto& i : queue->items()) {
                items.push_back(
                    Item{QString::fromStdString(i.code()), i.scored(), i.has_my_score() ? i.my_score() : -1});
            }
            m_items = std::move(items);
            if (m_items.empty())
                m_message = tr("No photo to score yet: photos appear here once the gateway has verified them.");
            if (m_currentCode.isEmpty())
                openNextUnscored();
        });
}

void ReviewDesk::open(const QString& code)
{
    v1::ReviewPhotoRequest request;
    request.set_study_id(studyId().toStdString());
    request.set_code(code.toStdString());
    call<Result<v1::ReviewPhotoResponse>>(
        reached<Result<v1::ReviewPhotoResponse>>(
            "review photo", [request](sync::SyncClient& client) { return client.reviewPhoto(request); }),
        [this, code](Result<v1::ReviewPhotoResponse> photo) {
            if (!photo) {
                fail(photo.error());
                return;
            }
            m_currentCode = code;
            const QByteArray jpeg = QByteArray::fromStdString(photo->jpeg());
            m_photoUrl = QStringLiteral("data:image/jpeg;base64,") + QString::fromLatin1(jpeg.toBase64());
            m_message.clear();
        });
}

void ReviewDesk::submitScore(int score)
{
    if (m_currentCode.isEmpty()) {
        m_message = tr("Open a photo first.");
        emit changed();
        return;
    }
    v1::SubmitScoreRequest request;
    request.set_study_id(studyId().toStdString());
    request.set_code(m_currentCode.toStdString());
    request.set_score(score);
    const QString code = m_currentCode;
    call<Result<v1::SubmitScoreResponse>>(
        reached<Result<v1::SubmitScoreResponse>>(
            "score", [request](sync::SyncClient& client) { return client.submitScore(request); }),
        [this, code, score](Result<v1::SubmitScoreResponse> sent) {
            if (!sent) {
                fail(sent.error());
                return;
            }
            for (auto& item : m_items)
                if (item.code == code) {
                    item.scored = true;
                    item.score = score;
                }
            m_message = tr("%1 scored %2.").arg(code).arg(score);
            openNextUnscored();
        });
}

void ReviewDesk::openNextUnscored()
{
    for (const auto& item : m_items)
        if (!item.scored) {
            open(item.code);
            return;
        }
    // Everything scored: the first photo stays reviewable (a score may be revised; the latest counts).
    if (m_currentCode.isEmpty() && !m_items.empty())
        open(m_items.front().code);
}

QVariantList ReviewDesk::items() const
{
    QVariantList out;
    for (const auto& item : m_items)
        out.append(QVariantMap{{QStringLiteral("code"), item.code},
                               {QStringLiteral("scored"), item.scored},
                               {QStringLiteral("score"), item.score}});
    return out;
}

int ReviewDesk::remaining() const
{
    return static_cast<int>(std::count_if(m_items.begin(), m_items.end(), [](const Item& i) { return !i.scored; }));
}

int ReviewDesk::currentScore() const
{
    for (const auto& item : m_items)
        if (item.code == m_currentCode)
            return item.score;
    return -1;
}

QVariantList ReviewDesk::scale() const
{
    QVariantList out;
    if (!m_config.definition)
        return out;
    for (const auto& list : m_config.definition->code_lists())
        if (list.oid() == "MOTTLING") // the code list the gateway's review reads the site score from
            for (const auto& c : list.items())
                out.append(QVariantMap{{QStringLiteral("score"), QString::fromStdString(c.code()).toInt()},
                                       {QStringLiteral("label"), QString::fromStdString(c.label())}});
    return out;
}

void registerReviewDesk(ReviewDesk* desk)
{
    qmlRegisterSingletonInstance("Crf.App", 1, 0, "Review", desk);
}

} // namespace crf::ui
