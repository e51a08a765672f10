#include "session_controller.h"

#include "trial_controller.h"

#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QEvent>
#include <algorithm>

#include "app_core.h"
#include "change_event.h"
#include "crt_stopwatch_model.h"
#include "form_model.h"
#include "language.h"
#include "photo_camera.h"
#include "study_controller.h"
#include "tablet_store.h"

#include <QQmlEngine>
#include <QRegularExpression>

namespace crf::ui {

SubjectListModel::SubjectListModel(crf::app::AppCore* core, QObject* parent) : QAbstractListModel(parent), m_core(core)
{
    if (core) {
        connect(core, &crf::app::AppCore::dataChanged, this, &SubjectListModel::refresh);
        // The site's queries join the dashboard once someone has logged in (the site known); a sync brings new ones.
        connect(core, &crf::app::AppCore::actorChanged, this, &SubjectListModel::refresh);
        connect(core, &crf::app::AppCore::syncFinished, this, &SubjectListModel::refresh);
    }
}

int SubjectListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant SubjectListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const Row& r = m_rows[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case SubjectIdRole:
        return r.subjectId;
    case InitialsRole:
        return r.initials;
    case SiteIdRole:
        return r.siteId;
    case DueTodayRole:
        return r.dueToday;
    case OverdueRole:
        return r.overdue;
    case QueriesRole:
        return r.queries;
    case ConflictsRole:
        return r.conflicts;
    case UnsentRole:
        return r.unsent;
    case ConsentRole:
        return r.consent;
    default:
        return {};
    }
}

QHash<int, QByteArray> SubjectListModel::roleNames() const
{
    return {{SubjectIdRole, "subjectId"}, {InitialsRole, "initials"}, {SiteIdRole, "siteId"},
            {DueTodayRole, "dueToday"},   {OverdueRole, "overdue"},   {QueriesRole, "queries"},
            {ConflictsRole, "conflicts"}, {UnsentRole, "unsent"},     {ConsentRole, "consentAwaited"}};
}

void SubjectListModel::refresh()
{
    if (!m_core)
        return;
    m_core->loadSubjects([this, self = QPointer(this)](Result<std::vector<store::Subject>> r) {
        if (!self || !r)
            return;
        beginResetModel();
        m_rows.clear();
        for (const auto& s : *r)
            m_rows.push_back(Row{QString::fromStdString(s.subjectId), QString::fromStdString(s.initials),
                                 QString::fromStdString(s.siteId), 0, 0, 0, 0, 0, QString()});
        endResetModel();
        emit countChanged();
        loadOverview();
    });
}

void SubjectListModel::loadOverview()
{
    auto def = m_core->config().definition;
    const int64_t nowMs =
        m_core->config().clock ? m_core->config().clock->nowMs() : QDateTime::currentMSecsSinceEpoch();
    m_core->siteOverview([this, self = QPointer(this), def,
                          nowMs](Result<std::vector<app::trial::SubjectOverview>> overview) {
        if (!self || !overview || !def)
            return;
        const QDate today = QDateTime::fromMSecsSinceEpoch(nowMs).date();
        int due = 0, overdue = 0, queries = 0, conflicts = 0, unsent = 0, consent = 0;
        for (const auto& o : *overview) {
            auto row = std::find_if(m_rows.begin(), m_rows.end(),
                                    [&](const Row& r) { return r.subjectId == QString::fromStdString(o.subjectId); });
            if (row == m_rows.end())
                continue;
            *row = Row{row->subjectId, row->initials, row->siteId, 0, 0, 0, 0, 0, QString()};
            for (const auto& f : o.casebook.forms) {
                row->queries += f.queryOpen;
                row->conflicts += f.conflict;
                row->unsent += f.pending;
            }
            // Visits still to fill, against their window from D0 (the local date of randomization).
            if (o.casebook.d0Ms) {
                const int day = static_cast<int>(QDateTime::fromMSecsSinceEpoch(*o.casebook.d0Ms).date().daysTo(today));
                for (const auto& v : def->visits()) {
                    bool open = false;
                    for (const auto& f : o.casebook.forms)
                        open = open || (f.visitOid == v.oid() && f.toFill());
                    if (!open)
                        continue;
                    const auto when = study::dueOn(v, day);
                    row->dueToday += when == study::Due::Today;
                    row->overdue += when == study::Due::Overdue;
                }
            }
            row->consent = o.consentAwaited ? consentStateLabel(o.consentLabel) : QString();
            due += row->dueToday > 0;
            overdue += row->overdue > 0;
            queries += row->queries > 0;
            conflicts += row->conflicts > 0;
            unsent += row->unsent > 0;
            consent += !row->consent.isEmpty();
        }
        m_summary = QVariantMap{{QStringLiteral("dueToday"), due},    {QStringLiteral("overdue"), overdue},
                                {QStringLiteral("queries"), queries}, {QStringLiteral("conflicts"), conflicts},
                                {QStringLiteral("unsent"), unsent},   {QStringLiteral("consent"), consent}};
        if (!m_rows.empty())
            emit dataChanged(index(0), index(static_cast<int>(m_rows.size()) - 1));
        emit countChanged();
    });
}

