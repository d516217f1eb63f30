// The hospital minimum profile on a dataset built here with DCMTK: every identifier it names is
// set to a marked value (at the top level and inside a nested sequence item), then the whole
// result is dumped attribute by attribute and written to a file, and neither may contain a
// marked value; PatientID and StudyDate (the hospital's keys) and the image attributes stay.
#include <gtest/gtest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "pipelines/dicom/basic_profile_table.hpp"
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

// The bytes DCMTK writes for `file` (read back raw, not through DCMTK's parser).
std::string writtenBytes(DcmFileFormat& file) {
  auto path = std::filesystem::temp_directory_path() /
              ("medrelay-deid-" + std::to_string(std::random_device{}()) + ".dcm");
  EXPECT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return bytes;
}

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
  auto bytes = writtenBytes(file);
  EXPECT_EQ(bytes.find("SECRET"), std::string::npos);
  EXPECT_EQ(bytes.find("19450102"), std::string::npos);
  EXPECT_NE(bytes.find("HOSP-000123"), std::string::npos);
}

// Beyond the direct identifiers: what the strict profile must also take out (people, places,
// institutions, free text, request and visit data), again listed independently of the code.
const std::vector<DcmTagKey> kStrictAlsoRemoves = {
    DCM_InstitutionName,
    DCM_InstitutionAddress,
    DCM_InstitutionalDepartmentName,
    DCM_StationName,
    DCM_ReferringPhysicianName,
    DCM_ReferringPhysicianAddress,
    DCM_PerformingPhysicianName,
    DCM_NameOfPhysiciansReadingStudy,
    DCM_OperatorsName,
    DCM_PhysiciansOfRecord,
    DCM_RequestingPhysician,
    DCM_AccessionNumber,
    DCM_StudyID,
    DCM_StudyDescription,
    DCM_SeriesDescription,
    DCM_ImageComments,
    DCM_PatientComments,
    DCM_AdditionalPatientHistory,
    DCM_Occupation,
    DCM_AdmissionID,
    DCM_DeviceSerialNumber,
    DCM_ProtocolName,
    DCM_RequestedProcedureDescription,
    DCM_PerformedProcedureStepDescription,
    DCM_PatientAge,
    DCM_RETIRED_IdentifyingComments,
};

std::vector<unsigned char> testKey() {
  return std::vector<unsigned char>(32, 0x42);
}

// A multi-frame ultrasound object full of marked identifying values, UIDs, a private block and
// an overlay comment.
void buildIdentifiedObject(DcmDataset& dataset, const std::string& sopInstance) {
  dataset.putAndInsertString(DCM_SOPClassUID, UID_UltrasoundMultiframeImageStorage);
  dataset.putAndInsertString(DCM_SOPInstanceUID, sopInstance.c_str());
  dataset.putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1143.1");
  dataset.putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.2.1143.2");
  dataset.putAndInsertString(DCM_Modality, "US");
  dataset.putAndInsertString(DCM_PatientID, "HOSP-000123");
  dataset.putAndInsertString(DCM_StudyDate, "20261125");
  dataset.putAndInsertUint16(DCM_Rows, 512);
  dataset.putAndInsertUint16(DCM_Columns, 512);
  fillIdentifiers(dataset);
  for (const auto& tag : kStrictAlsoRemoves) {
    DcmTag probe(tag);
    dataset.putAndInsertString(tag, probe.getEVR() == EVR_AS ? "042Y" : marked(tag).c_str());
  }
  dataset.putAndInsertString(DcmTag(0x0009, 0x0010, EVR_LO), "ACME PRIVATE");
  dataset.putAndInsertString(DcmTag(0x0009, 0x1001, EVR_LO), "SECRET-PRIVATE");
  dataset.putAndInsertString(DcmTag(0x6000, 0x4000, EVR_LT), "SECRET-OVERLAY");
  auto* request = new DcmSequenceOfItems(DCM_RequestAttributesSequence);
  auto* item = new DcmItem();
  item->putAndInsertString(DCM_RequestedProcedureID, "SECRET-REQUEST");
  request->append(item);
  dataset.insert(request, OFTrue);
  auto* referenced = new DcmSequenceOfItems(DCM_ReferencedImageSequence);
  auto* image = new DcmItem();
  image->putAndInsertString(DCM_ReferencedSOPInstanceUID, "1.2.826.0.1.3680043.2.1143.77");
  image->putAndInsertString(DCM_ReferencedSOPClassUID, UID_UltrasoundMultiframeImageStorage);
  image->putAndInsertString(DCM_PatientName, "SECRET^NESTED");
  referenced->append(image);
  dataset.insert(referenced, OFTrue);
}

