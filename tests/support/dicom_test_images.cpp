#include "tests/support/dicom_test_images.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djencode.h>

#include <mutex>
#include <stdexcept>

namespace medrelay::testing {

namespace {

std::string freshUid() {
  char uid[100];
  return dcmGenerateUniqueIdentifier(uid);
}

std::string decimals(const double* data, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += "\\";
    out += std::to_string(data[i]);
  }
  return out;
}

}  // namespace

void registerDicomEncoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJEncoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs();
    DcmRLEEncoderRegistration::registerCodecs();
  });
}

std::unique_ptr<DcmFileFormat> makeDicomImage(const DicomImageSpec& spec) {
  registerDicomEncoders();
  auto file = std::make_unique<DcmFileFormat>();
  DcmDataset& d = *file->getDataset();
  const bool ybr422 = spec.photometric == "YBR_FULL_422";
  const int samples = spec.photometric == "RGB" || spec.photometric == "YBR_FULL" || ybr422 ? 3 : 1;
  std::string sopClass = spec.sopClass;
  if (sopClass.empty()) {
    sopClass = spec.frames > 1         ? UID_UltrasoundMultiframeImageStorage
               : spec.modality == "CT" ? UID_CTImageStorage
               : spec.modality == "US" ? UID_UltrasoundImageStorage
                                       : UID_MRImageStorage;
  }
  d.putAndInsertString(DCM_SOPClassUID, sopClass.c_str());
  d.putAndInsertString(DCM_SOPInstanceUID, freshUid().c_str());
  d.putAndInsertString(DCM_StudyInstanceUID,
                       (spec.studyUid.empty() ? freshUid() : spec.studyUid).c_str());
  d.putAndInsertString(DCM_SeriesInstanceUID,
                       (spec.seriesUid.empty() ? freshUid() : spec.seriesUid).c_str());
  d.putAndInsertString(DCM_Modality, spec.modality.c_str());
  d.putAndInsertString(DCM_PatientName, spec.patientName.c_str());
  d.putAndInsertString(DCM_PatientID, "TEST-0001");
  if (!spec.imageType.empty()) d.putAndInsertString(DCM_ImageType, spec.imageType.c_str());
  if (!spec.burnedIn.empty()) d.putAndInsertString(DCM_BurnedInAnnotation, spec.burnedIn.c_str());
  if (!spec.manufacturer.empty()) d.putAndInsertString(DCM_Manufacturer, spec.manufacturer.c_str());
  if (!spec.model.empty()) d.putAndInsertString(DCM_ManufacturerModelName, spec.model.c_str());
  if (!spec.seriesDescription.empty())
    d.putAndInsertString(DCM_SeriesDescription, spec.seriesDescription.c_str());
  d.putAndInsertUint16(DCM_Rows, spec.rows);
  d.putAndInsertUint16(DCM_Columns, spec.columns);
  d.putAndInsertUint16(DCM_SamplesPerPixel, static_cast<Uint16>(samples));
  if (samples == 3) d.putAndInsertUint16(DCM_PlanarConfiguration, 0);
  d.putAndInsertString(DCM_PhotometricInterpretation, spec.photometric.c_str());
  d.putAndInsertUint16(DCM_BitsAllocated, spec.bitsAllocated);
  d.putAndInsertUint16(DCM_BitsStored, spec.bitsStored);
  d.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(spec.bitsStored - 1));
  d.putAndInsertUint16(DCM_PixelRepresentation, spec.signedPixels ? 1 : 0);
  if (spec.frames > 1)
    d.putAndInsertString(DCM_NumberOfFrames, std::to_string(spec.frames).c_str());
  if (spec.frameTimeMs)
    d.putAndInsertString(DCM_FrameTime, std::to_string(*spec.frameTimeMs).c_str());
  if (spec.cineRate) d.putAndInsertString(DCM_CineRate, std::to_string(*spec.cineRate).c_str());
  if (spec.instanceNumber)
    d.putAndInsertString(DCM_InstanceNumber, std::to_string(*spec.instanceNumber).c_str());
  if (spec.rescaleIntercept) {
    d.putAndInsertString(DCM_RescaleIntercept, std::to_string(*spec.rescaleIntercept).c_str());
    d.putAndInsertString(DCM_RescaleSlope, "1");
  }
  if (spec.window) {
    d.putAndInsertString(DCM_WindowCenter, std::to_string((*spec.window)[0]).c_str());
    d.putAndInsertString(DCM_WindowWidth, std::to_string((*spec.window)[1]).c_str());
  }
  if (spec.position)
    d.putAndInsertString(DCM_ImagePositionPatient, decimals(spec.position->data(), 3).c_str());
  if (spec.orientation)
    d.putAndInsertString(DCM_ImageOrientationPatient,
                         decimals(spec.orientation->data(), 6).c_str());

  const size_t perFrame = size_t{spec.rows} * spec.columns * static_cast<size_t>(samples);
  auto value = [&](int frame, int x, int sample) {
    const auto& half = x < spec.columns / 2 ? spec.left : spec.right;
    return half[static_cast<size_t>(sample) % half.size()] + frame * spec.frameStep;
  };
  if (!spec.pixels.empty()) {
    d.putAndInsertUint8Array(DCM_PixelData, spec.pixels.data(), spec.pixels.size());
  } else if (ybr422) {
    // Per pair of pixels on a row: Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2).
    std::vector<Uint8> pixels;
    for (int f = 0; f < spec.frames; ++f)
      for (int y = 0; y < spec.rows; ++y)
        for (int x = 0; x < spec.columns; x += 2) {
          pixels.push_back(static_cast<Uint8>(value(f, x, 0)));
          pixels.push_back(static_cast<Uint8>(value(f, x + 1, 0)));
          pixels.push_back(static_cast<Uint8>(value(f, x, 1)));
          pixels.push_back(static_cast<Uint8>(value(f, x, 2)));
        }
    d.putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
  } else if (spec.bitsAllocated == 8) {
    std::vector<Uint8> pixels(perFrame * static_cast<size_t>(spec.frames));
    size_t i = 0;
    for (int f = 0; f < spec.frames; ++f)
      for (int y = 0; y < spec.rows; ++y)
        for (int x = 0; x < spec.columns; ++x)
          for (int s = 0; s < samples; ++s)
            pixels[i++] = static_cast<Uint8>(value(f, x, s));
    d.putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
  } else {
    std::vector<Uint16> pixels(perFrame * static_cast<size_t>(spec.frames));
    size_t i = 0;
    for (int f = 0; f < spec.frames; ++f)
      for (int y = 0; y < spec.rows; ++y)
        for (int x = 0; x < spec.columns; ++x)
          for (int s = 0; s < samples; ++s)
            pixels[i++] = static_cast<Uint16>(value(f, x, s));
    d.putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
  }
  if (spec.syntax != EXS_LittleEndianExplicit) {
    if (d.chooseRepresentation(spec.syntax, nullptr).bad() || !d.canWriteXfer(spec.syntax))
      throw std::runtime_error(std::string("DCMTK cannot encode ") +
                               DcmXfer(spec.syntax).getXferName());
  }
  return file;
}

void writeDicomImage(const DicomImageSpec& spec, const std::filesystem::path& file) {
  auto image = makeDicomImage(spec);
  OFCondition status = image->saveFile(file.c_str(), spec.syntax);
  if (status.bad()) throw std::runtime_error(std::string("cannot write: ") + status.text());
}

}  // namespace medrelay::testing
