#include "pipelines/dicom/deidentifier.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

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

enum class Action { Remove, Empty, Dummy, NewUid };

struct Rule {
  DcmTagKey tag;
  Action action;
};

// PS3.15 Table E.1-1, Basic Profile column (where the table offers a choice, the strictest
// that keeps the file valid: X over Z over D). PatientID is handled apart (pseudonym).
const std::vector<Rule>& basicProfileRules() {
  using enum Action;
  static const std::vector<Rule> rules = {
      // Patient
      {DCM_PatientName, Empty},
      {DCM_PatientBirthDate, Empty},
      {DCM_PatientBirthTime, Remove},
      {DCM_PatientSex, Empty},
      {DCM_IssuerOfPatientID, Remove},
      {DCM_RETIRED_OtherPatientIDs, Remove},
      {DCM_OtherPatientIDsSequence, Remove},
      {DCM_OtherPatientNames, Remove},
      {DCM_PatientBirthName, Remove},
      {DCM_PatientAge, Remove},
      {DCM_PatientSize, Remove},
      {DCM_PatientWeight, Remove},
      {DCM_PatientAddress, Remove},
      {DCM_PatientMotherBirthName, Remove},
      {DCM_MilitaryRank, Remove},
      {DCM_BranchOfService, Remove},
      {DCM_RETIRED_MedicalRecordLocator, Remove},
      {DCM_MedicalAlerts, Remove},
      {DCM_Allergies, Remove},
      {DCM_CountryOfResidence, Remove},
      {DCM_RegionOfResidence, Remove},
      {DCM_PatientTelephoneNumbers, Remove},
      {DCM_PatientTelecomInformation, Remove},
      {DCM_EthnicGroup, Remove},
      {DCM_Occupation, Remove},
      {DCM_SmokingStatus, Remove},
      {DCM_AdditionalPatientHistory, Remove},
      {DCM_PregnancyStatus, Remove},
      {DCM_LastMenstrualDate, Remove},
      {DCM_PatientReligiousPreference, Remove},
      {DCM_PatientSexNeutered, Remove},
      {DCM_ResponsiblePerson, Remove},
      {DCM_ResponsiblePersonRole, Remove},
      {DCM_ResponsibleOrganization, Remove},
      {DCM_PatientComments, Remove},
      {DCM_PatientInsurancePlanCodeSequence, Remove},
      {DCM_ReferencedPatientSequence, Remove},
      {DCM_ReferencedPatientPhotoSequence, Remove},
      // Visit and admission
      {DCM_AdmissionID, Remove},
      {DCM_CurrentPatientLocation, Remove},
      {DCM_PatientInstitutionResidence, Remove},
      {DCM_PatientState, Remove},
      {DCM_VisitComments, Remove},
      {DCM_AdmittingDiagnosesDescription, Remove},
      {DCM_AdmittingDiagnosesCodeSequence, Remove},
      // Study, request, procedure
      {DCM_AccessionNumber, Empty},
      {DCM_StudyID, Empty},
      {DCM_StudyDate, Empty},
      {DCM_StudyTime, Empty},
      {DCM_SeriesDate, Remove},
      {DCM_SeriesTime, Remove},
      {DCM_AcquisitionDate, Remove},
      {DCM_AcquisitionTime, Remove},
      {DCM_AcquisitionDateTime, Remove},
      {DCM_ContentDate, Empty},
      {DCM_ContentTime, Empty},
      {DCM_StudyDescription, Remove},
      {DCM_SeriesDescription, Remove},
      {DCM_RETIRED_StudyComments, Remove},
      {DCM_RequestingPhysician, Remove},
      {DCM_RequestingService, Remove},
      {DCM_RequestedProcedureDescription, Remove},
      {DCM_RequestedProcedureID, Remove},
      {DCM_RequestAttributesSequence, Remove},
      {DCM_PerformedProcedureStepStartDate, Remove},
      {DCM_PerformedProcedureStepStartTime, Remove},
      {DCM_PerformedProcedureStepID, Remove},
      {DCM_PerformedProcedureStepDescription, Remove},
      {DCM_ReferencedStudySequence, Remove},
      {DCM_ReferencedPerformedProcedureStepSequence, Remove},
      {DCM_ProtocolName, Remove},
      {DCM_DerivationDescription, Remove},
      {DCM_ImageComments, Remove},
      {DCM_FrameComments, Remove},
      {DCM_RETIRED_IdentifyingComments, Remove},
      {DCM_RETIRED_AcquisitionComments, Remove},
      {DCM_ContentSequence, Remove},
      {DCM_OriginalAttributesSequence, Remove},
      // People and places
      {DCM_ReferringPhysicianName, Empty},
      {DCM_ReferringPhysicianAddress, Remove},
      {DCM_ReferringPhysicianTelephoneNumbers, Remove},
      {DCM_ReferringPhysicianIdentificationSequence, Remove},
      {DCM_PhysiciansOfRecord, Remove},
      {DCM_PhysiciansOfRecordIdentificationSequence, Remove},
      {DCM_PerformingPhysicianName, Remove},
      {DCM_PerformingPhysicianIdentificationSequence, Remove},
      {DCM_NameOfPhysiciansReadingStudy, Remove},
      {DCM_PhysiciansReadingStudyIdentificationSequence, Remove},
      {DCM_ScheduledPerformingPhysicianName, Remove},
      {DCM_OperatorsName, Remove},
      {DCM_OperatorIdentificationSequence, Remove},
      {DCM_PersonName, Dummy},
      {DCM_InstitutionName, Remove},
      {DCM_InstitutionAddress, Remove},
      {DCM_InstitutionalDepartmentName, Remove},
      {DCM_StationName, Remove},
      {DCM_DeviceSerialNumber, Remove},
      // UIDs: replaced consistently, so references between files still hold
      {DCM_SOPInstanceUID, NewUid},
      {DCM_StudyInstanceUID, NewUid},
      {DCM_SeriesInstanceUID, NewUid},
      {DCM_FrameOfReferenceUID, NewUid},
      {DCM_SynchronizationFrameOfReferenceUID, NewUid},
      {DCM_InstanceCreatorUID, NewUid},
      {DCM_ReferencedSOPInstanceUID, NewUid},
      {DCM_ReferencedFrameOfReferenceUID, NewUid},
      {DCM_StorageMediaFileSetUID, NewUid},
      {DCM_UID, NewUid},
  };
  return rules;
}

