// DICOM PS3.15 Table E.1-1 (2024b), the Basic Application Level Confidentiality Profile column:
// every attribute the profile names, with the action the standard gives it, as the standard
// writes it ("X" remove, "Z" empty, "D" dummy value, "U" replace the UID consistently, and the
// choices "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"). Which choice we take is the deidentifier's
// policy, not this table's. The 50xx (curves) and 60xx (overlays) group ranges are handled by
// group in the deidentifier. Sorted by tag.
#pragma once

#include <cstdint>
#include <span>

namespace medrelay::pipelines::dicom {

struct ProfileEntry {
  uint16_t group;
  uint16_t element;
  const char* action;
};

std::span<const ProfileEntry> basicProfileTable();

}  // namespace medrelay::pipelines::dicom
