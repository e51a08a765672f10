#include "form_model.h"
#include "language.h"

#include "app_core.h"
#include "definition.h"
#include "dosing.h"
#include "study_controller.h"

#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <cmath>

namespace crf::ui {
namespace {

/// How soon a draft that could not be kept is tried again (the input stays on the screen meanwhile).
constexpr int kDraftRetryMs = 5000;

/// A computed number ("9.5") in the screen's decimal notation; anything else as it is.
QString localNumber(const QString& value)
{
    static const QRegularExpression number(QStringLiteral("^-?\\d+\\.\\d+$"));
    if (!number.match(value).hasMatch())
        return value;
    QString out = value;
    out.replace(QLatin1Char('.'), QLocale().decimalPoint());
    return out;
}

/// A unit as shown: its label in the screen's language (study::localized), else the unit as written.
QString unitLabel(const v1::UnitRanges& u)
{
    return QString::fromStdString(u.label().empty() ? u.unit() : u.label());
}

} // namespace

namespace {

QString typeName(v1::ItemType t)
{
    switch (t) {
    case v1::ITEM_TYPE_INTEGER:
        return QStringLiteral("integer");
    case v1::ITEM_TYPE_DECIMAL:
        return QStringLiteral("decimal");
    case v1::ITEM_TYPE_TEXT:
        return QStringLiteral("text");
    case v1::ITEM_TYPE_BOOLEAN:
        return QStringLiteral("boolean");
    case v1::ITEM_TYPE_DATE:
        return QStringLiteral("date");
    case v1::ITEM_TYPE_DATETIME:
        return QStringLiteral("datetime");
    case v1::ITEM_TYPE_CODE:
        return QStringLiteral("code");
    case v1::ITEM_TYPE_PHOTO:
        return QStringLiteral("photo");
    default:
        return QStringLiteral("text");
    }
}

QString levelName(study::IssueLevel l)
{
    switch (l) {
    case study::IssueLevel::Error:
        return QStringLiteral("error");
    case study::IssueLevel::Warning:
        return QStringLiteral("warning");
    case study::IssueLevel::MissingReason:
        return QStringLiteral("missing");
    }
    return {};
}

std::string missingKey(const std::string& oid)
{
    return oid + study::kMissingSuffix;
}

} // namespace

FormModel::FormModel(QObject* parent) : QAbstractListModel(parent)
{
    // Typing is not slowed by the store: the draft is written once the input pauses.
    m_draftTimer.setSingleShot(true);
    m_draftTimer.setInterval(400);
    connect(&m_draftTimer, &QTimer::timeout, this, &FormModel::keepDraftNow);
    m_draftRetry.setSingleShot(true);
    m_draftRetry.setInterval(kDraftRetryMs);
    connect(&m_draftRetry, &QTimer::timeout, this, &FormModel::keepDraftNow);
}

FormModel::~FormModel()
{
    if (m_draftTimer.isActive() || m_draftRetry.isActive())
        keepDraftNow();
    if (m_core)
        m_core->setUnkeptInput(this, false); // a last attempt was made above; the page is gone either way
}

void FormModel::keepDraftNow()
{
    m_draftTimer.stop();
    m_draftRetry.stop();
    if (!m_core || !m_loadedKey)
        return;
    std::string bytes; // empty: nothing unsaved, the draft goes
    if (!dirty() && !m_draftStored) {
        clearDraftWarning(); // nothing is left to keep (saved, or typed back to what is saved)
        return;              // nothing to keep and nothing kept: no write at all
    }
    m_draftStored = dirty();
    if (dirty()) {
        QJsonObject values;
        for (const auto& [oid, v] : m_entered)
            values[QString::fromStdString(oid)] =
                QJsonArray{QString::fromStdString(v.text), QString::fromStdString(v.unit)};
        QJsonArray confirmed;
        for (const auto& c : m_confirmed)
            confirmed.append(QString::fromStdString(c));
        bytes = QJsonDocument(QJsonObject{{QStringLiteral("at"), static_cast<double>(clock().nowMs())},
                                          {QStringLiteral("values"), values},
                                          {QStringLiteral("confirmed"), confirmed}})
                    .toJson(QJsonDocument::Compact)
                    .toStdString();
    }
    m_core->keepDraft(*m_loadedKey, std::move(bytes), [this, self = QPointer(this), key = *m_loadedKey](Status st) {
        if (!self || !m_loadedKey || !(*m_loadedKey == key))
            return; // another instance is shown now: its own drafts answer for it
        if (st) {
            clearDraftWarning();
            return;
        }
        // Not kept: what was kept before (or nothing) is still in the store, so the next attempt must write
        // whatever the input is then, even none. The input itself is on the screen, untouched.
        m_draftStored = true;
        m_draftWarning =
            tr("What you typed is not kept on this tablet yet (%1). Save the form, or keep this page open.")
                .arg(errorMessage(st.error())); // the place is an internal key
        m_draftRetry.start();
        m_core->setUnkeptInput(this, true);
        emit stateChanged();
    });
}

void FormModel::clearDraftWarning()
{
    if (m_core)
        m_core->setUnkeptInput(this, false);
    if (m_draftWarning.isEmpty())
        return;
    m_draftWarning.clear();
    emit stateChanged();
}

void FormModel::restoreDraft(const std::string& bytes)
{
    const QJsonObject draft = QJsonDocument::fromJson(QByteArray::fromStdString(bytes)).object();
    if (draft.isEmpty())
        return; // none, or unreadable (never written half: the store's transaction)
    study::FormValues values;
    const QJsonObject entered = draft.value(QStringLiteral("values")).toObject();
    for (auto it = entered.begin(); it != entered.end(); ++it) {
        const QJsonArray v = it.value().toArray();
        values[it.key().toStdString()] = {v.at(0).toString().toStdString(), v.at(1).toString().toStdString()};
    }
    m_entered = std::move(values);
    m_draftStored = true;
    for (const auto& c : draft.value(QStringLiteral("confirmed")).toArray())
        m_confirmed.insert(c.toString().toStdString());
    const QDateTime at =
        QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(draft.value(QStringLiteral("at")).toDouble()));
    m_draftNote = tr("Unsaved input from %1 was kept on this tablet and is shown again: save it, or discard it.")
                      .arg(QLocale().toString(at, QLocale::ShortFormat));
    reevaluate();
}

