#include "trial_controller.h"

#include "dosing.h"
#include "language.h"

#include <QCoreApplication>

#include <QDate>
#include <QDateTime>
#include <QLocale>
#include <QPointer>

namespace crf::ui {

TrialController::TrialController(app::AppCore* core, QObject* parent) : QObject(parent), m_core(core)
{
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &TrialController::tick);
    if (m_core) {
        // Pulled decisions of other tablets and fresh worklists arrive with syncs.
        connect(m_core, &app::AppCore::dataChanged, this, [this] {
            if (!m_subjectId.isEmpty())
                load(m_subjectId);
        });
        // A login (the site known) brings the site's queries into the overview.
        connect(m_core, &app::AppCore::actorChanged, this, [this] {
            if (!m_subjectId.isEmpty())
                refreshCasebook();
        });
        connect(m_core, &app::AppCore::syncFinished, this, [this] {
            refreshWorklist();
            if (!m_subjectId.isEmpty())
                refreshCasebook(); // queries and acknowledgements change the marks
        });
    }
}

int64_t TrialController::now() const
{
    return m_core && m_core->config().clock ? m_core->config().clock->nowMs() : SystemClock().nowMs();
}

QString TrialController::consentFormOid() const
{
    const auto& def = m_core ? m_core->config().definition : nullptr;
    return def && def->has_consent() ? QString::fromStdString(def->consent().form_oid()) : QString();
}

QString TrialController::consentVisitOid() const
{
    const auto& def = m_core ? m_core->config().definition : nullptr;
    return def && def->has_consent() ? QString::fromStdString(def->consent().visit_oid()) : QString();
}

bool TrialController::hasRandomization() const
{
    const auto& def = m_core ? m_core->config().definition : nullptr;
    return def && def->has_randomization();
}

bool TrialController::boxes() const
{
    const auto& def = m_core ? m_core->config().definition : nullptr;
    return def && def->randomization().scheme() == v1::Randomization::SCHEME_TREATMENT_BOXES;
}

QString TrialController::codeBreakProcedure() const
{
    const auto& def = m_core ? m_core->config().definition : nullptr;
    return def ? QString::fromStdString(def->randomization().code_break_procedure()) : QString();
}

void TrialController::load(const QString& subjectId)
{
    if (!m_core)
        return;
    if (subjectId != m_subjectId) {
        // Another patient: nothing of the previous one's randomization or timer stays on screen.
        m_subjectId = subjectId;
        m_randomizedNumber = 0;
        m_revealedArm.clear();
        m_message.clear();
        m_unblindResult.clear();
        m_titration = titration::Titration();
        m_advice = {};
        m_timer.stop();
        emit titrationChanged();
    }
    refreshCasebook();
    QPointer<TrialController> self(this);
    const std::string subject = subjectId.toStdString();
    m_core->consentStatus(subject, [self, subjectId](Result<app::trial::ConsentView> view) {
        if (!self || subjectId != self->m_subjectId)
            return;
        if (view) {
            self->m_consentState = QString::fromStdString(std::string(consent::stateCode(view->state)));
            self->m_consentLabel = ui::consentStateLabel(std::string(consent::stateLabel(view->state)));
            self->m_consentPending = view->rights.awaitingDecision;
            self->m_collectionStopped = !view->rights.collectionContinues;
            self->m_consentProblem = QString::fromStdString(view->problem);
            self->m_nextConsentRepeat = static_cast<int>(view->nextRepeat);
        } else {
            self->m_consentProblem = errorText(view.error());
        }
        emit self->changed();
    });
    if (!hasRandomization())
        return;
    m_core->proposeRandomization(subject, [self, subjectId](Result<app::trial::Proposal> p) {
        if (!self || subjectId != self->m_subjectId)
            return;
        if (p) {
            self->m_proposedNumber = static_cast<int>(p->number);
            self->m_proposalNote = messageText(p->note);
            if (p->alreadyRandomized)
                self->m_randomizedNumber = static_cast<int>(p->existingNumber);
        } else {
            self->m_proposalNote = errorText(p.error());
        }
        emit self->changed();
    });
    m_core->dosingPlan(subject, [self, subjectId](Result<app::trial::DosingPlan> plan) {
        if (!self || subjectId != self->m_subjectId)
            return;
        if (plan)
            self->applyPlan(*plan);
        emit self->changed();
    });
}

