// DCMTK's own log (OFLog: "I:", "W:", "E:" lines on stderr) routed through ours: one formatted
// line per message in the "dcmtk" logger, warnings and errors only, first line only, bounded,
// and with anything quoted in it left out (DCMTK quotes values it complains about, and a value
// may identify a patient). Process-wide; call once at start (idempotent, any thread).
#pragma once

#include <cstdint>
#include <string>

namespace medrelay::pipelines::dicom {

void installDcmtkLogBridge();

// What the bridge makes of one DCMTK message (for tests).
std::string sanitizedDcmtkMessage(const std::string& message);

// Messages the bridge passed on since start (for /metrics).
uint64_t dcmtkMessagesLogged();

}  // namespace medrelay::pipelines::dicom