std::string text(DcmItem& item, const DcmTagKey& tag) {
  OFString value;
  item.findAndGetOFString(tag, value);
  return value.c_str();
}

TEST(Deidentify, StrictProfileLeavesNothingIdentifyingAndKeepsFilesLinked) {
  DcmFileFormat first, second;
  buildIdentifiedObject(*first.getDataset(), "1.2.826.0.1.3680043.2.1143.10");
  buildIdentifiedObject(*second.getDataset(), "1.2.826.0.1.3680043.2.1143.11");
  ASSERT_NE(dumpEverything(*first.getDataset()).find("SECRET"), std::string::npos);

  auto report = deidentify(*first.getDataset(), DeidProfile::BasicConfidentiality, testKey());
  deidentify(*second.getDataset(), DeidProfile::BasicConfidentiality, testKey());
  EXPECT_GT(report.removed, kStrictAlsoRemoves.size());

  DcmDataset& out = *first.getDataset();
  auto dump = dumpEverything(out);
  for (const char* forbidden : {"SECRET", "19450102", "121314", "HOSP-000123", "20261125", "042Y",
                                "ACME", "1.2.826.0.1.3680043.2.1143"}) {
    EXPECT_EQ(dump.find(forbidden), std::string::npos) << forbidden << " survived:\n" << dump;
  }
  // Stable pseudonym and UIDs: the two files of one patient and study still belong together,
  // the instances stay distinct.
  EXPECT_EQ(text(out, DCM_PatientID), pseudonymFor("HOSP-000123", testKey()));
  EXPECT_EQ(text(out, DCM_PatientID), text(*second.getDataset(), DCM_PatientID));
  EXPECT_EQ(text(out, DCM_StudyInstanceUID), text(*second.getDataset(), DCM_StudyInstanceUID));
  EXPECT_NE(text(out, DCM_SOPInstanceUID), text(*second.getDataset(), DCM_SOPInstanceUID));
  EXPECT_EQ(text(out, DCM_SOPInstanceUID).rfind("2.25.", 0), 0u);
  EXPECT_LE(text(out, DCM_SOPInstanceUID).size(), 64u) << "UIDs are at most 64 characters";
  EXPECT_NE(pseudonymFor("HOSP-000123", std::vector<unsigned char>(32, 0x43)),
            pseudonymFor("HOSP-000123", testKey()))
      << "another installation's key gives other pseudonyms";
  // The image and what says how it was de-identified.
  EXPECT_EQ(text(out, DCM_Modality), "US");
  Uint16 rows = 0;
  EXPECT_TRUE(out.findAndGetUint16(DCM_Rows, rows).good());
  EXPECT_EQ(rows, 512);
  EXPECT_EQ(text(out, DCM_PatientIdentityRemoved), "YES");
  DcmItem* method = nullptr;
  ASSERT_TRUE(out.findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, method).good());
  EXPECT_EQ(text(*method, DCM_CodeValue), "113100");
  // Written out, the bytes carry none of it either.
  auto bytes = writtenBytes(first);
  for (const char* forbidden : {"SECRET", "HOSP-000123", "1.2.826.0.1.3680043.2.1143"}) {
    EXPECT_EQ(bytes.find(forbidden), std::string::npos) << forbidden;
  }
}

