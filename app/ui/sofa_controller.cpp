#include "sofa_controller.h"

#include "app_core.h"
#include "sofa_items.h"

#include <cmath>

namespace crf::ui {
namespace items = crf::sofa::items;

namespace {
QString visitForDay(int day)
{
    return QStringLiteral("D%1").arg(day);
}
} // namespace

SofaController::SofaController(QObject* parent) : QObject(parent)
{
    connect(this, &SofaController::inputsChanged, this, &SofaController::recompute);
    recompute();
}

QObject* SofaController::core() const
{
    return m_core.data();
}

void SofaController::setCore(QObject* core)
{
    if (m_core)
        disconnect(m_core, nullptr, this, nullptr);
    m_core = qobject_cast<crf::app::AppCore*>(core);
    // A sync may bring another tablet's values for this form: show them, unless the user is editing (never
    // overwrite what is being typed; the store compares the save with the values stored at that moment).
    if (m_core)
        connect(m_core, &crf::app::AppCore::dataChanged, this, [this] {
            if (!m_dirty && !m_busy)
                fetch(true);
        });
    emit coreChanged();
}

QVariantMap SofaController::currentValues() const
{
    QVariantMap v;
    auto put = [&](const char* item, const QString& text, const QString& unit = {}) {
        if (!text.trimmed().isEmpty())
            v.insert(QString::fromLatin1(item),
                     QVariantMap{{QStringLiteral("value"), text.trimmed()},
                                 {QStringLiteral("unit"),
                                  unit.isEmpty() ? QString::fromStdString(items::fixedUnit(item)) : unit}});
    };
    put(items::kPao2, m_pao2);
    put(items::kFio2, m_fio2);
    // Respiratory support is recorded only once a P/F ratio is entered, so a blank form stays blank.
    if (!m_pao2.trimmed().isEmpty() || m_respiratorySupport)
        put(items::kRespSupport, m_respiratorySupport ? QStringLiteral("Y") : QStringLiteral("N"));
    put(items::kPlatelets, m_platelets);
    put(items::kBilirubin, m_bilirubin, m_bilirubinUnit);
    put(items::kMap, m_map);
    put(items::kDopamine, m_dopamine);
    put(items::kDobutamine, m_dobutamine);
    put(items::kEpinephrine, m_epinephrine);
    put(items::kNorepinephrine, m_norepinephrine);
    put(items::kGcs, m_gcs);
    put(items::kCreatinine, m_creatinine, m_creatinineUnit);
    put(items::kUrine, m_urineOutput);
    return v;
}

void SofaController::recompute()
{
    std::map<std::string, items::Value> values;
    const QVariantMap current = currentValues();
    for (auto it = current.cbegin(); it != current.cend(); ++it) {
        const QVariantMap v = it.value().toMap();
        values[it.key().toStdString()] = {v.value(QStringLiteral("value")).toString().toStdString(),
                                          v.value(QStringLiteral("unit")).toString().toStdString()};
    }
    const auto reading = items::read(values);
    const auto result = sofa::compute(reading.inputs);
    for (int i = 0; i < sofa::kOrganCount; ++i)
        m_scores[i] = result.organs[static_cast<size_t>(i)].value_or(-1);
    m_total = result.total;
    m_complete = result.complete;
    m_pfRatio = result.pfRatio ? QString::number(std::lround(*result.pfRatio)) : QString();
    m_errors.clear();
    for (const auto& e : reading.errors)
        m_errors.insert(QString::fromStdString(e.field), QString::fromStdString(e.message));
    for (const auto& e : result.errors)
        m_errors.insert(QString::fromStdString(e.field), QString::fromStdString(e.message));
    const bool dirty = current != m_saved;
    if (dirty != m_dirty) {
        m_dirty = dirty;
        emit stateChanged();
    }
    emit scoresChanged();
}

void SofaController::setState(bool busy, const QString& message)
{
    m_busy = busy;
    m_message = message;
    emit stateChanged();
}

void SofaController::load()
{
    fetch(false);
}

void SofaController::fetch(bool onlyIfClean)
{
    if (!m_core || m_subjectId.isEmpty())
        return;
    if (!onlyIfClean)
        setState(true, QString());
    store::FormKey key{m_subjectId.toStdString(), visitForDay(m_day).toStdString(), items::kForm, 0};
    m_core->loadForm(key, [this, self = QPointer(this), onlyIfClean, subject = m_subjectId,
                           day = m_day](Result<std::map<std::string, store::FieldValue>> r) {
        if (!self)
            return;
        // A background refresh must never overwrite what was typed while it was in flight, nor land on another
        // subject or day chosen meanwhile.
        if (onlyIfClean && (m_dirty || subject != m_subjectId || day != m_day))
            return;
        if (!r) {
            setState(false, QString::fromStdString(r.error().text()));
            return;
        }
        auto text = [&](const char* item) {
            auto it = r->find(item);
            return it == r->end() ? QString() : QString::fromStdString(it->second.value);
        };
        auto unit = [&](const char* item, const QString& fallback) {
            auto it = r->find(item);
            return it == r->end() || it->second.unit.empty() ? fallback : QString::fromStdString(it->second.unit);
        };
        m_pao2 = text(items::kPao2);
        m_fio2 = text(items::kFio2);
        m_respiratorySupport = text(items::kRespSupport) == QStringLiteral("Y");
        m_platelets = text(items::kPlatelets);
        m_bilirubin = text(items::kBilirubin);
        m_bilirubinUnit = unit(items::kBilirubin, QStringLiteral("umol/L"));
        m_map = text(items::kMap);
        m_dopamine = text(items::kDopamine);
        m_dobutamine = text(items::kDobutamine);
        m_epinephrine = text(items::kEpinephrine);
        m_norepinephrine = text(items::kNorepinephrine);
        m_gcs = text(items::kGcs);
        m_creatinine = text(items::kCreatinine);
        m_creatinineUnit = unit(items::kCreatinine, QStringLiteral("umol/L"));
        m_urineOutput = text(items::kUrine);
        m_saved = currentValues();
        setState(false, QString());
        emit inputsChanged();
        emit stateChanged();
    });
}

bool SofaController::needsReason() const
{
    const QVariantMap current = currentValues();
    for (auto it = m_saved.cbegin(); it != m_saved.cend(); ++it) {
        if (current.value(it.key()) != it.value())
            return true;
    }
    return false;
}

void SofaController::save(const QString& reasonCode, const QString& reasonText)
{
    if (!m_core) {
        emit saved(false, tr("Not connected to the tablet store."));
        return;
    }
    if (m_subjectId.isEmpty()) {
        emit saved(false, tr("Choose a subject first."));
        return;
    }
    if (!m_errors.isEmpty()) {
        const QString msg = tr("Not saved: correct the highlighted values first.");
        setState(false, msg);
        emit saved(false, msg);
        return;
    }
    store::SaveRequest request;
    request.form = {m_subjectId.toStdString(), visitForDay(m_day).toStdString(), items::kForm, 0};
    const QVariantMap current = currentValues();
    for (const auto& item : items::all()) {
        const QVariantMap v = current.value(QString::fromStdString(item)).toMap();
        if (v.isEmpty())
            request.values[item] = std::nullopt;
        else
            request.values[item] = store::FieldValue{v.value(QStringLiteral("value")).toString().toStdString(),
                                                     v.value(QStringLiteral("unit")).toString().toStdString()};
    }
    request.reasonCode = reasonCode.toStdString();
    request.reasonText = reasonText.toStdString();
    setState(true, QString());
    m_core->save(std::move(request), [this, self = QPointer(this), current](Result<store::SaveOutcome> r) {
        if (!self)
            return;
        if (!r) {
            const QString msg = QString::fromStdString(r.error().text());
            setState(false, msg);
            emit saved(false, msg);
            return;
        }
        m_saved = current;
        m_dirty = false;
        const QString msg = r->deviceSeq == 0 ? tr("Nothing changed.")
                                              : tr("Saved on this tablet (%n value(s)).", nullptr, r->changedItems);
        setState(false, msg);
        emit saved(true, msg);
    });
}

} // namespace crf::ui