void FormModel::discardChanges()
{
    m_entered.clear();
    m_draftNote.clear();
    if (m_core && m_loadedKey)
        m_core->keepDraft(*m_loadedKey, {});
    m_draftStored = false;
    m_loadedKey.reset(); // nothing of the discarded input is written back while reloading
    reevaluate();
    load();
}

QObject* FormModel::study() const
{
    return m_study.data();
}

void FormModel::setStudy(QObject* study)
{
    m_study = qobject_cast<StudyController*>(study);
    rebuild();
    emit configChanged();
}

QObject* FormModel::core() const
{
    return m_core.data();
}

void FormModel::setCore(QObject* core)
{
    if (m_core) {
        disconnect(m_core, nullptr, this, nullptr);
        m_core->setUnkeptInput(this, false);
    }
    m_core = qobject_cast<crf::app::AppCore*>(core);
    if (m_core) {
        // The site's queries arrive with syncs and depend on who is logged in.
        connect(m_core, &crf::app::AppCore::actorChanged, this, &FormModel::loadQueries);
        connect(m_core, &crf::app::AppCore::syncFinished, this, &FormModel::loadQueries);
    }
    emit configChanged();
}

void FormModel::setFormOid(const QString& oid)
{
    m_formOid = oid;
    rebuild();
    emit configChanged();
}

const v1::Form* FormModel::form() const
{
    if (!m_study)
        return nullptr;
    return study::findForm(*m_study->definition(), m_formOid.toStdString());
}

QString FormModel::title() const
{
    const auto* f = form();
    return f ? QString::fromStdString(f->name()) : QString();
}

QString FormModel::description() const
{
    const auto* f = form();
    return f ? QString::fromStdString(f->description()) : QString();
}

bool FormModel::repeating() const
{
    const auto* f = form();
    return f && f->repeating();
}

void FormModel::rebuild()
{
    beginResetModel();
    m_rows.clear();
    m_entered.clear();
    m_saved.clear();
    m_confirmed.clear();
    m_conflicts.clear();
    if (const auto* f = form()) {
        for (const auto& s : f->sections())
            for (const auto& i : s.items())
                m_rows.push_back({&i, QString::fromStdString(s.title())});
    }
    endResetModel();
    reevaluate();
}

