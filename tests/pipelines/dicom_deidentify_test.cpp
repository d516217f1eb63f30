// The hospital minimum profile on a dataset built here with DCMTK: every identifier it names is
// set to a marked value (at the top level and inside a nested sequence item), then the whole
// result is dumped attribute by attribute and written to a file, and neither may contain a
// marked value; PatientID and StudyDate (the hospital's keys) and the image attributes stay.
#include <gtest/gtest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "pipelines/dicom/deidentifier.hpp"

namespace medrelay::pipelines::dicom {
namespace {

std::string marked(const DcmTagKey& tag) {
  char text[32];
  std::snprintf(text, sizeof text, "SECRET%04X%04X", tag.getGroup(), tag.getElement());
  return text;
}

// Every attribute of the dataset, nested ones included, as "tag value" lines.
std::string dumpEverything(DcmDataset& dataset) {
  std::ostringstream out;
  DcmStack stack;
  while (dataset.nextObject(stack, OFTrue).good()) {
    auto* object = stack.top();
    out << object->getTag().toString() << ' ';
    if (auto* element = dynamic_cast<DcmElement*>(object)) {
      OFString value;
      if (element->getOFStringArray(value).good()) out << value;
    }
    out << '\n';
  }
  return out.str();
}

// The patient's direct identifiers, listed here independently of the code under test (a tag
// dropped from the profile's list must make this test fail).
const std::vector<DcmTagKey> kDirectIdentifiers = {
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

void fillIdentifiers(DcmItem& item) {
  for (const auto& tag : kDirectIdentifiers) {
    DcmTag probe(tag);
    if (probe.getEVR() == EVR_SQ) {
      auto* sequence = new DcmSequenceOfItems(tag);
      auto* inner = new DcmItem();
      inner->putAndInsertString(DCM_CodeMeaning, marked(tag).c_str());
      sequence->append(inner);
      item.insert(sequence, OFTrue);
    } else if (probe.getEVR() == EVR_DA) {
      item.putAndInsertString(tag, "19450102");
    } else if (probe.getEVR() == EVR_TM) {
      item.putAndInsertString(tag, "121314");
    } else {
      item.putAndInsertString(tag, marked(tag).c_str());
    }
  }
}

TEST(Deidentify, HospitalMinimumRemovesEveryDirectIdentifierAndKeepsTheKeys) {
  DcmFileFormat file;
  DcmDataset& dataset = *file.getDataset();
  char uid[100];
  dataset.putAndInsertString(DCM_SOPClassUID, UID_UltrasoundMultiframeImageStorage);
  dataset.putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid));
  dataset.putAndInsertString(DCM_Modality, "US");
  dataset.putAndInsertString(DCM_PatientID, "HOSP-000123");
  dataset.putAndInsertString(DCM_StudyDate, "20261125");
  dataset.putAndInsertString(DCM_SeriesDescription, "Cardiac cine");
  dataset.putAndInsertUint16(DCM_Rows, 512);
  dataset.putAndInsertUint16(DCM_Columns, 512);
  fillIdentifiers(dataset);
  // The same identifiers nested in a sequence item.
  auto* referenced = new DcmSequenceOfItems(DCM_ReferencedPatientSequence);
  auto* item = new DcmItem();
  fillIdentifiers(*item);
  referenced->append(item);
  dataset.insert(referenced, OFTrue);
  ASSERT_NE(dumpEverything(dataset).find("SECRET"), std::string::npos) << "the test's own check";
  ASSERT_NE(dumpEverything(dataset).find("19450102"), std::string::npos);

  auto report = deidentify(dataset, DeidProfile::HospitalMinimum);
  EXPECT_EQ(report.removed, 2 * kDirectIdentifiers.size());

  auto dump = dumpEverything(dataset);
  EXPECT_EQ(dump.find("SECRET"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("19450102"), std::string::npos) << "birth date" << dump;
  EXPECT_EQ(dump.find("121314"), std::string::npos) << "birth time" << dump;
  OFString value;
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_PatientID, value).good());
  EXPECT_EQ(value, "HOSP-000123");
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_StudyDate, value).good());
  EXPECT_EQ(value, "20261125");
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_SeriesDescription, value).good());
  EXPECT_EQ(value, "Cardiac cine");
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_PatientIdentityRemoved, value).good());
  EXPECT_EQ(value, "NO") << "the patient ID is kept, so identity is not removed in PS3.3 terms";
  ASSERT_TRUE(dataset.findAndGetOFString(DCM_DeidentificationMethod, value).good());

  // What would be written carries none of it either (bytes, not DCMTK's reading of them).
  auto path = std::filesystem::temp_directory_path() /
              ("medrelay-deid-" + std::to_string(std::random_device{}()) + ".dcm");
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  EXPECT_EQ(bytes.find("SECRET"), std::string::npos);
  EXPECT_EQ(bytes.find("19450102"), std::string::npos);
  EXPECT_NE(bytes.find("HOSP-000123"), std::string::npos);
}

TEST(Deidentify, AskingForAProfileThatIsNotBuiltRefusesInsteadOfDoingLess) {
  DcmDataset dataset;
  dataset.putAndInsertString(DCM_PatientName, "Doe^Jane");
  EXPECT_THROW(deidentify(dataset, DeidProfile::BasicConfidentiality), std::invalid_argument);
  OFString value;
  EXPECT_TRUE(dataset.findAndGetOFString(DCM_PatientName, value).good()) << "left untouched";
}

}  // namespace
}  // namespace medrelay::pipelines::dicom