SessionController::SessionController(crf::app::AppCore* core, QObject* parent) : QObject(parent), m_core(core)
{
    m_idle.setSingleShot(true);
    m_idle.setInterval(5 * 60 * 1000);
    connect(&m_idle, &QTimer::timeout, this, &SessionController::lockNow);
    // Any touch, click or key anywhere in the app counts as activity.
    if (QCoreApplication::instance())
        QCoreApplication::instance()->installEventFilter(this);
    connect(core, &crf::app::AppCore::opened, this, [this](bool ok, const QString& message) {
        m_ready = ok;
        m_openError = message;
        emit readyChanged();
        refresh();
    });
    connect(core, &crf::app::AppCore::unkeptInputChanged, this, &SessionController::sessionChanged);
    connect(core, &crf::app::AppCore::syncStarted, this, [this] {
        m_progress = 0;
        emit syncStateChanged();
    });
    connect(core, &crf::app::AppCore::syncProgress, this, [this](int done, int total) {
        m_progress = total > 0 ? double(done) / total : 0;
        emit syncStateChanged();
    });
    connect(core, &crf::app::AppCore::syncFinished, this, [this](const crf::sync::SyncReport&) {
        m_progress = 1;
        refresh();
    });
    connect(core, &crf::app::AppCore::dataChanged, this, &SessionController::refresh);
}

QObject* SessionController::core() const
{
    return m_core.data();
}

