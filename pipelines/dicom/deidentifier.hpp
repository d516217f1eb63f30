// De-identification of a DICOM dataset in memory, on arrival, before anything is stored or
// sent (the identified original never reaches disk). Three profiles:
//  - HospitalMinimum: the direct identifiers of the patient are removed (name, birth date and
//    time, other names and IDs, address, phone numbers, ...); PatientID and StudyDate stay, as
//    the hospital's keys.
//  - BasicConfidentiality (the strict option): everything the minimum profile removes, then
//    every attribute of DICOM PS3.15 Table E.1-1's Basic Application Level Confidentiality
//    Profile (2024b, 615 attributes; basic_profile_table.cpp) with its action, taking the
//    strictest where the standard offers a choice (remove over empty over dummy), UIDs replaced
//    consistently, all private attributes and overlays/curves removed, and the patient ID
//    replaced by a stable pseudonym (HMAC of the ID under the installation's key), so that
//    studies of one patient still belong together.
//  - BasicKeepDates: the basic profile with PS3.15's Retain Longitudinal Temporal Information
//    with Full Dates Option (E.3.6): every date, time and date-time (DA, TM, DT) stays as
//    written (a stroke CT is read against its timings), everything else as the strict profile;
//    the patient's birth date and time still go (the minimum profile's removals come first).
// Every profile writes Burned In Annotation YES on an object that may carry text in its pixels
// (burned_in_policy.hpp) and did not say: the kept file's pixels are not redacted (only the
// video made from them is), so no later reader may take it for clean.
// Applied to nested sequences too: identifiers hide in items (Referenced Patient, Request
// Attributes, ...).
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <cstddef>
#include <string>
#include <vector>

namespace medrelay::pipelines::dicom {

enum class DeidProfile { HospitalMinimum, BasicConfidentiality, BasicKeepDates };

struct DeidReport {
  size_t removed = 0;   // attributes removed, nested ones included
  size_t replaced = 0;  // emptied, dummied or given a new UID / pseudonym
};

// `key`: the installation's secret for pseudonyms and UIDs (at least 16 bytes; the strict
// profile throws std::invalid_argument without it). The same key maps the same patient ID and
// the same UID to the same replacement, in every file.
DeidReport deidentify(DcmDataset& dataset, DeidProfile profile,
                      const std::vector<unsigned char>& key = {});

// The pseudonym the strict profile gives a patient ID: "MR-" and 20 hex digits of
// HMAC-SHA256(key, id).
std::string pseudonymFor(const std::string& patientId, const std::vector<unsigned char>& key);
// A replacement UID: "2.25." and the decimal of 128 bits of HMAC-SHA256(key, uid) (PS3.5 B.2).
std::string replacementUid(const std::string& uid, const std::vector<unsigned char>& key);

// The attributes the hospital minimum profile removes (for tests and documentation).
const std::vector<DcmTagKey>& hospitalMinimumRemovals();

}  // namespace medrelay::pipelines::dicom
