#include "crt_stopwatch_model.h"

#include "form_model.h"
#include "language.h"

#include <QDateTime>
#include <QLocale>
#include <QVariantMap>

namespace crf::ui {

CrtStopwatchModel::CrtStopwatchModel(QObject* parent) : QObject(parent)
{
    // A tenth of a second on screen is what the item records.
    m_ticker.setInterval(100);
    connect(&m_ticker, &QTimer::timeout, this, &CrtStopwatchModel::tick);
}

QObject* CrtStopwatchModel::form() const
{
    return m_form;
}

void CrtStopwatchModel::setForm(QObject* form)
{
    m_form = qobject_cast<FormModel*>(form);
    emit configChanged();
}

void CrtStopwatchModel::setOid(const QString& oid)
{
    m_oid = oid;
    // Start from the site already chosen on the form, if any.
    const QString siteItem = bound("site");
    if (m_form && !siteItem.isEmpty())
        if (auto s = crt::parseSite(m_form->valueOf(siteItem).toStdString()))
            (void)m_watch.setSite(s.value());
    emit configChanged();
    emit changed();
}

int64_t CrtStopwatchModel::now() const
{
    return m_form ? m_form->clock().nowMs() : QDateTime::currentMSecsSinceEpoch();
}

QString CrtStopwatchModel::bound(const char* output) const
{
    const v1::Item* item = m_form ? m_form->itemDef(m_oid) : nullptr;
    if (!item)
        return {};
    const auto& outputs = item->capture().outputs();
    const auto it = outputs.find(output);
    return it == outputs.end() ? QString() : QString::fromStdString(it->second);
}

QString CrtStopwatchModel::phase() const
{
    return QString::fromLatin1(crt::phaseName(m_watch.phase(now())));
}

QString CrtStopwatchModel::guidance() const
{
    // The core's guidance worded in the screen's language; tenths of seconds in its decimal notation ("4,2 s").
    return messageText(m_watch.guide(now()));
}

int CrtStopwatchModel::countdown() const
{
    return static_cast<int>((m_watch.pressureLeftMs(now()) + 999) / 1000);
}

QString CrtStopwatchModel::elapsed() const
{
    const int64_t ms = m_watch.elapsedMs(now());
    const int64_t tenths = (ms + 50) / 100;
    return QStringLiteral("%1%2%3").arg(tenths / 10).arg(QLocale().decimalPoint()).arg(tenths % 10);
}

void CrtStopwatchModel::setSite(const QString& code)
{
    auto site = crt::parseSite(code.toStdString());
    if (!site) {
        m_message = errorMessage(site.error());
    } else if (Status s = m_watch.setSite(site.value()); !s) {
        m_message = errorMessage(s.error());
    } else {
        m_message.clear();
        if (const QString item = bound("site"); m_form && !item.isEmpty())
            m_form->setValue(item, code);
    }
    emit changed();
}

void CrtStopwatchModel::press()
{
    const Status s = m_watch.press(now());
    m_message = s ? QString() : errorMessage(s.error());
    if (s)
        m_ticker.start();
    emit changed();
}

void CrtStopwatchModel::release()
{
    const Status s = m_watch.release(now());
    m_message = s ? QString() : errorMessage(s.error());
    emit changed();
}

void CrtStopwatchModel::colourReturned()
{
    auto m = m_watch.colourReturned(now());
    m_ticker.stop();
    if (!m) {
        m_message = errorMessage(m.error());
        emit changed();
        return;
    }
    const QString refill = QString::fromStdString(m->refillText());
    const QString pressure = QString::fromStdString(m->pressureText());
    if (m_form) {
        m_form->setValue(m_oid, refill);
        if (const QString item = bound("site"); !item.isEmpty())
            m_form->setValue(item, QString::fromLatin1(crt::siteCode(m->site)));
        if (const QString item = bound("pressure"); !item.isEmpty())
            m_form->setValue(item, pressure);
        if (const QString item = bound("time"); !item.isEmpty()) {
            // The release is the measurement's time, with the tablet's UTC offset (shared FACTS "Data exchange").
            const QDateTime at = QDateTime::fromMSecsSinceEpoch(m->releasedAtMs);
            m_form->setValue(item, at.toOffsetFromUtc(at.offsetFromUtc()).toString(Qt::ISODate));
        }
        // The guided method only when it was followed: a finger held the full 10 s. Otherwise the nurse says how.
        const v1::Item* def = m_form->itemDef(m_oid);
        const auto& settings = def ? def->capture().settings() : google::protobuf::Map<std::string, std::string>();
        const auto method = settings.find("method_code");
        if (const QString item = bound("method");
            !item.isEmpty() && method != settings.end() && m->site == crt::Site::Finger && !m->shortPressure)
            m_form->setValue(item, QString::fromStdString(method->second));
    }
    const QString threshold = m->site == crt::Site::Finger ? QStringLiteral("3") : QStringLiteral("4");
    QString text =
        tr("%1 s: %2 (abnormal above %3 s)").arg(refill, m->isAbnormal ? tr("abnormal") : tr("normal"), threshold);
    if (m->shortPressure)
        text += tr("; pressure held %1 s, the protocol asks 10 s").arg(pressure);
    m_message = text;
    m_measurements.append(QVariantMap{{QStringLiteral("site"), QString::fromLatin1(crt::siteCode(m->site))},
                                      {QStringLiteral("refill"), refill},
                                      {QStringLiteral("pressure"), pressure},
                                      {QStringLiteral("abnormal"), m->isAbnormal},
                                      {QStringLiteral("shortPressure"), m->shortPressure},
                                      {QStringLiteral("text"), text}});
    emit measured(refill, m->isAbnormal);
    emit changed();
}

void CrtStopwatchModel::cancel()
{
    m_watch.cancel();
    m_ticker.stop();
    m_message.clear();
    emit changed();
}

void CrtStopwatchModel::tick()
{
    if (m_watch.phase(now()) == crt::Phase::GaveUp)
        m_ticker.stop();
    emit changed();
}

} // namespace crf::ui
