#include "pipelines/dicom/associate_request_check.hpp"

#include <cstdint>

namespace medrelay::pipelines::dicom {

namespace {

constexpr size_t kPduHeader = 6;     // type, reserved, 32-bit length
constexpr size_t kFixedFields = 68;  // protocol version, reserved, called/calling AE, reserved
constexpr size_t kItemHeader = 4;    // type, reserved, 16-bit length

uint16_t be16(const unsigned char* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

// Walks the items in `area`; each must fit. `inner` (may be null) checks one item's value.
template <typename Inner>
std::string walkItems(std::span<const unsigned char> area, const char* where, Inner inner) {
  size_t at = 0;
  while (at < area.size()) {
    if (area.size() - at < kItemHeader) return std::string("a truncated item header in ") + where;
    const unsigned char type = area[at];
    const size_t length = be16(&area[at + 2]);
    if (length > area.size() - at - kItemHeader) {
      return std::string("an item longer than the ") + where + " that holds it";
    }
    if (auto problem = inner(type, area.subspan(at + kItemHeader, length)); !problem.empty()) {
      return problem;
    }
    at += kItemHeader + length;
  }
  return "";
}

std::string checkSubItem(unsigned char, std::span<const unsigned char>) {
  return "";
}

std::string checkItem(unsigned char type, std::span<const unsigned char> value) {
  switch (type) {
    case 0x10:  // application context name
      return value.empty() ? "an empty application context name" : "";
    case 0x20:  // presentation context: ID, 3 reserved bytes, then abstract/transfer syntaxes
      if (value.size() < 4) return "a presentation context shorter than its fixed fields";
      return walkItems(value.subspan(4), "presentation context", checkSubItem);
    case 0x50:  // user information: maximum length, implementation UID, and others
      return walkItems(value, "user information item", checkSubItem);
    default:  // PS3.8 9.3.2: items of other types are ignored, but they must still fit
      return "";
  }
}

}  // namespace

std::string associateRequestStructureProblem(std::span<const unsigned char> pdu) {
  if (pdu.size() < kPduHeader + kFixedFields || pdu[0] != 0x01) {
    return "not an association request";
  }
  const uint64_t declared =
      (uint64_t{pdu[2]} << 24) | (uint64_t{pdu[3]} << 16) | (uint64_t{pdu[4]} << 8) | pdu[5];
  if (declared != pdu.size() - kPduHeader) return "the request's length does not match its PDU";
  return walkItems(pdu.subspan(kPduHeader + kFixedFields), "association request", checkItem);
}

}  // namespace medrelay::pipelines::dicom