void TrialController::refreshCasebook()
{
    if (!m_core || m_subjectId.isEmpty())
        return;
    QPointer<TrialController> self(this);
    const QString subjectId = m_subjectId;
    auto def = m_core->config().definition;
    m_core->casebook(subjectId.toStdString(), [self, subjectId, def](Result<app::trial::CasebookView> view) {
        if (!self || subjectId != self->m_subjectId || !view || !def)
            return;
        // Study days are calendar days at the bedside: D0 is the local date of randomization.
        const std::optional<QDate> d0 =
            view->d0Ms ? std::optional<QDate>(QDateTime::fromMSecsSinceEpoch(*view->d0Ms).date()) : std::nullopt;
        const QDate today = QDateTime::fromMSecsSinceEpoch(self->now()).date();
        QVariantList visits;
        for (const auto& v : def->visits()) {
            QVariantList forms;
            bool allDone = true;
            for (const auto& f : view->forms) {
                if (f.visitOid != v.oid())
                    continue;
                const v1::Form* form = nullptr;
                for (const auto& candidate : def->forms())
                    if (candidate.oid() == f.formOid)
                        form = &candidate;
                // What needs a hand first: a conflict, a query, an invalidated signature; then how far it is filled.
                QString status, label;
                if (f.conflict) {
                    status = QStringLiteral("conflict"), label = tr("Conflict");
                } else if (f.queryOpen) {
                    status = QStringLiteral("query"), label = tr("Query open");
                } else if (f.enteredInError) {
                    status = QStringLiteral("error"), label = tr("Entered in error");
                } else if (f.signatureBroken) {
                    status = QStringLiteral("resign"), label = tr("Changed since signed");
                } else if (f.signedIntact) {
                    status = QStringLiteral("signed"), label = tr("Signed");
                } else if (f.fill == study::Fill::Complete) {
                    status = QStringLiteral("complete"), label = tr("Complete");
                } else if (f.fill == study::Fill::Partial) {
                    status = QStringLiteral("partial"), label = tr("Partial");
                } else {
                    // A log with no entry is not missing data: nothing has been recorded (yet).
                    status = QStringLiteral("empty"), label = f.repeating ? tr("None recorded") : tr("Empty");
                }
                allDone = allDone && !f.toFill();
                forms.append(
                    QVariantMap{{QStringLiteral("oid"), QString::fromStdString(f.formOid)},
                                {QStringLiteral("name"), form ? QString::fromStdString(form->name()) : QString()},
                                {QStringLiteral("repeating"), form && form->repeating()},
                                {QStringLiteral("entries"), f.entries},
                                {QStringLiteral("status"), status},
                                {QStringLiteral("statusLabel"), label},
                                {QStringLiteral("pending"), f.pending}});
            }
            QString due, date;
            if (d0) {
                const QDate nominal = d0->addDays(v.day());
                date = QLocale().toString(nominal, QLocale::ShortFormat);
                if (!allDone)
                    switch (study::dueOn(v, static_cast<int>(d0->daysTo(today)))) {
                    case study::Due::Today:
                        due = QStringLiteral("today");
                        break;
                    case study::Due::Overdue:
                        due = QStringLiteral("overdue");
                        break;
                    case study::Due::NotYet:
                        due = QStringLiteral("later");
                        break;
                    case study::Due::NoDate:
                        break;
                    }
            }
            visits.append(QVariantMap{{QStringLiteral("oid"), QString::fromStdString(v.oid())},
                                      {QStringLiteral("name"), QString::fromStdString(v.name())},
                                      {QStringLiteral("day"), v.day()},
                                      {QStringLiteral("date"), date},
                                      {QStringLiteral("due"), due},
                                      {QStringLiteral("forms"), forms}});
        }
        self->m_casebook = visits;
        emit self->casebookChanged();
    });
}

void TrialController::refreshWorklist()
{
    if (!m_core)
        return;
    QPointer<TrialController> self(this);
    m_core->consentWorklist([self](Result<v1::ConsentWorklistResponse> list) {
        if (!self || !list)
            return;
        QVariantList rows;
        for (const auto& e : list->entries())
            rows.append(QVariantMap{
                {QStringLiteral("subjectId"), QString::fromStdString(e.subject_id())},
                {QStringLiteral("state"), QString::fromStdString(e.state_label())},
                {QStringLiteral("overdue"), e.overdue()},
                {QStringLiteral("nextReminder"), QString::fromStdString(isoUtc(e.next_reminder_ms()))},
            });
        self->m_worklist = rows;
        emit self->worklistChanged();
    });
}

void TrialController::applyPlan(const app::trial::DosingPlan& plan)
{
    m_doseSteps.clear();
    m_dosingProblem = QString::fromStdString(plan.problem);
    m_ibwText.clear();
    if (!plan.applies || !plan.problem.empty())
        return;
    // Numbers in the screen's notation ("67,8 kg" in French).
    m_ibwText = QLocale().toString(dosing::roundTo(plan.ibwKg, 1), 'f', 1) + QStringLiteral(" kg");
    for (const auto& [dose, rate] : plan.steps)
        m_doseSteps.append(QVariantMap{{QStringLiteral("dose"), QLocale().toString(dose, 'f', 1)},
                                       {QStringLiteral("rate"), QLocale().toString(dosing::roundTo(rate, 2), 'f', 2)}});
    if (m_advice.phase == titration::Phase::NotStarted) { // never reset a running timer on a reload
        m_titration = titration::Titration(plan.schedule());
        m_advice = m_titration.advise(now());
        emit titrationChanged();
        // A timer started before a restart or a lock of the tablet goes on where it was: its log is in the store.
        QPointer<TrialController> self(this);
        const QString subject = m_subjectId;
        m_core->loadTitration(
            subject.toStdString(), [self, subject, schedule = plan.schedule()](Result<std::string> kept) {
                if (!self || subject != self->m_subjectId || !kept || kept->empty() || !self->m_titration.log().empty())
                    return;
                auto log = titration::readLog(*kept);
                if (!log) {
                    self->m_message = errorText(log.error()); // shown, never replayed in part
                    emit self->changed();
                    return;
                }
                self->m_titration = titration::Titration::replay(schedule, *log);
                self->tick();
                if (self->m_advice.phase != titration::Phase::NotStarted)
                    self->m_timer.start();
            });
    }
}

