// The DICOM gateway's counters in Prometheus text (served by /metrics beside the streams').
#pragma once

#include <cstdint>
#include <string>

#include "app/dicom_gateway.hpp"

namespace medrelay::app {

std::string dicomMetricsText(const DicomGateway::Stats& stats);
// The series the player removed at the end of their retention, in this run.
std::string dicomRetentionMetricsText(uint64_t seriesExpired);

}  // namespace medrelay::app