std::string hmacHex(const std::string& text, const std::vector<unsigned char>& key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &length);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out.push_back(digits[mac[i] >> 4]);
    out.push_back(digits[mac[i] & 15]);
  }
  return out;
}

// Applies the basic profile to one item, then to every sequence item below it.
void applyBasicProfile(DcmItem& item, const std::vector<unsigned char>& key, DeidReport& report) {
  // Private attributes (odd groups) and overlays/curves (60xx, 50xx) go entirely.
  for (unsigned long i = item.card(); i-- > 0;) {
    DcmElement* element = item.getElement(i);
    if (element == nullptr) continue;
    auto group = element->getGTag();
    if ((group & 1) != 0 || (group & 0xff00) == 0x6000 || (group & 0xff00) == 0x5000) {
      delete item.remove(element);
      ++report.removed;
    }
  }
  for (const auto& rule : basicProfileRules()) {
    DcmElement* element = nullptr;
    if (item.findAndGetElement(rule.tag, element, OFFalse).bad() || element == nullptr) continue;
    switch (rule.action) {
      case Action::Remove:
        item.findAndDeleteElement(rule.tag, OFFalse, OFFalse);
        ++report.removed;
        break;
      case Action::Empty:
        element->clear();
        ++report.replaced;
        break;
      case Action::Dummy:
        element->putString("ANONYMOUS");
        ++report.replaced;
        break;
      case Action::NewUid: {
        OFString uid;
        element->getOFStringArray(uid);
        element->putString(replacementUid(uid.c_str(), key).c_str());
        ++report.replaced;
        break;
      }
    }
  }
  OFString patientId;
  if (item.findAndGetOFString(DCM_PatientID, patientId).good() && !patientId.empty()) {
    item.putAndInsertString(DCM_PatientID, pseudonymFor(patientId.c_str(), key).c_str());
    ++report.replaced;
  }
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* element = item.getElement(i);
    if (element == nullptr || element->ident() != EVR_SQ) continue;
    auto* sequence = static_cast<DcmSequenceOfItems*>(element);
    for (unsigned long j = 0; j < sequence->card(); ++j) {
      if (DcmItem* nested = sequence->getItem(j)) applyBasicProfile(*nested, key, report);
    }
  }
}

}  // namespace

std::string pseudonymFor(const std::string& patientId, const std::vector<unsigned char>& key) {
  return "MR-" + hmacHex("patient-id:" + patientId, key).substr(0, 20);
}

std::string replacementUid(const std::string& uid, const std::vector<unsigned char>& key) {
  auto hex = hmacHex("uid:" + uid, key).substr(0, 32);
  unsigned __int128 value = 0;
  for (char c : hex)
    value = value * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  return "2.25." + digits;
}

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

DeidReport deidentify(DcmDataset& dataset, DeidProfile profile,
                      const std::vector<unsigned char>& key) {
  DeidReport report;
  if (profile == DeidProfile::HospitalMinimum) {
    report.removed = removeRecursively(dataset, hospitalMinimumRemovals());
    // Say what was done (PS3.3 C.7.1.1): later readers must not take this for the original.
    // PatientID stays (the hospital's key), so identity is not removed in the PS3.3 sense.
    dataset.putAndInsertString(DCM_PatientIdentityRemoved, "NO");
    dataset.putAndInsertString(DCM_DeidentificationMethod, "MedRelay hospital minimum profile");
    return report;
  }
  if (key.size() < 16) {
    throw std::invalid_argument("the strict profile needs a pseudonym key of 16 bytes or more");
  }
  applyBasicProfile(dataset, key, report);
  dataset.putAndInsertString(DCM_PatientIdentityRemoved, "YES");
  dataset.putAndInsertString(DCM_DeidentificationMethod,
                             "MedRelay: PS3.15 Basic Application Level Confidentiality Profile");
  // The profile's code (DCM 113100) in the Deidentification Method Code Sequence.
  DcmItem* code = nullptr;
  if (dataset.findOrCreateSequenceItem(DCM_DeidentificationMethodCodeSequence, code, -2).good()) {
    code->putAndInsertString(DCM_CodeValue, "113100");
    code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
    code->putAndInsertString(DCM_CodeMeaning, "Basic Application Confidentiality Profile");
  }
  return report;
}

}  // namespace medrelay::pipelines::dicom
