// StudyController: the loaded study definition as QML sees it (identity, schedule of visits and forms).
#pragma once

#include "crf/v1/study.pb.h"
#include "result.h"

#include <QObject>
#include <QVariantList>
#include <memory>

namespace crf::ui {

/// Read-only after construction; lives on the UI thread. The definition is shared with AppCore and FormModels.
class StudyController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString studyId READ studyId CONSTANT)
    Q_PROPERTY(QString version READ version CONSTANT)
    Q_PROPERTY(QString title READ title CONSTANT)
    Q_PROPERTY(QVariantList visits READ visits CONSTANT)

public:
    explicit StudyController(std::shared_ptr<const v1::StudyDefinition> definition, QObject* parent = nullptr);
    /// Loads and validates a definition file (a path or a qrc: path); the error lists every problem. With a
    /// `language` ("fr"), its texts come in that language where its translations block gives them.
    static Result<std::shared_ptr<const v1::StudyDefinition>> loadFile(const QString& path,
                                                                       const QString& language = {});

    QString studyId() const;
    QString version() const;
    QString title() const;
    /// [{oid, name, day, forms: [{oid, name, repeating}]}] in schedule order.
    QVariantList visits() const;
    const std::shared_ptr<const v1::StudyDefinition>& definition() const { return m_definition; }

private:
    std::shared_ptr<const v1::StudyDefinition> m_definition;
};

} // namespace crf::ui