void FormModel::reevaluate()
{
    if (const auto* f = form())
        m_state = study::evaluateForm(*m_study->definition(), *f, m_entered);
    else
        m_state = {};
    if (!m_rows.empty())
        emit dataChanged(index(0), index(static_cast<int>(m_rows.size()) - 1));
    if (m_loadedKey)
        m_draftTimer.start();
    emit stateChanged();
}

int FormModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

const study::Issue* FormModel::issueFor(const std::string& oid) const
{
    const study::Issue* best = nullptr;
    for (const auto& i : m_state.issues) {
        if (i.item != oid)
            continue;
        if (!best || static_cast<int>(i.level) < static_cast<int>(best->level))
            best = &i; // errors before warnings before missing values
    }
    return best;
}

QString FormModel::valueOf(const QString& oid) const
{
    const std::string key = oid.toStdString();
    auto it = m_state.values.find(key);
    if (it == m_state.values.end())
        return {};
    const v1::Item* item = form() ? study::findItem(*form(), key) : nullptr;
    if (item && item->has_derived() && !it->second.text.empty()) {
        // Stored unrounded; shown at the definition's precision (IBW 0.1 kg, rates 0.01 mL/h).
        bool ok = false;
        const double v = QString::fromStdString(it->second.text).toDouble(&ok);
        if (ok)
            return QString::number(dosing::roundTo(v, item->decimals()), 'f', item->decimals());
    }
    return QString::fromStdString(it->second.text);
}

QString FormModel::now() const
{
    // Always with an explicit offset (shared FACTS "Data exchange"), e.g. 2026-11-22T08:15:00+01:00.
    const QDateTime t = QDateTime::currentDateTime();
    return t.toOffsetFromUtc(t.offsetFromUtc()).toString(Qt::ISODate);
}

int FormModel::rowOf(const QString& oid) const
{
    for (size_t r = 0; r < m_rows.size(); ++r)
        if (QString::fromStdString(m_rows[r].item->oid()) == oid)
            return static_cast<int>(r);
    return -1;
}

QVariant FormModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const v1::Item& item = *m_rows[static_cast<size_t>(index.row())].item;
    const std::string& oid = item.oid();
    switch (role) {
    case Qt::DisplayRole:
    case OidRole:
        return QString::fromStdString(oid);
    case LabelRole:
        return QString::fromStdString(item.label());
    case SectionRole:
        return m_rows[static_cast<size_t>(index.row())].section;
    case TypeRole:
        return typeName(item.type());
    case UnitRole: {
        auto it = m_entered.find(oid);
        if (it != m_entered.end() && !it->second.unit.empty())
            return QString::fromStdString(it->second.unit);
        return item.units_size() ? QString::fromStdString(item.units(0).unit()) : QString();
    }
    case UnitsRole: {
        QStringList units;
        for (const auto& u : item.units())
            units << QString::fromStdString(u.unit());
        return units;
    }
    case UnitLabelRole: {
        // How the current unit is shown in the screen's language (the unit itself stays the value's).
        const QString unit = data(index, UnitRole).toString();
        for (const auto& u : item.units())
            if (QString::fromStdString(u.unit()) == unit)
                return unitLabel(u);
        return unit;
    }
    case UnitLabelsRole: {
        QStringList labels;
        for (const auto& u : item.units())
            labels << unitLabel(u);
        return labels;
    }
    case ValueRole:
        return valueOf(QString::fromStdString(oid));
    case DisplayValueRole:
        // A derived number in the screen's notation ("9,5" in French); what is typed is shown as typed.
        return item.has_derived() ? localNumber(valueOf(QString::fromStdString(oid)))
                                  : valueOf(QString::fromStdString(oid));
    case DerivedRole:
        return item.has_derived();
    case VisibleRole:
        return !m_state.hidden.count(oid);
    case RequiredRole:
        return item.required();
    case ChoicesRole: {
        QVariantList choices;
        if (const auto* cl = study::findCodeList(*m_study->definition(), item.code_list_oid()))
            for (const auto& c : cl->items())
                choices.append(QVariantMap{{QStringLiteral("code"), QString::fromStdString(c.code())},
                                           {QStringLiteral("label"), QString::fromStdString(c.label())}});
        return choices;
    }
    case IssueLevelRole: {
        const auto* i = issueFor(oid);
        if (!i || (i->level == study::IssueLevel::MissingReason && !m_showMissing))
            return QString();
        return levelName(i->level);
    }
    case IssueMessageRole: {
        const auto* i = issueFor(oid);
        if (!i || (i->level == study::IssueLevel::MissingReason && !m_showMissing))
            return QString();
        return messageText(i->said());
    }
    case ConfirmedRole: {
        const auto* i = issueFor(oid);
        return i && i->level == study::IssueLevel::Warning &&
               m_confirmed.count(i->checkId.empty() ? i->item : i->checkId) > 0;
    }
    case MissingReasonRole:
    case MissingTextRole: {
        auto it = m_entered.find(missingKey(oid));
        if (it == m_entered.end())
            return QString();
        const QString r = QString::fromStdString(it->second.text);
        const int bar = r.indexOf(QLatin1Char('|'));
        return role == MissingReasonRole ? r.left(bar) : (bar < 0 ? QString() : r.mid(bar + 1));
    }
    case HelpRole:
        return QString::fromStdString(item.help());
    case SiteOnlyRole:
        return item.site_only();
    case ConflictRole:
        return m_conflicts.count(oid) > 0;
    case CaptureRole:
        return QString::fromStdString(item.capture().instrument());
    default:
        return {};
    }
}

