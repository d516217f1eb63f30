// De-identification of a DICOM dataset in memory, on arrival, before anything is stored or
// sent (the identified original never reaches disk). Two profiles:
//  - HospitalMinimum: the direct identifiers of the patient are removed (name, birth date and
//    time, other names and IDs, address, phone numbers, ...); PatientID and StudyDate stay, as
//    the hospital's keys.
//  - (the strict PS3.15 Basic Application Level Confidentiality Profile is still to come, see
//    issue 4; asking for it throws rather than silently doing less)
// Applied to nested sequences too: identifiers hide in items (Referenced Patient, Request
// Attributes, ...).
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <cstddef>
#include <vector>

namespace medrelay::pipelines::dicom {

enum class DeidProfile { HospitalMinimum, BasicConfidentiality };

struct DeidReport {
  size_t removed = 0;  // attributes removed, nested ones included
};

// Throws std::invalid_argument for a profile this build does not implement.
DeidReport deidentify(DcmDataset& dataset, DeidProfile profile);

// The attributes the hospital minimum profile removes (for tests and documentation).
const std::vector<DcmTagKey>& hospitalMinimumRemovals();

}  // namespace medrelay::pipelines::dicom
