// A DICOM object as the gateway receives it (pipelines/dicom: store_receiver's path): read from
// bytes with DCMTK, then the object check (object_check: SOP class, dimensions, pixel data
// length against the limits), the burned-in facts and de-identification (deidentifier, with
// the profile picked by the input's length). What comes out must have lost the patient's name
// (every profile removes it) and still be writable.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcostrmb.h>

#include <vector>

#include "pipelines/dicom/burned_in_policy.hpp"
#include "pipelines/dicom/deidentifier.hpp"
#include "pipelines/dicom/object_check.hpp"
#include "tests/fuzz/fuzz_dicom.hpp"

using namespace medrelay::pipelines::dicom;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  medrelay::fuzz::quietDicomLogs();
  auto file = medrelay::fuzz::readDicom(data, size);
  if (!file) return 0;
  DcmDataset& dataset = *file->getDataset();
  checkImageObject(dataset, ObjectLimits{});
  burnedInFacts(dataset);
  static const std::vector<unsigned char> key(32, 0x42);
  const DeidProfile profile = size % 3 == 0   ? DeidProfile::HospitalMinimum
                              : size % 3 == 1 ? DeidProfile::BasicConfidentiality
                                              : DeidProfile::BasicKeepDates;
  try {
    deidentify(dataset, profile, key);
  } catch (const std::exception&) {
    return 0;  // refused (the receiver answers "cannot understand")
  }
  if (dataset.tagExistsWithValue(DCM_PatientName)) __builtin_trap();
  // Bounded: the writer allocates what the elements hold, and they came from `size` bytes.
  std::vector<uint8_t> out(2 * size + 4096);
  DcmOutputBufferStream stream(out.data(), out.size());
  dataset.transferInit();
  dataset.write(stream, EXS_LittleEndianExplicit, EET_ExplicitLength, nullptr);
  dataset.transferEnd();
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  return medrelay::fuzz::dicomSeeds();
}
