// Photo hygiene: identifying metadata removed before a photo is stored (knee mottling photos, protocol Table 1).
#pragma once

#include "result.h"

#include <string>
#include <string_view>

namespace crf::photo {

/// Largest photo accepted by default (bytes); gateways and tablets may configure another limit.
inline constexpr size_t kDefaultMaxBytes = 16 * 1024 * 1024;

/// Removes metadata that can identify a patient, a place or a device: JPEG APP1 (EXIF with GPS, XMP), APP2-APP15
/// (maker notes, IPTC...) and comments; PNG tEXt/zTXt/iTXt/eXIf/tIME chunks. Image data is copied unchanged.
/// Other formats are refused (the error says which).
Result<std::string> stripMetadata(std::string_view bytes);

/// Content address: lowercase hex SHA-256 of the stored (stripped) bytes.
std::string digestHex(std::string_view bytes);

} // namespace crf::photo
