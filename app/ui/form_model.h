// FormModel: any form of the study definition as a list of items for the generic QML renderer.
#pragma once

#include "clock.h"
#include "form_engine.h"
#include "tablet_store.h"

#include <QAbstractListModel>
#include <QImage>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <QVariantList>
#include <QVariantMap>
#include <optional>
#include <set>

namespace crf::app {
class AppCore;
}

namespace crf::ui {

class StudyController;

/// One instance per open form. Inputs: study, core, subject, visit, form, repeat. Every rule (derived values,
/// visibility, ranges, checks, eligibility) comes from core/study's FormEngine; this class only adapts it to QML
/// and routes load/save through AppCore (storage thread). UI thread only.
class FormModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(QObject* study READ study WRITE setStudy NOTIFY configChanged)
    Q_PROPERTY(QObject* core READ core WRITE setCore NOTIFY configChanged)
    Q_PROPERTY(QString subjectId MEMBER m_subjectId NOTIFY configChanged)
    Q_PROPERTY(QString visitOid MEMBER m_visitOid NOTIFY configChanged)
    Q_PROPERTY(QString formOid READ formOid WRITE setFormOid NOTIFY configChanged)
    Q_PROPERTY(int repeat MEMBER m_repeat NOTIFY configChanged)
    Q_PROPERTY(QString title READ title NOTIFY configChanged)
    Q_PROPERTY(QString description READ description NOTIFY configChanged)
    Q_PROPERTY(bool repeating READ repeating NOTIFY configChanged)
    Q_PROPERTY(bool dirty READ dirty NOTIFY stateChanged)
    Q_PROPERTY(bool canSave READ canSave NOTIFY stateChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY stateChanged)
    Q_PROPERTY(QString message READ message NOTIFY stateChanged)
    Q_PROPERTY(QVariantList formIssues READ formIssues NOTIFY stateChanged)
    Q_PROPERTY(QString eligibilityStatus READ eligibilityStatus NOTIFY stateChanged)
    Q_PROPERTY(QVariantList eligibilityFailing READ eligibilityFailing NOTIFY stateChanged)
    Q_PROPERTY(QVariantList eligibilityUndecided READ eligibilityUndecided NOTIFY stateChanged)
    Q_PROPERTY(QVariantList missingReasons READ missingReasons CONSTANT)
    Q_PROPERTY(QVariantList computed READ computed NOTIFY stateChanged)
    Q_PROPERTY(bool showMissing READ showMissing NOTIFY stateChanged)
    Q_PROPERTY(QString recordStatus READ recordStatus NOTIFY stateChanged)
    Q_PROPERTY(QString signatureText READ signatureText NOTIFY stateChanged)
    Q_PROPERTY(bool signatureIntact READ signatureIntact NOTIFY stateChanged)
    Q_PROPERTY(bool canSign READ canSign NOTIFY stateChanged)
    /// The data queries on this form instance, as the last sync brought them (answers given here shown pending):
    /// [{id, item, itemLabel, origin, state, question, answer, pending, canAnswer}].
    Q_PROPERTY(QVariantList queries READ queries NOTIFY queriesChanged)
    Q_PROPERTY(QString queryMessage READ queryMessage NOTIFY queriesChanged)
    /// Photos of this form's photo items, in memory only: {item OID: "data:image/...;base64,..."}.
    Q_PROPERTY(QVariantMap photos READ photos NOTIFY photosChanged)
    /// Set when unsaved input kept from an earlier session of this user was put back ("" otherwise).
    Q_PROPERTY(QString draftNote READ draftNote NOTIFY stateChanged)
    Q_PROPERTY(QString draftWarning READ draftWarning NOTIFY stateChanged)

public:
    enum Roles {
        OidRole = Qt::UserRole + 1,
        LabelRole,
        SectionRole,
        TypeRole,
        UnitRole,
        UnitsRole,
        ValueRole,
        DisplayValueRole,
        DerivedRole,
        VisibleRole,
        RequiredRole,
        ChoicesRole,
        IssueLevelRole,
        IssueMessageRole,
        ConfirmedRole,
        MissingReasonRole,
        MissingTextRole,
        HelpRole,
        SiteOnlyRole,
        ConflictRole,
        CaptureRole,
        UnitLabelRole,  // the current unit as shown (UnitRole is the unit stored with the value)
        UnitLabelsRole, // the allowed units as shown, in the order of UnitsRole
    };

    explicit FormModel(QObject* parent = nullptr);
    ~FormModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QObject* study() const;
    void setStudy(QObject* study);
    QObject* core() const;
    void setCore(QObject* core);
    QString formOid() const { return m_formOid; }
    void setFormOid(const QString& oid);
    QString title() const;
    QString description() const;
    bool repeating() const;
    bool dirty() const { return effectiveValues() != m_saved; }
    bool canSave() const;
    bool busy() const { return m_busy; }
    /// Missing-value prompts are shown once a save was attempted (an empty form is not an error yet).
    bool showMissing() const { return m_showMissing; }
    /// "" or ENTERED_IN_ERROR / RESTORED: the whole form instance is marked, its values stay visible and audited.
    QString recordStatus() const { return m_recordStatus; }
    QString message() const { return m_message; }
    QVariantList formIssues() const;
    QString eligibilityStatus() const;
    QVariantList eligibilityFailing() const;
    QVariantList eligibilityUndecided() const;
    QVariantList missingReasons() const;
    /// The form's derived values for an always-visible summary: [{oid, label, value, unit}].
    QVariantList computed() const;

