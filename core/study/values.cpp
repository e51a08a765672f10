#include "values.h"

#include "sofa_items.h"

namespace crf::study {

bool present(const FormValues& values, const std::string& item)
{
    auto it = values.find(item);
    return it != values.end() && it->second.text.find_first_not_of(" \t") != std::string::npos;
}

std::optional<double> number(const FormValues& values, const std::string& item)
{
    auto it = values.find(item);
    if (it == values.end())
        return std::nullopt;
    return sofa::items::parseNumber(it->second.text);
}

} // namespace crf::study
