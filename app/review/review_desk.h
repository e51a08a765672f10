// ReviewDesk: the central assessor's screen (crf-review) over crf.v1.CentralReviewService. The assessor sees each knee
// photo behind its random code only (subject, site, visit and arm stay in the gateway; docs/sponsor.md "Central
// mottling assessment") and scores it 0-5 on the study's mottling scale. Nothing is written to disk: photos live in
// memory while shown, and the desk enrols a fresh device per session.
#pragma once

#include "crf/v1/study.pb.h"
#include "result.h"

#include <QObject>
#include <QThread>
#include <QVariantList>
#include <chrono>
#include <functional>
#include <memory>

namespace crf::sync {
class SyncClient;
}

namespace crf::ui {

struct ReviewConfig {
    QString gatewayAddress;
    std::string gatewayRootCertPem; // empty: plaintext (a gateway with --insecure-dev on loopback)
    std::shared_ptr<const v1::StudyDefinition> definition;
    /// How long a call waits for a gateway that is connecting; one that refuses the connection is known at once.
    std::chrono::milliseconds connectWait{2500};
};

class ReviewWorker;

/// View-model for ReviewPage.qml; lives on the UI thread, every gateway call runs on its own thread.
class ReviewDesk : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool loggedIn READ loggedIn NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)
    Q_PROPERTY(QString userId READ userId NOTIFY changed)
    Q_PROPERTY(QString message READ message NOTIFY changed)
    Q_PROPERTY(QString studyId READ studyId CONSTANT)
    Q_PROPERTY(QVariantList items READ items NOTIFY changed)
    Q_PROPERTY(int remaining READ remaining NOTIFY changed)
    Q_PROPERTY(QString currentCode READ currentCode NOTIFY changed)
    Q_PROPERTY(QString photoUrl READ photoUrl NOTIFY changed)
    Q_PROPERTY(int currentScore READ currentScore NOTIFY changed)
    Q_PROPERTY(QVariantList scale READ scale CONSTANT)

public:
    explicit ReviewDesk(ReviewConfig config, QObject* parent = nullptr);
    ~ReviewDesk() override;

    /// Online only: the gateway checks the password and that the user is a central assessor of the study.
    Q_INVOKABLE void login(const QString& userId, const QString& password);
    Q_INVOKABLE void logout();
    /// Fetches the queue again (photos verified since appear with new codes).
    Q_INVOKABLE void refresh();
    /// Shows the photo behind `code`.
    Q_INVOKABLE void open(const QString& code);
    /// Scores the photo shown (0-5); on success the next unscored photo opens.
    Q_INVOKABLE void submitScore(int score);

    bool loggedIn() const { return m_loggedIn; }
    bool busy() const { return m_busy > 0; }
    QString userId() const { return m_userId; }
    QString message() const { return m_message; }
    QString studyId() const;
    /// [{code, scored, score}] in the gateway's order; `score` is this assessor's latest score (-1: none yet).
    QVariantList items() const;
    int remaining() const;
    QString currentCode() const { return m_currentCode; }
    /// The photo as a data: URL (in memory only), empty when none is shown.
    QString photoUrl() const { return m_photoUrl; }
    int currentScore() const;
    /// [{score, label}] from the study's MOTTLING code list (Ait-Oufella 2011), the reference beside the photo.
    QVariantList scale() const;

signals:
    void changed();

private:
    struct Item {
        QString code;
        bool scored = false;
        int score = -1;
    };
    template <typename R> void call(std::function<R(sync::SyncClient&)> fn, std::function<void(R)> done);
    /// `fn` behind one connection attempt: a gateway out of reach is an error at once.
    template <typename R>
    static std::function<R(sync::SyncClient&)> reached(const char* where, std::function<R(sync::SyncClient&)> fn);
    void fail(const Error& e);
    void openNextUnscored();

    ReviewConfig m_config;
    QThread m_thread;
    ReviewWorker* m_worker = nullptr;
    bool m_loggedIn = false;
    int m_busy = 0;
    QString m_userId, m_message, m_currentCode, m_photoUrl;
    std::vector<Item> m_items;
};

/// Makes `desk` the QML singleton Crf.App/Review.
void registerReviewDesk(ReviewDesk* desk);

} // namespace crf::ui