QHash<int, QByteArray> FormModel::roleNames() const
{
    return {{OidRole, "oid"},
            {LabelRole, "label"},
            {SectionRole, "section"},
            {TypeRole, "itemType"},
            {UnitRole, "unit"},
            {UnitLabelRole, "unitLabel"},
            {UnitLabelsRole, "unitLabels"},
            {UnitsRole, "units"},
            {ValueRole, "value"},
            {DisplayValueRole, "displayValue"},
            {DerivedRole, "derived"},
            {VisibleRole, "shown"},
            {RequiredRole, "required"},
            {ChoicesRole, "choices"},
            {IssueLevelRole, "issueLevel"},
            {IssueMessageRole, "issueMessage"},
            {ConfirmedRole, "confirmed"},
            {MissingReasonRole, "missingReason"},
            {MissingTextRole, "missingText"},
            {HelpRole, "help"},
            {SiteOnlyRole, "siteOnly"},
            {ConflictRole, "conflict"},
            {CaptureRole, "capture"}};
}

const v1::Item* FormModel::itemDef(const QString& oid) const
{
    return form() ? study::findItem(*form(), oid.toStdString()) : nullptr;
}

const Clock& FormModel::clock() const
{
    static const SystemClock system;
    return m_core && m_core->config().clock ? *m_core->config().clock : system;
}

void FormModel::setValue(const QString& oid, const QString& text)
{
    const std::string key = oid.toStdString();
    const v1::Item* item = form() ? study::findItem(*form(), key) : nullptr;
    if (!item || item->has_derived())
        return;
    auto& v = m_entered[key];
    v.text = text.trimmed().toStdString();
    if (v.unit.empty() && item->units_size())
        v.unit = item->units(0).unit();
    if (v.text.empty()) {
        m_entered.erase(key);
    } else {
        m_entered.erase(missingKey(key)); // a value replaces a missing-data reason
    }
    reevaluate();
}

void FormModel::setUnit(const QString& oid, const QString& unit)
{
    const std::string key = oid.toStdString();
    auto it = m_entered.find(key);
    if (it == m_entered.end()) {
        // Remember the unit chosen before the value is typed.
        m_entered[key] = {"", unit.toStdString()};
    } else {
        it->second.unit = unit.toStdString();
    }
    reevaluate();
}

void FormModel::setConfirmed(const QString& oidOrCheck, bool confirmed)
{
    if (confirmed)
        m_confirmed.insert(oidOrCheck.toStdString());
    else
        m_confirmed.erase(oidOrCheck.toStdString());
    reevaluate();
}

void FormModel::setMissingReason(const QString& oid, const QString& code, const QString& text)
{
    const std::string key = missingKey(oid.toStdString());
    if (code.isEmpty())
        m_entered.erase(key);
    else
        m_entered[key] = {(code + QLatin1Char('|') + text.simplified()).toStdString(), ""};
    reevaluate();
}

bool FormModel::canSave() const
{
    // The engine reads the confirmations by item or check id.
    return form() && m_state.canSave(m_confirmed);
}

