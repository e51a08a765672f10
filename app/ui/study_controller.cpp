#include "study_controller.h"

#include "definition.h"
#include "translation.h"

#include <QFile>

namespace crf::ui {

StudyController::StudyController(std::shared_ptr<const v1::StudyDefinition> definition, QObject* parent)
    : QObject(parent), m_definition(std::move(definition))
{
}

Result<std::shared_ptr<const v1::StudyDefinition>> StudyController::loadFile(const QString& path,
                                                                             const QString& language)
{
    QFile file(path.startsWith(QStringLiteral("qrc:")) ? path.mid(3) : path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{path.toStdString(), "cannot be read"};
    auto def = study::parseDefinition(file.readAll().toStdString(), path.toStdString());
    if (!def)
        return def.error();
    const auto problems = study::validate(*def);
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems)
            all += "\n" + p.text();
        return Error{path.toStdString(), std::to_string(problems.size()) + " problem(s):" + all};
    }
    // The definition's own texts (forms, items, choices, criteria) in the screen's language where it gives them.
    if (!language.isEmpty())
        return std::make_shared<const v1::StudyDefinition>(study::localized(*def, language.toStdString()));
    return std::make_shared<const v1::StudyDefinition>(std::move(def).value());
}

QString StudyController::studyId() const
{
    return QString::fromStdString(m_definition->study_id());
}

QString StudyController::version() const
{
    return QString::fromStdString(m_definition->version());
}

QString StudyController::title() const
{
    return QString::fromStdString(m_definition->title());
}

QVariantList StudyController::visits() const
{
    QVariantList out;
    for (const auto& v : m_definition->visits()) {
        QVariantList forms;
        for (const auto& oid : v.form_oids()) {
            const auto* f = study::findForm(*m_definition, oid);
            forms.append(QVariantMap{{QStringLiteral("oid"), QString::fromStdString(oid)},
                                     {QStringLiteral("name"), QString::fromStdString(f ? f->name() : oid)},
                                     {QStringLiteral("repeating"), f && f->repeating()}});
        }
        out.append(QVariantMap{{QStringLiteral("oid"), QString::fromStdString(v.oid())},
                               {QStringLiteral("name"), QString::fromStdString(v.name())},
                               {QStringLiteral("day"), v.day()},
                               {QStringLiteral("forms"), forms}});
    }
    return out;
}

} // namespace crf::ui
