// The DICOM gateway's counters in Prometheus text (served by /metrics beside the streams').
#pragma once

#include <string>

#include "app/dicom_gateway.hpp"

namespace medrelay::app {

std::string dicomMetricsText(const DicomGateway::Stats& stats);

}  // namespace medrelay::app