QVariantList FormModel::formIssues() const
{
    QVariantList out;
    for (const auto& i : m_state.issues)
        if (i.item.empty())
            out.append(QVariantMap{{QStringLiteral("level"), levelName(i.level)},
                                   {QStringLiteral("message"), messageText(i.said())}});
    return out;
}

QString FormModel::eligibilityStatus() const
{
    return m_state.eligibility ? QString::fromLatin1(study::verdictName(m_state.eligibility->status)) : QString();
}

QVariantList FormModel::eligibilityFailing() const
{
    QVariantList out;
    if (m_state.eligibility)
        for (const auto* c : m_state.eligibility->failing())
            out.append(QString::fromStdString(c->id + ": " + c->text));
    return out;
}

QVariantList FormModel::eligibilityUndecided() const
{
    QVariantList out;
    if (!m_state.eligibility)
        return out;
    for (const auto* c : m_state.eligibility->undecided()) {
        std::string missing;
        for (const auto& m : c->missing) {
            const v1::Item* item = form() ? study::findItem(*form(), m) : nullptr;
            missing += (missing.empty() ? "" : ", ") + (item ? item->label() : m);
        }
        out.append(
            QString::fromStdString(c->id + ": " + c->text + (missing.empty() ? "" : " (missing: " + missing + ")")));
    }
    return out;
}

QVariantList FormModel::computed() const
{
    QVariantList out;
    for (const auto& row : m_rows) {
        const v1::Item& item = *row.item;
        if (!item.has_derived() || m_state.hidden.count(item.oid()))
            continue;
        const QString oid = QString::fromStdString(item.oid());
        out.append(QVariantMap{{QStringLiteral("oid"), oid},
                               {QStringLiteral("label"), QString::fromStdString(item.label())},
                               {QStringLiteral("value"), localNumber(valueOf(oid))},
                               {QStringLiteral("unit"), item.units_size() ? unitLabel(item.units(0)) : QString()}});
    }
    return out;
}

QVariantList FormModel::missingReasons() const
{
    QVariantList out;
    for (const auto& [code, label] : study::missingReasons())
        out.append(QVariantMap{{QStringLiteral("code"), QString::fromStdString(code)},
                               {QStringLiteral("label"), QString::fromStdString(label)}});
    return out;
}

void FormModel::setState(bool busy, const QString& message)
{
    m_busy = busy;
    m_message = message;
    emit stateChanged();
}

void FormModel::load()
{
    if (!m_core || !form() || m_subjectId.isEmpty())
        return;
    if (m_draftTimer.isActive() || m_draftRetry.isActive())
        keepDraftNow(); // the input of the instance shown until now (another repeat is being opened)
    m_loadedKey.reset();
    m_draftStored = false;
    m_draftNote.clear();
    clearDraftWarning(); // the page keeps another entry from being opened while it is shown (FormPage.qml)
    m_draftRetry.stop();
    setState(true, QString());
    store::FormKey key{m_subjectId.toStdString(), m_visitOid.toStdString(), m_formOid.toStdString(),
                       static_cast<uint32_t>(m_repeat)};
    m_core->loadForm(key, [this, key, self = QPointer(this)](Result<std::map<std::string, store::FieldValue>> r) {
        if (!self)
            return;
        if (!r) {
            setState(false, errorText(r.error()));
            return;
        }
        m_entered.clear();
        m_conflicts.clear();
        for (const auto& [oid, v] : *r) {
            if (!v.value.empty())
                m_entered[oid] = {v.value, v.unit};
            if (v.conflict)
                m_conflicts.insert(oid);
        }
        m_confirmed.clear();
        m_core->loadRecordStatus({m_subjectId.toStdString(), m_visitOid.toStdString(), m_formOid.toStdString(),
                                  static_cast<uint32_t>(m_repeat)},
                                 [this, self = QPointer(this)](Result<std::string> status) {
                                     if (!self)
                                         return;
                                     m_recordStatus = status ? QString::fromStdString(*status) : QString();
                                     emit stateChanged();
                                     loadSignature();
                                     loadQueries();
                                 });
        m_state = study::evaluateForm(*m_study->definition(), *form(), m_entered);
        m_saved = effectiveValues();
        m_loadedKey = key;
        // Busy until the draft is read (the store thread answers in order: before any later draft write).
        m_core->loadDraft(key, [this, self](Result<std::string> draft) {
            if (!self)
                return;
            if (draft && !draft->empty() && !dirty())
                restoreDraft(draft.value());
            setState(false, QString());
            reevaluate();
            loadPhotos();
        });
    });
}

