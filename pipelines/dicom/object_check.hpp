// Whether a DICOM object is an image we are willing to decode: an image storage SOP class with
// sane dimensions within the limits, and native pixel data as long as PS3.5 says its attributes
// need. The same check guards every path (C-STORE on arrival, files read from the data directory
// by the player), so a hostile header cannot make any of them allocate or loop without bound.
// Stateless: any thread.
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace medrelay::pipelines::dicom {

// The largest value DCMTK may allocate for one element it reads (network, file or memory): the
// largest pixel data the limits allow, plus room. DCMTK allocates an element's declared length
// before reading its bytes, so 13 bytes claiming a 3 GiB value made it ask for 3 GiB; above this
// cap the allocation fails instead, DCMTK reports EC_MemoryExhausted, and the object is refused.
// Enforced process-wide in object_check.cpp (DCMTK allocates values with nothrow new[], which
// nothing else of ours uses), so it holds wherever this module is linked.
constexpr size_t kMaxDicomValueBytes = (size_t{1} << 30) + (size_t{16} << 20);

struct ObjectLimits {
  uint32_t maxRows = 4096, maxColumns = 4096, maxFrames = 5000;
  uint64_t maxPixelBytes = uint64_t{1} << 30;
};

// Bytes of native pixel data one frame needs (PS3.5 8.1.1, PS3.3 C.7.6.3.1.2): YBR_FULL_422 and
// YBR_PARTIAL_422 carry two samples per pixel (Y for each, Cb and Cr shared by two pixels),
// whatever the planar configuration; everything else Samples per Pixel. nullopt for a
// photometric interpretation that native data cannot have (YBR_PARTIAL_420, YBR_ICT, YBR_RCT
// exist only compressed) or a 4:2:2 image with an odd number of columns.
std::optional<uint64_t> nativeFrameBytes(const std::string& photometric, uint16_t rows,
                                         uint16_t columns, uint16_t samples,
                                         uint16_t bitsAllocated);

// "" when every fragment of RLE Lossless pixel data has a sound RLE header (PS3.5 G.4, G.5): 1 to
// 15 segments, as many as samples times bytes per sample, the first at byte 64, each after the
// one before it and inside the fragment, unused offsets zero. Else the reason. DCMTK's RLE
// decoder trusts these offsets and reads wherever they point.
std::string checkRleFragments(DcmDataset& dataset, uint16_t samples, uint16_t bitsAllocated);

// "" when no fragment of JPEG (DCMTK's dcmjpeg syntaxes) pixel data holds a TEM marker (FF01)
// where DCMTK's marker walk before decoding (DJCodecDecoder::scanJpegDataForBitDepth) would
// meet it: that walk does not move past TEM and loops forever. Valid JPEG data never holds FF01
// (a data byte FF is followed by 00 or a restart marker), so every fragment is walked.
std::string checkJpegFragments(DcmDataset& dataset, E_TransferSyntax xfer);

// "" when fine, else the reason (names the problem, never a value from the object). Reasons a
// caller maps to statuses: "too large", "absurd dimensions", any containing "pixel".
std::string checkImageObject(DcmDataset& dataset, const ObjectLimits& limits);

}  // namespace medrelay::pipelines::dicom
