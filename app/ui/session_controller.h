// SessionController: view-model of the tablet session (sync status always visible, subject registration).
#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <vector>

namespace crf::app {
class AppCore;
}

namespace crf::ui {

/// Subjects of the site, identified by number and initials only. Refreshed from the store on every data change.
class SubjectListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    /// The site's day at a glance (the dashboard's header): {dueToday, overdue, queries, conflicts, unsent, consent}
    /// counted in subjects.
    Q_PROPERTY(QVariantMap summary READ summary NOTIFY countChanged)
public:
    enum Roles {
        SubjectIdRole = Qt::UserRole + 1,
        InitialsRole,
        SiteIdRole,
        DueTodayRole,  // visits due today with forms still to fill
        OverdueRole,   // visits past their window with forms still to fill
        QueriesRole,   // forms with an open data query
        ConflictsRole, // forms with a conflict
        UnsentRole,    // forms with changes not yet at the gateway
        ConsentRole    // "" or the consent state when the patient's decision is still awaited
    };
    explicit SubjectListModel(crf::app::AppCore* core, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    Q_INVOKABLE void refresh();

signals:
    void countChanged();

private:
    struct Row {
        QString subjectId, initials, siteId;
        int dueToday = 0, overdue = 0, queries = 0, conflicts = 0, unsent = 0;
        QString consent;
    };
    void loadOverview();
    QVariantMap m_summary;

public:
    QVariantMap summary() const { return m_summary; }

private:
    QPointer<crf::app::AppCore> m_core;
    std::vector<Row> m_rows;
};

/// Sync state and session actions for the header bar and the subject list page.
class SessionController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QObject* core READ core CONSTANT)
    Q_PROPERTY(bool ready READ ready NOTIFY readyChanged)
    Q_PROPERTY(QString openError READ openError NOTIFY readyChanged)
    Q_PROPERTY(int pendingCount READ pendingCount NOTIFY syncStateChanged)
    Q_PROPERTY(int refusedCount READ refusedCount NOTIFY syncStateChanged)
    Q_PROPERTY(int pendingPhotos READ pendingPhotos NOTIFY syncStateChanged)
    Q_PROPERTY(QString lastRefusal READ lastRefusal NOTIFY syncStateChanged)
    Q_PROPERTY(QString lastSyncText READ lastSyncText NOTIFY syncStateChanged)
    Q_PROPERTY(QString lastError READ lastError NOTIFY syncStateChanged)
    Q_PROPERTY(bool syncing READ syncing NOTIFY syncStateChanged)
    Q_PROPERTY(double progress READ progress NOTIFY syncStateChanged)
    Q_PROPERTY(QString gatewayAddress READ gatewayAddress CONSTANT)
    Q_PROPERTY(QString userId READ userId NOTIFY sessionChanged)
    Q_PROPERTY(QString siteId READ siteId NOTIFY sessionChanged)
    Q_PROPERTY(QString role READ role NOTIFY sessionChanged)
    Q_PROPERTY(QString printedName READ printedName NOTIFY sessionChanged)
    Q_PROPERTY(bool loggedIn READ loggedIn NOTIFY sessionChanged)
    /// An open form holds input that could not be kept on this tablet (storage full): a user switch would lose it.
    Q_PROPERTY(bool unkeptInput READ unkeptInput NOTIFY sessionChanged)
    Q_PROPERTY(bool offline READ offline NOTIFY sessionChanged)
    Q_PROPERTY(bool locked READ locked NOTIFY sessionChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY sessionChanged)
    Q_PROPERTY(QString loginError READ loginError NOTIFY sessionChanged)
    Q_PROPERTY(int lockAfterMs READ lockAfterMs WRITE setLockAfterMs NOTIFY sessionChanged)
    Q_PROPERTY(QString studyId READ studyId CONSTANT)

public:
    explicit SessionController(crf::app::AppCore* core, QObject* parent = nullptr);

    QObject* core() const;
    bool ready() const { return m_ready; }
    QString openError() const { return m_openError; }
    int pendingCount() const { return m_pending; }
    int refusedCount() const { return m_refused; }
    int pendingPhotos() const { return m_pendingPhotos; }
    QString lastRefusal() const { return m_lastRefusal; }
    QString lastSyncText() const;
    QString lastError() const { return m_lastError; }
    bool syncing() const;
    double progress() const { return m_progress; }
    QString gatewayAddress() const;
    QString userId() const;
    QString siteId() const;
    QString studyId() const;
    QString role() const;
    QString printedName() const { return m_printedName; }
    bool loggedIn() const { return m_loggedIn; }
    bool unkeptInput() const;
    bool offline() const { return m_offline; }
    bool locked() const { return m_locked; }
    bool busy() const { return m_busy; }
    QString loginError() const { return m_loginError; }
    int lockAfterMs() const { return m_idle.interval(); }
    void setLockAfterMs(int ms);

    /// Logs in (online, or offline for a user who logged in online here before); outcome through sessionChanged.
    Q_INVOKABLE void login(const QString& userId, const QString& password);
    /// Unlocks the idle lock with the same user's password; the screen under the lock is as it was left.
    Q_INVOKABLE void unlock(const QString& password);
    Q_INVOKABLE void lockNow();
    /// The investigator signs the subject's whole casebook (password again); outcome through casebookSignature.
    Q_INVOKABLE void signCasebook(const QString& subjectId, const QString& password);
    /// Reads the latest casebook signature of a subject; outcome through casebookSignature.
    Q_INVOKABLE void loadCasebookSignature(const QString& subjectId);
    /// Another user on a shared tablet: the session ends and the screens are emptied (`switchingUser`).
    Q_INVOKABLE void switchUser();

    Q_INVOKABLE void syncNow();
    Q_INVOKABLE void refresh();
    /// Registers a subject by number and initials (the registration form); result through subjectAdded.
    Q_INVOKABLE void addSubject(const QString& subjectId, const QString& initials);

signals:
    void readyChanged();
    void syncStateChanged();
    void subjectAdded(bool ok, const QString& message);
    void sessionChanged();
    /// `text` is empty when the casebook is not signed; `intact` false when it changed since.
    void casebookSignature(const QString& subjectId, const QString& text, bool intact, const QString& error);
    /// Emitted before the session ends on a user switch: pages holding the previous user's screen close.
    void switchingUser();

private:
    QPointer<crf::app::AppCore> m_core;
    bool m_ready = false;
    QString m_openError;
    int m_pending = 0;
    int m_refused = 0;
    int m_pendingPhotos = 0;
    QString m_lastRefusal;
    qint64 m_lastSyncMs = 0;
    QString m_lastError;
    double m_progress = 0;
    bool eventFilter(QObject* watched, QEvent* event) override;
    QTimer m_idle; // lock after inactivity (default 5 min; 21 CFR 11.10(d), FDA Q&A 2024 Q11: idle logout)
    bool m_loggedIn = false, m_offline = false, m_locked = false, m_busy = false;
    QString m_loginError, m_printedName;
};

class StudyController;

/// Registers the QML types (FormModel) and exposes the session services as singletons (module Crf.App 1.0):
/// Session, Subjects, Study. Null services are not registered (tests register what they need).
void registerQmlTypes(SessionController* session, SubjectListModel* subjects, StudyController* study);
class TrialController;
/// Registers the consent and randomization controller as the QML singleton Crf.App/Trial.
void registerTrialController(TrialController* trial);

} // namespace crf::ui