void FormModel::loadPhotos()
{
    m_photos.clear();
    emit photosChanged();
    if (!m_core)
        return;
    for (const auto& row : m_rows) {
        if (row.item->type() != v1::ITEM_TYPE_PHOTO)
            continue;
        const auto value = m_entered.find(row.item->oid());
        if (value == m_entered.end() || value->second.text.empty())
            continue;
        const QString oid = QString::fromStdString(row.item->oid());
        const std::string digest = value->second.text;
        m_core->loadPhoto(digest, [this, self = QPointer(this), oid, digest](Result<std::string> bytes) {
            if (!self)
                return;
            const auto now = m_entered.find(oid.toStdString());
            if (!bytes || now == m_entered.end() || now->second.text != digest)
                return; // only at the gateway (taken on another tablet), or replaced meanwhile
            const QByteArray data = QByteArray::fromStdString(bytes.value());
            const char* mime = data.startsWith("\x89PNG") ? "image/png" : "image/jpeg";
            m_photos[oid] =
                QStringLiteral("data:%1;base64,").arg(QLatin1String(mime)) + QString::fromLatin1(data.toBase64());
            emit photosChanged();
        });
    }
}

void FormModel::attachPhoto(const QString& oid, const QUrl& file)
{
    const v1::Item* item = itemDef(oid);
    if (!item || item->type() != v1::ITEM_TYPE_PHOTO || !m_core) {
        setState(false, tr("%1 is not a photo item of this form").arg(oid));
        return;
    }
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    QFile in(path);
    const qint64 limit = static_cast<qint64>(m_core->config().maxPhotoBytes);
    if (!in.open(QIODevice::ReadOnly)) {
        setState(false, tr("The photo %1 cannot be read").arg(QFileInfo(path).fileName()));
        return;
    }
    if (in.size() > limit + 64 * 1024) { // metadata is stripped first: allow its size, refuse the rest unread
        setState(false, tr("The photo %1 is too large (%2 MB; the limit is %3 MB)")
                            .arg(QFileInfo(path).fileName())
                            .arg(in.size() / (1024.0 * 1024.0), 0, 'f', 1)
                            .arg(limit / (1024.0 * 1024.0), 0, 'f', 1));
        return;
    }
    keepPhoto(oid, in.readAll().toStdString(), QFileInfo(path).fileName());
}

void FormModel::attachImage(const QString& oid, const QImage& image)
{
    const v1::Item* item = itemDef(oid);
    if (!item || item->type() != v1::ITEM_TYPE_PHOTO || !m_core) {
        setState(false, tr("%1 is not a photo item of this form").arg(oid));
        return;
    }
    if (image.isNull()) {
        setState(false, tr("The camera gave no picture: take the photo again"));
        return;
    }
    QByteArray jpeg;
    QBuffer buffer(&jpeg);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "JPEG", 90)) {
        setState(false, tr("The photo could not be encoded: take it again"));
        return;
    }
    keepPhoto(oid, jpeg.toStdString(), tr("from the camera"));
}

void FormModel::keepPhoto(const QString& oid, std::string bytes, const QString& name)
{
    setState(true, QString());
    m_core->addPhoto(std::move(bytes), [this, self = QPointer(this), oid, name](Result<std::string> digest) {
        if (!self)
            return;
        if (!digest) {
            setState(false, tr("The photo %1 was not kept: %2").arg(name, errorMessage(digest.error())));
            return;
        }
        setState(false, tr("Photo kept in the encrypted store; save the form to record it."));
        setValue(oid, QString::fromStdString(digest.value()));
        loadPhotos();
    });
}

