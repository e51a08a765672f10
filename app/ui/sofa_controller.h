// SofaController: view-model of the daily SOFA form (raw inputs in, organ scores and total out, computed in core).
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QVariantMap>

namespace crf::app {
class AppCore;
}

namespace crf::ui {

/// One instance per SOFA page. Inputs are the texts as typed (blank = not measured); outputs are read-only.
/// Scores are -1 when the organ is missing (never shown as 0). Lives on the UI thread; load/save go through AppCore.
class SofaController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QObject* core READ core WRITE setCore NOTIFY coreChanged)
    Q_PROPERTY(QString subjectId MEMBER m_subjectId NOTIFY formChanged)
    Q_PROPERTY(int day MEMBER m_day NOTIFY formChanged)

    Q_PROPERTY(QString pao2 MEMBER m_pao2 NOTIFY inputsChanged)
    Q_PROPERTY(QString fio2 MEMBER m_fio2 NOTIFY inputsChanged)
    Q_PROPERTY(bool respiratorySupport MEMBER m_respiratorySupport NOTIFY inputsChanged)
    Q_PROPERTY(QString platelets MEMBER m_platelets NOTIFY inputsChanged)
    Q_PROPERTY(QString bilirubin MEMBER m_bilirubin NOTIFY inputsChanged)
    Q_PROPERTY(QString bilirubinUnit MEMBER m_bilirubinUnit NOTIFY inputsChanged)
    Q_PROPERTY(QString map MEMBER m_map NOTIFY inputsChanged)
    Q_PROPERTY(QString dopamine MEMBER m_dopamine NOTIFY inputsChanged)
    Q_PROPERTY(QString dobutamine MEMBER m_dobutamine NOTIFY inputsChanged)
    Q_PROPERTY(QString epinephrine MEMBER m_epinephrine NOTIFY inputsChanged)
    Q_PROPERTY(QString norepinephrine MEMBER m_norepinephrine NOTIFY inputsChanged)
    Q_PROPERTY(QString gcs MEMBER m_gcs NOTIFY inputsChanged)
    Q_PROPERTY(QString creatinine MEMBER m_creatinine NOTIFY inputsChanged)
    Q_PROPERTY(QString creatinineUnit MEMBER m_creatinineUnit NOTIFY inputsChanged)
    Q_PROPERTY(QString urineOutput MEMBER m_urineOutput NOTIFY inputsChanged)

    Q_PROPERTY(int respirationScore READ respirationScore NOTIFY scoresChanged)
    Q_PROPERTY(int coagulationScore READ coagulationScore NOTIFY scoresChanged)
    Q_PROPERTY(int liverScore READ liverScore NOTIFY scoresChanged)
    Q_PROPERTY(int cardiovascularScore READ cardiovascularScore NOTIFY scoresChanged)
    Q_PROPERTY(int cnsScore READ cnsScore NOTIFY scoresChanged)
    Q_PROPERTY(int renalScore READ renalScore NOTIFY scoresChanged)
    Q_PROPERTY(int total READ total NOTIFY scoresChanged)
    Q_PROPERTY(bool complete READ complete NOTIFY scoresChanged)
    Q_PROPERTY(QString pfRatio READ pfRatio NOTIFY scoresChanged)
    Q_PROPERTY(QVariantMap errors READ errors NOTIFY scoresChanged)

    Q_PROPERTY(bool dirty READ dirty NOTIFY stateChanged)
    Q_PROPERTY(bool hasSavedValues READ hasSavedValues NOTIFY stateChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY stateChanged)
    Q_PROPERTY(QString message READ message NOTIFY stateChanged)

public:
    explicit SofaController(QObject* parent = nullptr);

    QObject* core() const;
    void setCore(QObject* core);

    int respirationScore() const { return m_scores[0]; }
    int coagulationScore() const { return m_scores[1]; }
    int liverScore() const { return m_scores[2]; }
    int cardiovascularScore() const { return m_scores[3]; }
    int cnsScore() const { return m_scores[4]; }
    int renalScore() const { return m_scores[5]; }
    int total() const { return m_total; }
    bool complete() const { return m_complete; }
    QString pfRatio() const { return m_pfRatio; }
    QVariantMap errors() const { return m_errors; }
    bool dirty() const { return m_dirty; }
    bool hasSavedValues() const { return !m_saved.isEmpty(); }
    bool busy() const { return m_busy; }
    QString message() const { return m_message; }

    /// Loads the stored values of subject/day into the inputs.
    Q_INVOKABLE void load();
    /// True when saving now changes a previously saved value (the page then asks for a reason).
    Q_INVOKABLE bool needsReason() const;
    /// Saves the inputs; the reason is required when needsReason() (checked again in the store).
    Q_INVOKABLE void save(const QString& reasonCode = {}, const QString& reasonText = {});

signals:
    void coreChanged();
    void formChanged();
    void inputsChanged();
    void scoresChanged();
    void stateChanged();
    void saved(bool ok, const QString& message);

private:
    void fetch(bool onlyIfClean);
    QVariantMap currentValues() const; // item OID -> {value, unit}
    void recompute();
    void setState(bool busy, const QString& message);

    QPointer<crf::app::AppCore> m_core;
    QString m_subjectId;
    int m_day = 0;
    QString m_pao2, m_fio2, m_platelets, m_bilirubin, m_map, m_dopamine, m_dobutamine, m_epinephrine, m_norepinephrine,
        m_gcs, m_creatinine, m_urineOutput;
    bool m_respiratorySupport = false;
    QString m_bilirubinUnit = QStringLiteral("umol/L");
    QString m_creatinineUnit = QStringLiteral("umol/L");

    int m_scores[6] = {-1, -1, -1, -1, -1, -1};
    int m_total = 0;
    bool m_complete = false;
    QString m_pfRatio;
    QVariantMap m_errors;
    QVariantMap m_saved; // as loaded/saved, to tell dirty and whether a reason is needed
    bool m_dirty = false;
    bool m_busy = false;
    QString m_message;
};

} // namespace crf::ui
