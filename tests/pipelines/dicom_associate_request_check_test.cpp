#include "pipelines/dicom/associate_request_check.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace medrelay::pipelines::dicom {
namespace {

std::string item(uint8_t type, const std::string& value, int declared = -1) {
  const auto length = static_cast<uint16_t>(declared >= 0 ? declared : value.size());
  std::string out{static_cast<char>(type), '\0', static_cast<char>(length >> 8),
                  static_cast<char>(length & 0xFF)};
  return out + value;
}

std::string request(const std::string& items, int64_t declared = -1) {
  std::string body("\x00\x01\x00\x00", 4);
  body += "MEDRELAY        ";
  body += "SCU             ";
  body += std::string(32, '\0');
  body += items;
  const auto length = static_cast<uint32_t>(declared >= 0 ? declared : body.size());
  std::string out{'\x01',
                  '\0',
                  static_cast<char>(length >> 24),
                  static_cast<char>(length >> 16),
                  static_cast<char>(length >> 8),
                  static_cast<char>(length)};
  return out + body;
}

std::string problem(const std::string& pdu) {
  std::vector<unsigned char> bytes(pdu.begin(), pdu.end());
  return associateRequestStructureProblem(bytes);
}

const std::string kWellFormedItems =
    item(0x10, "1.2.840.10008.3.1.1.1") +
    item(0x20, std::string("\x01\0\0\0", 4) + item(0x30, "1.2.840.10008.1.1") +
                   item(0x40, "1.2.840.10008.1.2")) +
    item(0x50, item(0x51, std::string("\0\1\0\0", 4)) + item(0x52, "1.2.3.4"));

TEST(AssociateRequestCheck, AcceptsAWellFormedRequest) {
  EXPECT_EQ(problem(request(kWellFormedItems)), "");
  EXPECT_EQ(problem(request("")), "");  // no items: for DCMTK to refuse, structurally fine
  EXPECT_EQ(problem(request(kWellFormedItems + item(0x99, "unknown"))), "");
}

TEST(AssociateRequestCheck, RefusesItemsBeyondWhatHoldsThem) {
  // The hostile suite's input: a presentation context declaring 65000 bytes.
  EXPECT_NE(problem(request(item(0x10, "1.2") +
                            item(0x20, std::string(4, '\0') + item(0x30, "1.2", 60000), 65000))),
            "");
  EXPECT_NE(problem(request(item(0x10, "1.2", 500))), "");
  // A sub-item longer than its presentation context or user information item.
  EXPECT_NE(problem(request(item(0x20, std::string(4, '\0') + item(0x30, "1.2", 100)))), "");
  EXPECT_NE(problem(request(item(0x50, item(0x51, "\1\1", 4)))), "");
  // A presentation context too short for its ID and reserved bytes; a truncated header.
  EXPECT_NE(problem(request(item(0x20, "\1\0"))), "");
  EXPECT_NE(problem(request(kWellFormedItems + "\x10\x00")), "");
  EXPECT_NE(problem(request(item(0x10, ""))), "");
}

TEST(AssociateRequestCheck, RefusesAPduWhoseLengthDoesNotMatch) {
  EXPECT_NE(problem(request(kWellFormedItems, 70)), "");
  EXPECT_NE(problem(request(kWellFormedItems).substr(0, 40)), "");
  auto notARequest = request(kWellFormedItems);
  notARequest[0] = '\x04';
  EXPECT_NE(problem(notARequest), "");
}

}  // namespace
}  // namespace medrelay::pipelines::dicom
