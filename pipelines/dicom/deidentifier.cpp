#include "pipelines/dicom/deidentifier.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <algorithm>
#include <stdexcept>

namespace medrelay::pipelines::dicom {

namespace {

// Removes every element whose tag is in `tags` from `item`, and recurses into the items of
// every sequence that remains. Counts what it removed.
size_t removeRecursively(DcmItem& item, const std::vector<DcmTagKey>& tags) {
  size_t removed = 0;
  for (const auto& tag : tags) {
    while (item.findAndDeleteElement(tag, OFFalse, OFFalse).good())
      ++removed;
  }
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* element = item.getElement(i);
    if (element == nullptr || element->ident() != EVR_SQ) continue;
    auto* sequence = static_cast<DcmSequenceOfItems*>(element);
    for (unsigned long j = 0; j < sequence->card(); ++j) {
      if (DcmItem* nested = sequence->getItem(j)) removed += removeRecursively(*nested, tags);
    }
  }
  return removed;
}

}  // namespace

const std::vector<DcmTagKey>& hospitalMinimumRemovals() {
  // Direct identifiers of the patient (PS3.15 Annex E names them among the basic profile's
  // attributes); PatientID (0010,0020) and StudyDate (0008,0020) are kept on purpose.
  static const std::vector<DcmTagKey> tags = {
      DCM_PatientName,
      DCM_PatientBirthDate,
      DCM_PatientBirthTime,
      DCM_PatientBirthName,
      DCM_PatientMotherBirthName,
      DCM_OtherPatientNames,
      DCM_OtherPatientIDsSequence,
      DCM_RETIRED_OtherPatientIDs,
      DCM_PatientAddress,
      DCM_PatientTelephoneNumbers,
      DCM_PatientTelecomInformation,
      DCM_RETIRED_MedicalRecordLocator,
      DCM_ResponsiblePerson,
      DCM_ResponsiblePersonRole,
      DCM_PatientInsurancePlanCodeSequence,
      DCM_MilitaryRank,
      DCM_BranchOfService,
      DCM_PersonName,
      DCM_ReferencedPatientPhotoSequence,
  };
  return tags;
}

DeidReport deidentify(DcmDataset& dataset, DeidProfile profile) {
  if (profile != DeidProfile::HospitalMinimum) {
    throw std::invalid_argument("the strict (PS3.15 basic) profile is not implemented yet");
  }
  DeidReport report;
  report.removed = removeRecursively(dataset, hospitalMinimumRemovals());
  // Say what was done (PS3.3 C.7.1.1): later readers must not take this for the original.
  // PatientID stays (the hospital's key), so identity is not removed in the PS3.3 sense.
  dataset.putAndInsertString(DCM_PatientIdentityRemoved, "NO");
  dataset.putAndInsertString(DCM_DeidentificationMethod, "MedRelay hospital minimum profile");
  return report;
}

}  // namespace medrelay::pipelines::dicom