QString SessionController::lastSyncText() const
{
    if (m_lastSyncMs == 0)
        return tr("never");
    return QDateTime::fromMSecsSinceEpoch(m_lastSyncMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

bool SessionController::syncing() const
{
    return m_core && m_core->syncing();
}

QString SessionController::gatewayAddress() const
{
    return m_core ? m_core->config().gatewayAddress : QString();
}

QString SessionController::userId() const
{
    return m_core ? QString::fromStdString(m_core->config().actor.userId) : QString();
}

QString SessionController::siteId() const
{
    return m_core ? QString::fromStdString(m_core->config().actor.siteId) : QString();
}

QString SessionController::studyId() const
{
    return m_core ? QString::fromStdString(m_core->config().study.studyId) : QString();
}

void SessionController::syncNow()
{
    if (m_core && m_ready)
        m_core->syncNow();
    emit syncStateChanged();
}

void SessionController::refresh()
{
    if (!m_core || !m_ready)
        return;
    m_core->loadSyncState([this, self = QPointer(this)](Result<store::SyncState> r) {
        if (!self || !r)
            return;
        m_pending = r->pendingEvents;
        m_refused = r->refusedEvents;
        m_pendingPhotos = r->pendingPhotos;
        m_lastRefusal = errorText(r->lastRefusalWording); // the gateway's reason, in the screen's language
        m_lastSyncMs = r->lastSyncMs;
        m_lastError = messageText(r->lastError);
        emit syncStateChanged();
    });
}

void SessionController::addSubject(const QString& subjectId, const QString& initials)
{
    // Protocol: patients are identified by initials and number only; no names or birth dates on the tablet form.
    static const QRegularExpression initialsPattern(QStringLiteral("^[A-Za-z]{1,4}$"));
    if (!isSubjectId(subjectId.trimmed().toStdString())) { // the gateway checks every event's subject the same way
        emit subjectAdded(false, tr("Subject number: use 1 to 20 letters, digits or dashes."));
        return;
    }
    if (!initialsPattern.match(initials.trimmed()).hasMatch()) {
        emit subjectAdded(false, tr("Initials: use 1 to 4 letters."));
        return;
    }
    store::SaveRequest request;
    request.form = {subjectId.trimmed().toStdString(), store::kRegistrationVisit, store::kRegistrationForm, 0};
    request.values[store::kInitialsItem] = store::FieldValue{initials.trimmed().toUpper().toStdString(), ""};
    m_core->save(std::move(request), [this, self = QPointer(this)](Result<store::SaveOutcome> r) {
        if (!self)
            return;
        if (!r)
            emit subjectAdded(false, errorText(r.error()));
        else if (r->deviceSeq == 0)
            emit subjectAdded(false, tr("This subject is already registered."));
        else
            emit subjectAdded(true, tr("Subject registered."));
    });
}

void registerQmlTypes(SessionController* session, SubjectListModel* subjects, StudyController* study)
{
    qmlRegisterType<FormModel>("Crf.App", 1, 0, "FormModel");
    qmlRegisterType<CrtStopwatchModel>("Crf.App", 1, 0, "CrtStopwatch");
    qmlRegisterType<PhotoCamera>("Crf.App", 1, 0, "PhotoCamera");
    if (study)
        qmlRegisterSingletonInstance("Crf.App", 1, 0, "Study", study);
    if (session)
        qmlRegisterSingletonInstance("Crf.App", 1, 0, "Session", session);
    if (subjects)
        qmlRegisterSingletonInstance("Crf.App", 1, 0, "Subjects", subjects);
}

void registerTrialController(TrialController* trial)
{
    if (trial)
        qmlRegisterSingletonInstance("Crf.App", 1, 0, "Trial", trial);
}

QString SessionController::role() const
{
    return m_core ? QString::fromStdString(m_core->config().actor.role) : QString();
}

void SessionController::setLockAfterMs(int ms)
{
    m_idle.setInterval(std::max(1, ms));
    if (m_loggedIn && !m_locked)
        m_idle.start();
    emit sessionChanged();
}

bool SessionController::eventFilter(QObject* watched, QEvent* event)
{
    switch (event->type()) {
    case QEvent::MouseButtonPress:
    case QEvent::KeyPress:
    case QEvent::TouchBegin:
    case QEvent::Wheel:
        if (m_loggedIn && !m_locked)
            m_idle.start();
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

void SessionController::login(const QString& userId, const QString& password)
{
    if (!m_core || m_busy)
        return;
    m_busy = true;
    m_loginError.clear();
    emit sessionChanged();
    m_core->login(userId.trimmed().toStdString(), password.toStdString(),
                  [this, self = QPointer(this)](Result<crf::app::LoginInfo> r) {
                      if (!self)
                          return;
                      m_busy = false;
                      if (!r) {
                          m_loginError = errorMessage(r.error());
                      } else {
                          m_loggedIn = true;
                          m_locked = false;
                          m_offline = !r->online;
                          m_printedName = QString::fromStdString(r->printedName);
                          m_idle.start();
                      }
                      emit sessionChanged();
                      if (m_loggedIn)
                          refresh();
                  });
}

void SessionController::unlock(const QString& password)
{
    if (!m_core || !m_locked || m_busy)
        return;
    m_busy = true;
    m_loginError.clear();
    emit sessionChanged();
    m_core->verifyPassword(password.toStdString(), [this, self = QPointer(this)](Status checked) {
        if (!self)
            return;
        m_busy = false;
        if (checked) {
            m_locked = false;
            m_idle.start();
        } else {
            m_loginError = errorMessage(checked.error()); // wrong, or too many wrong: wait, or switch user
        }
        emit sessionChanged();
    });
}

bool SessionController::unkeptInput() const
{
    return m_core && m_core->hasUnkeptInput();
}

void SessionController::lockNow()
{
    if (!m_loggedIn || m_locked)
        return;
    m_locked = true;
    m_idle.stop();
    emit sessionChanged();
}

void SessionController::switchUser()
{
    emit switchingUser(); // pages close first: nothing of this user's screen stays behind the next login
    m_idle.stop();
    if (m_core)
        m_core->logout();
    m_loggedIn = m_locked = m_offline = false;
    m_printedName.clear();
    m_loginError.clear();
    emit sessionChanged();
}

void SessionController::loadCasebookSignature(const QString& subjectId)
{
    if (!m_core)
        return;
    m_core->loadSignatures(subjectId.toStdString(), [this, self = QPointer(this),
                                                     subjectId](Result<std::vector<store::SignatureState>> r) {
        if (!self)
            return;
        if (!r) {
            emit casebookSignature(subjectId, {}, false, errorMessage(r.error()));
            return;
        }
        const store::SignatureState* last = nullptr;
        for (const auto& s : *r)
            if (s.scope == "CASEBOOK")
                last = &s;
        if (!last) {
            emit casebookSignature(subjectId, {}, false, {});
            return;
        }
        const QString when = QDateTime::fromMSecsSinceEpoch(last->signedAtMs, Qt::UTC)
                                 .toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
        const QString name = QString::fromStdString(last->printedName);
        emit casebookSignature(subjectId,
                               last->intact ? tr("Casebook signed by %1 on %2").arg(name, when)
                                            : tr("Casebook signature of %1 (%2) broken: data changed since. A new "
                                                 "signature is needed.")
                                                  .arg(name, when),
                               last->intact, {});
    });
}

void SessionController::signCasebook(const QString& subjectId, const QString& password)
{
    if (!m_core)
        return;
    m_core->sign({subjectId.toStdString(), "*", "*", 0}, true,
                 "I approve the data of this casebook as accurate and complete", password.toStdString(),
                 [this, self = QPointer(this), subjectId](Result<store::SaveOutcome> r) {
                     if (!self)
                         return;
                     if (!r) {
                         emit casebookSignature(subjectId, {}, false, errorMessage(r.error()));
                         return;
                     }
                     loadCasebookSignature(subjectId);
                 });
}

} // namespace crf::ui