void TrialController::act(titration::Action action)
{
    if (!m_titration.apply(action, now())) {
        tick();
        return;
    }
    tick();
    if (m_core && !m_subjectId.isEmpty())
        m_core->keepTitration(m_subjectId.toStdString(), titration::writeLog(m_titration.log()),
                              [self = QPointer(this)](Status kept) {
                                  if (self && !kept) {
                                      self->m_message = errorText(kept.error());
                                      emit self->changed();
                                  }
                              });
}

void TrialController::randomize(int confirmedNumber)
{
    if (!m_core || m_busy)
        return;
    m_busy = true;
    m_message.clear();
    emit changed();
    QPointer<TrialController> self(this);
    const QString subjectId = m_subjectId;
    m_core->randomize(subjectId.toStdString(), static_cast<uint32_t>(std::max(0, confirmedNumber)),
                      [self, subjectId](Result<app::RandomizeOutcome> r) {
                          if (!self)
                              return;
                          self->m_busy = false;
                          if (subjectId == self->m_subjectId) {
                              if (r) {
                                  self->m_randomizedNumber = static_cast<int>(r->randomization.number);
                                  self->m_revealedArm = QString::fromStdString(r->randomization.armName.empty()
                                                                                   ? r->randomization.arm
                                                                                   : r->randomization.armName);
                                  self->m_message = messageText(r->randomization.note);
                                  self->applyPlan(r->plan);
                              } else {
                                  self->m_message = errorText(r.error());
                              }
                          }
                          emit self->changed();
                      });
}

void TrialController::unblind(const QString& reason)
{
    if (!m_core || m_busy)
        return;
    m_busy = true;
    m_unblindResult.clear();
    emit changed();
    QPointer<TrialController> self(this);
    m_core->unblind(m_subjectId.toStdString(), reason.toStdString(), [self](Result<v1::UnblindResponse> r) {
        if (!self)
            return;
        self->m_busy = false;
        self->m_unblindResult = r ? tr("Box %1: %2. Recorded in the security log; the sponsor has been alerted.")
                                        .arg(r->number())
                                        .arg(QString::fromStdString(r->arm_name().empty() ? r->arm() : r->arm_name()))
                                  : errorText(r.error());
        emit self->changed();
    });
}

QString TrialController::titrationPhaseLabel() const
{
    // core/titration.cpp's phase names, marked for lupdate (context "TitrationPhase").
    [[maybe_unused]] static const char* const kPhases[] = {
        QT_TRANSLATE_NOOP("TitrationPhase", "not started"), QT_TRANSLATE_NOOP("TitrationPhase", "stepping up"),
        QT_TRANSLATE_NOOP("TitrationPhase", "holding"),     QT_TRANSLATE_NOOP("TitrationPhase", "stepping down"),
        QT_TRANSLATE_NOOP("TitrationPhase", "paused"),      QT_TRANSLATE_NOOP("TitrationPhase", "stopped"),
        QT_TRANSLATE_NOOP("TitrationPhase", "completed")};
    return QCoreApplication::translate("TitrationPhase", titration::phaseName(m_advice.phase));
}

QString TrialController::titrationInstruction() const
{
    return messageText(m_advice.instruction);
}

QString TrialController::titrationPhase() const
{
    return QString::fromUtf8(titration::phaseName(m_advice.phase));
}

QString TrialController::nextStepIn() const
{
    if (m_advice.nextStepAtMs == 0)
        return {};
    const int64_t left = std::max<int64_t>(0, m_advice.nextStepAtMs - now()) / 1000;
    return QStringLiteral("%1:%2").arg(left / 60).arg(left % 60, 2, 10, QLatin1Char('0'));
}

void TrialController::tick()
{
    m_advice = m_titration.advise(now());
    emit titrationChanged();
}

void TrialController::startInfusion()
{
    act(titration::Action::Start);
    m_timer.start();
}

void TrialController::reportHypotension()
{
    act(titration::Action::Hypotension);
}

void TrialController::reportHypoxaemia()
{
    act(titration::Action::Hypoxaemia);
}

void TrialController::reportResolved()
{
    act(titration::Action::Resolved);
}

void TrialController::reportSevereHypotension()
{
    act(titration::Action::SevereHypotension);
}

void TrialController::reportSevereBleeding()
{
    act(titration::Action::SevereBleeding);
}

void TrialController::reportSurgery()
{
    act(titration::Action::Surgery);
}

bool TrialController::resumeInfusion()
{
    const size_t before = m_titration.log().size();
    act(titration::Action::Resume);
    return m_titration.log().size() > before;
}

} // namespace crf::ui