// Attributes of the standard's table that a list written from memory tends to miss (device and
// GPS data from cameras, visits, languages, AE titles), named here independently of the table.
const std::vector<DcmTagKey> kOftenMissed = {
    DCM_GPSLatitude,
    DCM_GPSLongitude,
    DCM_CameraOwnerName,
    DCM_LensSerialNumber,
    DCM_ServiceEpisodeID,
    DCM_PatientPrimaryLanguageCodeSequence,
    DCM_UniqueDeviceIdentifier,
    DCM_TimezoneOffsetFromUTC,
    DCM_StationAETitle,
    DCM_RETIRED_ScheduledStudyLocation,
    DCM_ReasonForVisit,
    DCM_SpecialNeeds,
    DCM_OrderEnteredBy,
    DCM_DetectorID,
    DCM_InstitutionCodeSequence,
};

TEST(Deidentify, StrictProfileCoversTheStandardsTable) {
  auto table = basicProfileTable();
  EXPECT_GE(table.size(), 600u) << "PS3.15 2024b lists 617 attributes (two as group ranges)";
  for (size_t i = 1; i < table.size(); ++i) {
    EXPECT_LT(DcmTagKey(table[i - 1].group, table[i - 1].element),
              DcmTagKey(table[i].group, table[i].element))
        << "sorted, no duplicates (looked up by binary search)";
  }
  for (const auto& tag : kOftenMissed) {
    EXPECT_TRUE(
        std::any_of(table.begin(), table.end(),
                    [&](const ProfileEntry& e) { return DcmTagKey(e.group, e.element) == tag; }))
        << tag.toString() << " is missing from the table";
  }
}

// Every attribute of the table that DCMTK's dictionary knows, set to a marked value of its VR
// (at the top level and in a nested item): after the strict profile, no marked value is left
// anywhere, whatever action (remove, empty, dummy, new UID) the attribute got.
TEST(Deidentify, StrictProfileLeavesNoMarkedValueOfAnyTableAttribute) {
  DcmFileFormat file;
  DcmDataset& dataset = *file.getDataset();
  auto* nested = new DcmSequenceOfItems(DCM_ReferencedSeriesSequence);
  auto* inner = new DcmItem();
  nested->append(inner);
  size_t planted = 0;
  for (const auto& entry : basicProfileTable()) {
    DcmTag tag(entry.group, entry.element);
    if (entry.group <= 0x0004 || tag.getEVR() == EVR_UN) continue;  // meta, commands, unknown
    for (DcmItem* item : {static_cast<DcmItem*>(&dataset), inner}) {
      std::string value = marked(tag);
      switch (tag.getEVR()) {
        case EVR_SQ: {
          auto* sequence = new DcmSequenceOfItems(tag);
          auto* leaf = new DcmItem();
          leaf->putAndInsertString(DCM_CodeMeaning, value.c_str());
          sequence->append(leaf);
          item->insert(sequence, OFTrue);
          break;
        }
        case EVR_DA:
          item->putAndInsertString(tag, "19450102");
          break;
        case EVR_TM:
          item->putAndInsertString(tag, "121314");
          break;
        case EVR_DT:
          item->putAndInsertString(tag, "19450102121314");
          break;
        case EVR_AS:
          item->putAndInsertString(tag, "042Y");
          break;
        case EVR_UI:
          item->putAndInsertString(tag, "1.2.826.0.1.3680043.2.1143.99");
          break;
        case EVR_US:
        case EVR_SS:
        case EVR_UL:
        case EVR_SL:
        case EVR_FL:
        case EVR_FD:
        case EVR_DS:
        case EVR_IS:
        case EVR_AT:
          continue;  // numbers carry no marked text; their handling is checked by type below
        default:
          item->putAndInsertString(tag, value.substr(0, 16).c_str());
          break;
      }
      ++planted;
    }
  }
  dataset.insert(nested, OFTrue);
  EXPECT_GT(planted, 800u) << "most of the table is in DCMTK 3.6.7's dictionary";
  ASSERT_NE(dumpEverything(dataset).find("SECRET"), std::string::npos);

  deidentify(dataset, DeidProfile::BasicConfidentiality, testKey());
  auto dump = dumpEverything(dataset);
  for (const char* forbidden : {"SECRET", "19450102", "121314", "042Y", "1.2.826.0.1.3680043"}) {
    EXPECT_EQ(dump.find(forbidden), std::string::npos) << forbidden << " survived:\n" << dump;
  }
  for (const char* forbidden : {"SECRET", "19450102", "1.2.826.0.1.3680043"}) {
    EXPECT_EQ(writtenBytes(file).find(forbidden), std::string::npos) << forbidden;
  }
}

