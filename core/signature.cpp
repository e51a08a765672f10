#include "signature.h"

#include <algorithm>
#include <tuple>

namespace crf::signature {

Digest signedContentHash(std::vector<SignedValue> values)
{
    std::sort(values.begin(), values.end(), [](const SignedValue& a, const SignedValue& b) {
        return std::tie(a.visitOid, a.formOid, a.repeat, a.itemOid) <
               std::tie(b.visitOid, b.formOid, b.repeat, b.itemOid);
    });
    std::string canonical = "crf.signature/1";
    auto field = [&](const std::string& s) {
        canonical += std::to_string(s.size());
        canonical += ':';
        canonical += s;
    };
    for (const auto& v : values) {
        field(v.visitOid);
        field(v.formOid);
        field(std::to_string(v.repeat));
        field(v.itemOid);
        field(v.value);
        field(v.unit);
    }
    return sha256(canonical);
}

} // namespace crf::signature