    Q_INVOKABLE void load();
    Q_INVOKABLE void setValue(const QString& oid, const QString& text);
    Q_INVOKABLE void setUnit(const QString& oid, const QString& unit);
    Q_INVOKABLE void setConfirmed(const QString& oidOrCheck, bool confirmed);
    Q_INVOKABLE void setMissingReason(const QString& oid, const QString& code, const QString& text);
    /// The value of an item as shown (derived values rounded to the item's decimals).
    Q_INVOKABLE QString valueOf(const QString& oid) const;
    Q_INVOKABLE int rowOf(const QString& oid) const;
    /// The current local date-time in ISO 8601 with its UTC offset (for "Now" buttons).
    Q_INVOKABLE QString now() const;
    /// True when saving changes a value saved before (the page then asks for a reason, 21 CFR 11.10(e)).
    Q_INVOKABLE bool needsReason() const;
    Q_INVOKABLE void save(const QString& reasonCode = {}, const QString& reasonText = {});
    /// Marks the form instance entered in error (or restores it) with a reason; nothing is deleted.
    /// The investigator signs this form instance; the password is checked again (21 CFR 11.200(a)).
    Q_INVOKABLE void sign(const QString& password);
    QString signatureText() const { return m_signatureText; }
    bool signatureIntact() const { return m_signatureIntact; }
    bool canSign() const;
    Q_INVOKABLE void setRecordStatus(const QString& status, const QString& reasonCode, const QString& reasonText);
    QVariantList queries() const { return m_queries; }
    QString queryMessage() const { return m_queryMessage; }
    /// Answers a query of this form (offline too: kept on the tablet until the gateway has it). Changing the value
    /// is a separate save, with its reason.
    Q_INVOKABLE void answerQuery(const QString& id, const QString& text);
    Q_INVOKABLE void loadQueries();
    /// Imports a photo from a file (no camera, or a picture taken with the ward's device) into the encrypted store:
    /// metadata stripped, refused above the size limit or when not JPEG/PNG; the item then holds its digest. The file
    /// is read, never copied or moved.
    Q_INVOKABLE void attachPhoto(const QString& oid, const QUrl& file);
    /// A photo taken with the tablet's camera (PhotoCamera): encoded as JPEG in memory, then kept as attachPhoto keeps
    /// a file's bytes. Nothing is written outside the encrypted store.
    Q_INVOKABLE void attachImage(const QString& oid, const QImage& image);
    QVariantMap photos() const { return m_photos; }
    QString draftNote() const { return m_draftNote; }
    /// Not empty while the unsaved input could not be kept as a draft (e.g. the storage is full): says so and why.
    QString draftWarning() const { return m_draftWarning; }
    /// Drops the unsaved input (and its draft) and shows the saved values again.
    Q_INVOKABLE void discardChanges();
    /// Writes the draft now (the page is left, the tablet locks); otherwise it is written shortly after each change.
    Q_INVOKABLE void keepDraftNow();
    /// How soon a draft that could not be kept is tried again (5 s; tests shorten it).
    Q_INVOKABLE void setDraftRetryInterval(int ms) { m_draftRetry.setInterval(ms); }
    /// The definition of an item of this form (nullptr if unknown); for instruments that fill items (CrtStopwatch).
    const v1::Item* itemDef(const QString& oid) const;
    /// The clock saves are stamped with (the app core's); the system clock without a core.
    const Clock& clock() const;

signals:
    void queriesChanged();
    void photosChanged();
    void configChanged();
    void stateChanged();
    void saved(bool ok, const QString& message);

private:
    study::FormValues effectiveValues() const;
    void rebuild();
    void reevaluate();
    void setState(bool busy, const QString& message);
    const v1::Form* form() const;
    const study::Issue* issueFor(const std::string& oid) const;

    QPointer<StudyController> m_study;
    QPointer<crf::app::AppCore> m_core;
    void loadSignature();
    QString m_signatureText;
    bool m_signatureIntact = false;
    QString m_subjectId, m_visitOid, m_formOid;
    int m_repeat = 0;
    struct Row {
        const v1::Item* item;
        QString section;
    };
    std::vector<Row> m_rows;
    study::FormValues m_entered;       // as typed (plus "#ND" companions)
    study::FormValues m_saved;         // as loaded or last saved
    std::set<std::string> m_conflicts; // items the gateway marked in conflict (a data query is open)
    study::FormState m_state;
    std::set<std::string> m_confirmed;
    bool m_busy = false;
    bool m_showMissing = false;
    QString m_message;
    QString m_recordStatus;
    QVariantList m_queries;
    QString m_queryMessage;
    QVariantMap m_photos;
    void loadPhotos();
    // Drafts (docs/bedside.md "Nothing typed is lost"): the input of the form instance last loaded, in the store.
    QString m_draftNote;
    QTimer m_draftTimer;
    QString m_draftWarning;
    QTimer m_draftRetry; // a draft that could not be kept is tried again until it is (space freed, form saved)
    std::optional<crf::store::FormKey> m_loadedKey;
    bool m_draftStored = false; // a draft of the loaded instance is in the store
    void restoreDraft(const std::string& bytes);
    void clearDraftWarning();
    void keepPhoto(const QString& oid, std::string bytes, const QString& name);
};

} // namespace crf::ui
