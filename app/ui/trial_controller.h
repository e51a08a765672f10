// TrialController: consent status, the site's consent worklist, randomization with its dosing plan and titration
// timer, and emergency unblinding, for QML. Every rule runs in core/ and app/trial/ through AppCore; this only holds
// what the screens show.
#pragma once

#include "app_core.h"
#include "titration.h"

#include <QObject>
#include <QTimer>
#include <QVariantList>

namespace crf::ui {

/// One subject at a time (load()), plus the site's worklist. Lives on the UI thread.
class TrialController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString subjectId READ subjectId NOTIFY changed)
    Q_PROPERTY(QString consentState READ consentState NOTIFY changed)
    Q_PROPERTY(QString consentLabel READ consentLabel NOTIFY changed)
    Q_PROPERTY(bool consentPending READ consentPending NOTIFY changed)
    Q_PROPERTY(bool collectionStopped READ collectionStopped NOTIFY changed)
    Q_PROPERTY(QString consentProblem READ consentProblem NOTIFY changed)
    Q_PROPERTY(int nextConsentRepeat READ nextConsentRepeat NOTIFY changed)
    Q_PROPERTY(QString consentFormOid READ consentFormOid CONSTANT)
    Q_PROPERTY(QString consentVisitOid READ consentVisitOid CONSTANT)
    Q_PROPERTY(QVariantList worklist READ worklist NOTIFY worklistChanged)
    /// The loaded subject's casebook by visit: [{oid, name, day, date, due, forms: [{oid, name, repeating, entries,
    /// status, statusLabel, pending}]}]; due is "", "today", "overdue" or "later" (D0 from the randomization time).
    Q_PROPERTY(QVariantList casebook READ casebook NOTIFY casebookChanged)
    Q_PROPERTY(bool hasRandomization READ hasRandomization CONSTANT)
    Q_PROPERTY(bool boxes READ boxes CONSTANT)
    Q_PROPERTY(int proposedNumber READ proposedNumber NOTIFY changed)
    Q_PROPERTY(QString proposalNote READ proposalNote NOTIFY changed)
    Q_PROPERTY(bool randomized READ randomized NOTIFY changed)
    Q_PROPERTY(int randomizedNumber READ randomizedNumber NOTIFY changed)
    Q_PROPERTY(QString revealedArm READ revealedArm NOTIFY changed)
    Q_PROPERTY(QString message READ message NOTIFY changed)
    Q_PROPERTY(bool busy READ busy NOTIFY changed)
    Q_PROPERTY(QString ibwText READ ibwText NOTIFY changed)
    Q_PROPERTY(QVariantList doseSteps READ doseSteps NOTIFY changed)
    Q_PROPERTY(QString dosingProblem READ dosingProblem NOTIFY changed)
    Q_PROPERTY(QString titrationPhase READ titrationPhase NOTIFY titrationChanged)
    Q_PROPERTY(QString titrationPhaseLabel READ titrationPhaseLabel NOTIFY titrationChanged)
    Q_PROPERTY(QString titrationInstruction READ titrationInstruction NOTIFY titrationChanged)
    Q_PROPERTY(int titrationLevel READ titrationLevel NOTIFY titrationChanged)
    Q_PROPERTY(QString nextStepIn READ nextStepIn NOTIFY titrationChanged)
    Q_PROPERTY(QString unblindResult READ unblindResult NOTIFY changed)
    Q_PROPERTY(QString codeBreakProcedure READ codeBreakProcedure CONSTANT)

public:
    explicit TrialController(app::AppCore* core, QObject* parent = nullptr);

    Q_INVOKABLE void load(const QString& subjectId);
    Q_INVOKABLE void refreshWorklist();
    /// Randomizes the loaded subject with the number the investigator read on the box.
    Q_INVOKABLE void randomize(int confirmedNumber);
    Q_INVOKABLE void unblind(const QString& reason);
    // The titration timer at the bedside (core/titration.h); the tablet's clock.
    Q_INVOKABLE void startInfusion();
    Q_INVOKABLE void reportHypotension();
    Q_INVOKABLE void reportHypoxaemia();
    Q_INVOKABLE void reportResolved();
    Q_INVOKABLE void reportSevereHypotension();
    Q_INVOKABLE void reportSevereBleeding();
    Q_INVOKABLE void reportSurgery();
    Q_INVOKABLE bool resumeInfusion();

    QString subjectId() const { return m_subjectId; }
    QString consentState() const { return m_consentState; }
    QString consentLabel() const { return m_consentLabel; }
    bool consentPending() const { return m_consentPending; }
    bool collectionStopped() const { return m_collectionStopped; }
    QString consentProblem() const { return m_consentProblem; }
    int nextConsentRepeat() const { return m_nextConsentRepeat; }
    QString consentFormOid() const;
    QString consentVisitOid() const;
    QVariantList worklist() const { return m_worklist; }
    QVariantList casebook() const { return m_casebook; }
    /// Reads the casebook overview again (after a save, a sync, a page coming back into view).
    Q_INVOKABLE void refreshCasebook();
    bool hasRandomization() const;
    bool boxes() const;
    int proposedNumber() const { return m_proposedNumber; }
    QString proposalNote() const { return m_proposalNote; }
    bool randomized() const { return m_randomizedNumber > 0; }
    int randomizedNumber() const { return m_randomizedNumber; }
    QString revealedArm() const { return m_revealedArm; }
    QString message() const { return m_message; }
    bool busy() const { return m_busy; }
    QString ibwText() const { return m_ibwText; }
    QVariantList doseSteps() const { return m_doseSteps; }
    QString dosingProblem() const { return m_dosingProblem; }
    QString titrationPhase() const;
    /// The phase in the screen's language (titrationPhase is the code the page compares).
    QString titrationPhaseLabel() const;
    QString titrationInstruction() const;
    int titrationLevel() const { return m_advice.level; }
    QString nextStepIn() const;
    QString unblindResult() const { return m_unblindResult; }
    QString codeBreakProcedure() const;

signals:
    void changed();
    void worklistChanged();
    void casebookChanged();
    void titrationChanged();

private:
    void applyPlan(const app::trial::DosingPlan& plan);
    /// Applies a bedside report to the timer and keeps the timer's log in the encrypted store.
    void act(titration::Action action);
    void tick();
    int64_t now() const;

    app::AppCore* m_core;
    QString m_subjectId, m_consentState, m_consentLabel, m_consentProblem;
    bool m_consentPending = false, m_collectionStopped = false, m_busy = false;
    int m_nextConsentRepeat = 0;
    QVariantList m_worklist;
    QVariantList m_casebook;
    int m_proposedNumber = 0, m_randomizedNumber = 0;
    QString m_proposalNote, m_revealedArm, m_message, m_ibwText, m_dosingProblem, m_unblindResult;
    QVariantList m_doseSteps;
    titration::Titration m_titration;
    titration::Advice m_advice;
    QTimer m_timer;
};

} // namespace crf::ui
