#include "values.h"

#include <charconv>

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

std::optional<uint32_t> positiveInteger(const std::string& text)
{
    uint32_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n == 0)
        return std::nullopt;
    return n;
}

} // namespace crf::study