TEST(Deidentify, StrictProfileNeedsAKey) {
  DcmDataset dataset;
  dataset.putAndInsertString(DCM_PatientName, "Doe^Jane");
  EXPECT_THROW(deidentify(dataset, DeidProfile::BasicConfidentiality), std::invalid_argument);
  EXPECT_EQ(text(dataset, DCM_PatientName), "Doe^Jane") << "left untouched, not half done";
}

// Issue 13: the middle profile, PS3.15's Basic Profile with the Retain Longitudinal Temporal
// Information with Full Dates Option: dates and times stay (a stroke CT is read against them),
// staff, institution, accession and device identity go as in the strict profile, and the
// patient's birth date still goes.
TEST(Deidentify, BasicKeepDatesKeepsDatesAndRemovesStaffAndInstitution) {
  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  buildIdentifiedObject(d, "1.2.826.0.1.3680043.2.1143.12");
  d.putAndInsertString(DCM_AcquisitionDate, "20261125");
  d.putAndInsertString(DCM_AcquisitionTime, "101112");
  d.putAndInsertString(DCM_SeriesTime, "101010");
  d.putAndInsertString(DCM_OperatorsName, "SECRET^OPERATOR");
  d.putAndInsertString(DCM_PerformingPhysicianName, "SECRET^PHYSICIAN");
  d.putAndInsertString(DCM_InstitutionName, "SECRET HOSPITAL");
  d.putAndInsertString(DCM_InstitutionAddress, "SECRET STREET");
  d.putAndInsertString(DCM_StationName, "SECRETSTATION");
  d.putAndInsertString(DCM_DeviceSerialNumber, "SECRET-SN");
  d.putAndInsertString(DCM_AccessionNumber, "SECRET-ACC");
  deidentify(d, DeidProfile::BasicKeepDates, testKey());
  auto dump = dumpEverything(d);
  for (const char* forbidden : {"SECRET", "19450102", "HOSP-000123", "ACME"})
    EXPECT_EQ(dump.find(forbidden), std::string::npos) << forbidden << " survived:\n" << dump;
  EXPECT_EQ(text(d, DCM_StudyDate), "20261125");
  EXPECT_EQ(text(d, DCM_AcquisitionDate), "20261125");
  EXPECT_EQ(text(d, DCM_AcquisitionTime), "101112");
  EXPECT_EQ(text(d, DCM_SeriesTime), "101010");
  EXPECT_EQ(text(d, DCM_PatientID), pseudonymFor("HOSP-000123", testKey()));
  EXPECT_EQ(text(d, DCM_LongitudinalTemporalInformationModified), "UNMODIFIED");
  DcmItem* second = nullptr;
  ASSERT_TRUE(d.findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, second, 1).good());
  EXPECT_EQ(text(*second, DCM_CodeValue), "113106");
}

// Issue 13: the kept file's pixels are not redacted (the video is): an object that may carry
// burned-in text and did not say so is marked YES by every profile; a NO stays.
TEST(Deidentify, BurnedInAnnotationIsMarkedWhereTextMayBe) {
  for (auto profile : {DeidProfile::HospitalMinimum, DeidProfile::BasicConfidentiality,
                       DeidProfile::BasicKeepDates}) {
    DcmFileFormat us;
    buildIdentifiedObject(*us.getDataset(), "1.2.826.0.1.3680043.2.1143.13");
    deidentify(*us.getDataset(), profile, testKey());
    EXPECT_EQ(text(*us.getDataset(), DCM_BurnedInAnnotation), "YES");
    DcmFileFormat clean;
    buildIdentifiedObject(*clean.getDataset(), "1.2.826.0.1.3680043.2.1143.14");
    clean.getDataset()->putAndInsertString(DCM_BurnedInAnnotation, "NO");
    deidentify(*clean.getDataset(), profile, testKey());
    EXPECT_EQ(text(*clean.getDataset(), DCM_BurnedInAnnotation), "NO");
  }
}

}  // namespace
}  // namespace medrelay::pipelines::dicom
