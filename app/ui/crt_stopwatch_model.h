// CrtStopwatchModel: the capillary refill stopwatch of a form item bound to the crt_stopwatch instrument
// (docs/study-definitions.md "Capture"), for QML. The rules are core/crt.h; this keeps the watch ticking on screen and
// writes each measurement into the form's items (the refill, and the site, pressure, time and method bound to it).
#pragma once

#include "crt.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QVariantList>

namespace crf::ui {

class FormModel;

/// UI thread. Bind `form` and `oid` (the refill item); then press(), release(), colourReturned() as the nurse acts.
class CrtStopwatchModel : public QObject {
    Q_OBJECT
    Q_PROPERTY(QObject* form READ form WRITE setForm NOTIFY configChanged)
    Q_PROPERTY(QString oid READ oid WRITE setOid NOTIFY configChanged)
    Q_PROPERTY(QString site READ site NOTIFY changed)
    Q_PROPERTY(QString phase READ phase NOTIFY changed)
    Q_PROPERTY(QString guidance READ guidance NOTIFY changed)
    /// Finger, while pressing: whole seconds of pressure left (10..1), 0 when the release is due.
    Q_PROPERTY(int countdown READ countdown NOTIFY changed)
    /// The running time: pressure held, then refill ("2.4").
    Q_PROPERTY(QString elapsed READ elapsed NOTIFY changed)
    Q_PROPERTY(QString message READ message NOTIFY changed)
    /// This session's measurements, newest last: [{site, refill, pressure, abnormal, shortPressure, text}].
    Q_PROPERTY(QVariantList measurements READ measurements NOTIFY changed)

public:
    explicit CrtStopwatchModel(QObject* parent = nullptr);

    QObject* form() const;
    void setForm(QObject* form);
    QString oid() const { return m_oid; }
    void setOid(const QString& oid);
    QString site() const { return QString::fromLatin1(crt::siteCode(m_watch.site())); }
    QString phase() const;
    QString guidance() const;
    int countdown() const;
    QString elapsed() const;
    QString message() const { return m_message; }
    QVariantList measurements() const { return m_measurements; }

    /// FINGER or KNEE; also written to the bound site item.
    Q_INVOKABLE void setSite(const QString& code);
    Q_INVOKABLE void press();
    Q_INVOKABLE void release();
    /// Stops the watch and writes the measurement into the form (saved with the form, like typed values).
    Q_INVOKABLE void colourReturned();
    Q_INVOKABLE void cancel();

signals:
    void configChanged();
    void changed();
    /// A measurement was written into the form.
    void measured(const QString& refill, bool abnormal);

private:
    int64_t now() const;
    QString bound(const char* output) const;
    void tick();
    QPointer<FormModel> m_form;
    QString m_oid, m_message;
    crt::Stopwatch m_watch;
    QTimer m_ticker;
    QVariantList m_measurements;
};

} // namespace crf::ui