void FormModel::loadQueries()
{
    if (!m_core)
        return;
    m_core->siteQueries([this, self = QPointer(this)](Result<app::trial::SiteQueries> r) {
        if (!self)
            return;
        m_queries.clear();
        m_queryMessage.clear();
        if (!r) {
            m_queryMessage = errorText(r.error());
            emit queriesChanged();
            return;
        }
        for (const auto& q : r->list.queries()) {
            const auto& f = q.form();
            if (f.subject_id() != m_subjectId.toStdString() || f.visit_oid() != m_visitOid.toStdString() ||
                f.form_oid() != m_formOid.toStdString() || f.repeat() != static_cast<uint32_t>(m_repeat))
                continue;
            QString question, answer;
            for (const auto& step : q.steps()) {
                if (step.action() == "OPEN" || step.action() == "REOPEN")
                    question = QString::fromStdString(step.text());
                if (step.action() == "ANSWER")
                    answer = QString::fromStdString(step.text());
            }
            const v1::Item* item = form() ? study::findItem(*form(), q.item_oid()) : nullptr;
            QVariantMap m;
            m["id"] = QString::fromStdString(q.id());
            m["item"] = QString::fromStdString(q.item_oid());
            m["itemLabel"] = item ? QString::fromStdString(item->label()) : QString::fromStdString(q.item_oid());
            m["origin"] = QString::fromStdString(q.origin());
            m["state"] = QString::fromStdString(q.state());
            m["question"] = question;
            m["answer"] = answer;
            m["pending"] = q.answer_pending();
            m["canAnswer"] = q.id().rfind("M-", 0) == 0 && q.state() == "OPEN";
            m_queries.append(m);
        }
        for (const auto& why : r->refused)
            m_queryMessage += (m_queryMessage.isEmpty() ? "" : "\n") + tr("Answer not accepted: ") + messageText(why);
        emit queriesChanged();
    });
}

void FormModel::answerQuery(const QString& id, const QString& text)
{
    if (!m_core)
        return;
    m_core->answerQuery(id.toStdString(), text.toStdString(), [this, self = QPointer(this)](Result<v1::DataQuery> r) {
        if (!self)
            return;
        if (!r) {
            m_queryMessage = errorText(r.error());
            emit queriesChanged();
            return;
        }
        loadQueries();
    });
}

study::FormValues FormModel::effectiveValues() const
{
    // What a save writes: raw values of visible items and their missing-data reasons (hidden answers are cleared).
    study::FormValues out;
    const auto* f = form();
    if (!f)
        return out;
    for (const auto* item : study::itemsOf(*f)) {
        if (item->has_derived() || m_state.hidden.count(item->oid()))
            continue;
        for (const std::string& key : {item->oid(), missingKey(item->oid())}) {
            auto it = m_entered.find(key);
            if (it != m_entered.end() && !it->second.text.empty())
                out[key] = it->second;
        }
    }
    return out;
}

bool FormModel::needsReason() const
{
    const study::FormValues next = effectiveValues();
    for (const auto& [oid, v] : m_saved) {
        if (v.text.empty())
            continue;
        auto it = next.find(oid);
        if (it == next.end() || it->second != v)
            return true;
    }
    return false;
}

void FormModel::setRecordStatus(const QString& status, const QString& reasonCode, const QString& reasonText)
{
    if (!m_core || !form() || m_subjectId.isEmpty())
        return;
    setState(true, QString());
    m_core->setRecordStatus(
        {m_subjectId.toStdString(), m_visitOid.toStdString(), m_formOid.toStdString(), static_cast<uint32_t>(m_repeat)},
        status.toStdString(), reasonCode.toStdString(), reasonText.toStdString(),
        [this, self = QPointer(this), status](Result<store::SaveOutcome> r) {
            if (!self)
                return;
            if (!r) {
                const QString msg = errorText(r.error());
                setState(false, msg);
                emit saved(false, msg);
                return;
            }
            m_recordStatus = status;
            const QString msg = status == QLatin1String("ENTERED_IN_ERROR")
                                    ? tr("Marked entered in error; the values stay in the audit trail.")
                                    : tr("Record restored.");
            setState(false, msg);
            emit saved(true, msg);
        });
}

