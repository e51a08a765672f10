// SessionController: view-model of the tablet session (sync status always visible, subject registration).
#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <vector>

namespace crf::app {
class AppCore;
}

namespace crf::ui {

/// Subjects of the site, identified by number and initials only. Refreshed from the store on every data change.
class SubjectListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
public:
    enum Roles { SubjectIdRole = Qt::UserRole + 1, InitialsRole, SiteIdRole };
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
    };
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
    Q_PROPERTY(QString userId READ userId CONSTANT)
    Q_PROPERTY(QString siteId READ siteId CONSTANT)
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

    Q_INVOKABLE void syncNow();
    Q_INVOKABLE void refresh();
    /// Registers a subject by number and initials (the registration form); result through subjectAdded.
    Q_INVOKABLE void addSubject(const QString& subjectId, const QString& initials);

signals:
    void readyChanged();
    void syncStateChanged();
    void subjectAdded(bool ok, const QString& message);

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
};

class StudyController;

/// Registers the QML types (FormModel) and exposes the session services as singletons (module Crf.App 1.0):
/// Session, Subjects, Study. Null services are not registered (tests register what they need).
void registerQmlTypes(SessionController* session, SubjectListModel* subjects, StudyController* study);

} // namespace crf::ui
