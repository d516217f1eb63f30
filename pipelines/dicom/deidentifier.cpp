#include "pipelines/dicom/deidentifier.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "common/hex.hpp"
#include "pipelines/dicom/basic_profile_table.hpp"
#include "pipelines/dicom/burned_in_policy.hpp"

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

// Our choice where the standard offers one: the strictest. Anything that may be removed is
// (objects are kept only for rendering, so no attribute is needed for validity's sake); "Z/D"
// is emptied. PatientID (Z/D) is handled apart: it gets the stable pseudonym.
Action choose(std::string_view standard) {
  if (standard == "D") return Action::Dummy;
  if (standard == "U") return Action::NewUid;
  if (standard.front() == 'X') return Action::Remove;
  return Action::Empty;  // "Z", "Z/D"
}

// The table's entry for `tag`, or null (the table is sorted by tag).
const ProfileEntry* profileEntry(const DcmTagKey& tag) {
  auto table = basicProfileTable();
  auto it = std::lower_bound(
      table.begin(), table.end(), tag,
      [](const ProfileEntry& e, const DcmTagKey& t) { return DcmTagKey(e.group, e.element) < t; });
  return it != table.end() && DcmTagKey(it->group, it->element) == tag ? &*it : nullptr;
}

// A dummy value consistent with the element's VR (PS3.15 E.1.1: "D"); false where no dummy
// makes sense (binary and unknown VRs), and the element is removed instead.
bool putDummy(DcmElement& element) {
  switch (element.ident()) {
    case EVR_DA:
      return element.putString("19000101").good();
    case EVR_TM:
      return element.putString("000000").good();
    case EVR_DT:
      return element.putString("19000101000000").good();
    case EVR_AS:
      return element.putString("000Y").good();
    case EVR_DS:
    case EVR_IS:
      return element.putString("0").good();
    case EVR_AE:
    case EVR_CS:
    case EVR_SH:
    case EVR_LO:
    case EVR_LT:
    case EVR_ST:
    case EVR_UT:
    case EVR_UC:
    case EVR_PN:
      return element.putString("ANONYMOUS").good();
    default:
      return false;
  }
}

std::string hmacHex(const std::string& text, const std::vector<unsigned char>& key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &length);
  return hexLower({mac, length});
}

// Applies the basic profile to one item, then to every sequence item below it.
// `keepDates`: the Retain Longitudinal Temporal Information with Full Dates Option (PS3.15
// E.3.6), whose column keeps ("K") the profile's dates and times.
void applyBasicProfile(DcmItem& item, const std::vector<unsigned char>& key, bool keepDates,
                       DeidReport& report) {
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
  for (unsigned long i = item.card(); i-- > 0;) {
    DcmElement* element = item.getElement(i);
    if (element == nullptr || element->getTag() == DCM_PatientID) continue;
    const ProfileEntry* entry = profileEntry(element->getTag());
    if (entry == nullptr) continue;
    const DcmEVR vr = element->ident();
    if (keepDates && (vr == EVR_DA || vr == EVR_TM || vr == EVR_DT)) continue;
    Action action = choose(entry->action);
    if (action == Action::Dummy && element->ident() == EVR_SQ) action = Action::Remove;
    if (action == Action::NewUid && element->ident() != EVR_UI) action = Action::Remove;
    switch (action) {
      case Action::Empty:
        element->clear();
        ++report.replaced;
        break;
      case Action::Dummy:
        if (putDummy(*element)) {
          ++report.replaced;
          break;
        }
        [[fallthrough]];
      case Action::Remove:
        delete item.remove(element);
        ++report.removed;
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
      if (DcmItem* nested = sequence->getItem(j))
        applyBasicProfile(*nested, key, keepDates, report);
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
  OFString burnedIn;
  if (dataset.findAndGetOFString(DCM_BurnedInAnnotation, burnedIn).bad() || burnedIn.empty()) {
    if (mayCarryBurnedInText(burnedInFacts(dataset)))
      dataset.putAndInsertString(DCM_BurnedInAnnotation, "YES");
  }
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
  // Never less than the minimum profile (it names a few attributes the table does not, such as
  // the responsible person's role), then the standard's table.
  report.removed = removeRecursively(dataset, hospitalMinimumRemovals());
  const bool keepDates = profile == DeidProfile::BasicKeepDates;
  applyBasicProfile(dataset, key, keepDates, report);
  dataset.putAndInsertString(DCM_PatientIdentityRemoved, "YES");
  dataset.putAndInsertString(
      DCM_DeidentificationMethod,
      keepDates ? "MedRelay: PS3.15 Basic Profile, Retain Longitudinal Temporal Information "
                  "with Full Dates Option"
                : "MedRelay: PS3.15 Basic Application Level Confidentiality Profile");
  if (keepDates)
    dataset.putAndInsertString(DCM_LongitudinalTemporalInformationModified, "UNMODIFIED");
  // The profile's code (DCM 113100) in the Deidentification Method Code Sequence.
  DcmItem* code = nullptr;
  if (dataset.findOrCreateSequenceItem(DCM_DeidentificationMethodCodeSequence, code, -2).good()) {
    code->putAndInsertString(DCM_CodeValue, "113100");
    code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
    code->putAndInsertString(DCM_CodeMeaning, "Basic Application Confidentiality Profile");
  }
  if (keepDates &&
      dataset.findOrCreateSequenceItem(DCM_DeidentificationMethodCodeSequence, code, -2).good()) {
    code->putAndInsertString(DCM_CodeValue, "113106");
    code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
    code->putAndInsertString(DCM_CodeMeaning,
                             "Retain Longitudinal Temporal Information Full Dates Option");
  }
  return report;
}

}  // namespace medrelay::pipelines::dicom