void FormModel::save(const QString& reasonCode, const QString& reasonText)
{
    const auto* f = form();
    if (!m_core || !f || m_subjectId.isEmpty()) {
        emit saved(false, tr("Not connected to the tablet store."));
        return;
    }
    if (!canSave()) {
        m_showMissing = true;
        reevaluate();
        const QString msg = m_state.hasErrors()
                                ? tr("Not saved: correct the values marked in red first.")
                                : tr("Not saved: confirm the unusual values and give a value or a reason for "
                                     "each required item.");
        setState(false, msg);
        emit saved(false, msg);
        return;
    }
    // One request for synchronised items, one for site-only items (they never leave the tablet).
    store::SaveRequest shared, local;
    for (auto* r : {&shared, &local}) {
        r->form = {m_subjectId.toStdString(), m_visitOid.toStdString(), f->oid(), static_cast<uint32_t>(m_repeat)};
        r->reasonCode = reasonCode.toStdString();
        r->reasonText = reasonText.toStdString();
    }
    local.siteOnly = true;
    const study::FormValues next = effectiveValues();
    for (const auto* item : study::itemsOf(*f)) {
        if (item->has_derived())
            continue; // derived values are recomputed from raw values, never stored as typed
        auto& target = item->site_only() ? local : shared;
        for (const std::string& key : {item->oid(), missingKey(item->oid())}) {
            auto it = next.find(key);
            if (it != next.end())
                target.values[key] = store::FieldValue{it->second.text, it->second.unit};
            else
                target.values[key] = std::nullopt; // cleared, or hidden by a condition
        }
    }
    shared.urgent = study::isUrgent(*f, next); // e.g. an adverse event marked serious
    setState(true, QString());
    const study::FormValues snapshot = next;
    auto finish = [this, self = QPointer(this), snapshot](Result<store::SaveOutcome> r, int earlier) {
        if (!self)
            return;
        if (!r) {
            const QString msg = errorText(r.error());
            setState(false, msg);
            emit saved(false, msg);
            return;
        }
        m_saved = snapshot;
        m_draftNote.clear();
        keepDraftNow(); // saved: the draft goes (or keeps what was typed during the save)
        const int changed = r->changedItems + earlier;
        const QString msg =
            changed == 0 ? tr("Nothing changed.") : tr("Saved on this tablet (%n value(s)).", nullptr, changed);
        setState(false, msg);
        emit saved(true, msg);
    };
    m_core->save(std::move(shared), [this, self = QPointer(this), local = std::move(local),
                                     finish](Result<store::SaveOutcome> first) mutable {
        if (!self)
            return;
        if (!first) {
            finish(first, 0);
            return;
        }
        const int earlier = first->changedItems;
        m_core->save(std::move(local),
                     [finish, earlier](Result<store::SaveOutcome> second) { finish(second, earlier); });
    });
}

bool FormModel::canSign() const
{
    return m_core && m_core->config().actor.role == "investigator";
}

void FormModel::loadSignature()
{
    if (!m_core)
        return;
    m_core->loadSignatures(m_subjectId.toStdString(), [this, self = QPointer(this)](
                                                          Result<std::vector<store::SignatureState>> r) {
        if (!self || !r)
            return;
        const store::SignatureState* last = nullptr;
        for (const auto& s : *r)
            if (s.scope == "FORM" && s.form.visitOid == m_visitOid.toStdString() &&
                s.form.formOid == m_formOid.toStdString() && s.form.repeat == static_cast<uint32_t>(m_repeat))
                last = &s;
        m_signatureIntact = last && last->intact;
        if (!last)
            m_signatureText.clear();
        else {
            const QString when = QDateTime::fromMSecsSinceEpoch(last->signedAtMs, Qt::UTC)
                                     .toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
            m_signatureText =
                last->intact
                    ? tr("Signed by %1 on %2: %3")
                          .arg(QString::fromStdString(last->printedName), when, QString::fromStdString(last->meaning))
                    : tr("Signature of %1 (%2) broken: the data changed since. A new signature is needed.")
                          .arg(QString::fromStdString(last->printedName), when);
        }
        emit stateChanged();
    });
}

void FormModel::sign(const QString& password)
{
    if (!m_core || m_busy)
        return;
    setState(true, QString());
    const store::FormKey key{m_subjectId.toStdString(), m_visitOid.toStdString(), m_formOid.toStdString(),
                             static_cast<uint32_t>(m_repeat)};
    m_core->sign(key, false, "I approve the data of this form as accurate and complete", password.toStdString(),
                 [this, self = QPointer(this)](Result<store::SaveOutcome> r) {
                     if (!self)
                         return;
                     setState(false, r ? tr("Signed.") : errorMessage(r.error()));
                     loadSignature();
                 });
}

} // namespace crf::ui
