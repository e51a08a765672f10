#include "conditions.h"

#include "sofa_items.h"

namespace crf::study {
namespace {

Tri fromBool(bool b)
{
    return b ? Tri::True : Tri::False;
}

Tri compare(const v1::Comparison& c, const FormValues& values, std::set<std::string>* missing)
{
    const bool has = present(values, c.item_oid());
    if (c.op() == v1::OPERATOR_PRESENT)
        return fromBool(has);
    if (c.op() == v1::OPERATOR_ABSENT)
        return fromBool(!has);
    if (!has) {
        if (missing)
            missing->insert(c.item_oid());
        return Tri::Unknown;
    }
    const ItemValue& v = values.at(c.item_oid());
    std::string rhsText = c.value();
    if (!c.other_item_oid().empty()) {
        if (!present(values, c.other_item_oid())) {
            if (missing)
                missing->insert(c.other_item_oid());
            return Tri::Unknown;
        }
        rhsText = values.at(c.other_item_oid()).text;
    }
    const auto lhs = sofa::items::parseNumber(v.text);
    const auto rhs = sofa::items::parseNumber(rhsText);
    // A numeric comparison in another unit than the value's is not decided silently.
    if (lhs && rhs && !c.unit().empty() && !v.unit.empty() && c.unit() != v.unit) {
        if (missing)
            missing->insert(c.item_oid() + " (in " + c.unit() + ")");
        return Tri::Unknown;
    }
    switch (c.op()) {
    case v1::OPERATOR_EQ:
        return fromBool(lhs && rhs ? *lhs == *rhs : v.text == rhsText);
    case v1::OPERATOR_NE:
        return fromBool(lhs && rhs ? *lhs != *rhs : v.text != rhsText);
    case v1::OPERATOR_LT:
    case v1::OPERATOR_LE:
    case v1::OPERATOR_GT:
    case v1::OPERATOR_GE:
        if (!lhs || !rhs) {
            if (missing)
                missing->insert(c.item_oid());
            return Tri::Unknown;
        }
        if (c.op() == v1::OPERATOR_LT)
            return fromBool(*lhs < *rhs);
        if (c.op() == v1::OPERATOR_LE)
            return fromBool(*lhs <= *rhs);
        if (c.op() == v1::OPERATOR_GT)
            return fromBool(*lhs > *rhs);
        return fromBool(*lhs >= *rhs);
    default:
        return Tri::Unknown;
    }
}

} // namespace

Tri evaluate(const v1::Condition& c, const FormValues& values, std::set<std::string>* missing)
{
    switch (c.kind_case()) {
    case v1::Condition::kCompare:
        return compare(c.compare(), values, missing);
    case v1::Condition::kAll: {
        Tri out = Tri::True;
        for (const auto& sub : c.all().of()) {
            const Tri t = evaluate(sub, values, missing);
            if (t == Tri::False)
                return Tri::False;
            if (t == Tri::Unknown)
                out = Tri::Unknown;
        }
        return out;
    }
    case v1::Condition::kAny: {
        Tri out = Tri::False;
        for (const auto& sub : c.any().of()) {
            const Tri t = evaluate(sub, values, missing);
            if (t == Tri::True)
                return Tri::True;
            if (t == Tri::Unknown)
                out = Tri::Unknown;
        }
        return out;
    }
    case v1::Condition::kNot: {
        const Tri t = evaluate(c.not_(), values, missing);
        return t == Tri::Unknown ? Tri::Unknown : fromBool(t == Tri::False);
    }
    case v1::Condition::KIND_NOT_SET:
        break;
    }
    return Tri::True; // an empty condition constrains nothing
}

void referencedItems(const v1::Condition& c, std::set<std::string>& out)
{
    switch (c.kind_case()) {
    case v1::Condition::kCompare:
        out.insert(c.compare().item_oid());
        if (!c.compare().other_item_oid().empty())
            out.insert(c.compare().other_item_oid());
        break;
    case v1::Condition::kAll:
        for (const auto& sub : c.all().of())
            referencedItems(sub, out);
        break;
    case v1::Condition::kAny:
        for (const auto& sub : c.any().of())
            referencedItems(sub, out);
        break;
    case v1::Condition::kNot:
        referencedItems(c.not_(), out);
        break;
    case v1::Condition::KIND_NOT_SET:
        break;
    }
}

} // namespace crf::study
