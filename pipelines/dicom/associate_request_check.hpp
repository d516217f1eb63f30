#pragma once
// Structure of an A-ASSOCIATE-RQ PDU (PS3.8 9.3.2) checked before DCMTK parses it: every item
// and sub-item lies inside what contains it. A request DCMTK cannot parse otherwise costs an
// association slot until the peer goes away; this one is closed at once.
// Pure function, no state: callable from any thread.
#include <cstddef>
#include <span>
#include <string>

namespace medrelay::pipelines::dicom {

// `pdu`: the whole PDU, header included (type 0x01, 32-bit length that matches the span).
// "" when well-formed, else what is wrong (names only, never bytes of the request).
std::string associateRequestStructureProblem(std::span<const unsigned char> pdu);

}  // namespace medrelay::pipelines::dicom
