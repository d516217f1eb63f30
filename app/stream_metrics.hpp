// The streams' part of /metrics, from each stream's published figures (relay::router::RoomFigures):
// what came in, what went out to viewers, what was refused on the way, and the sources' health.
// Reading never waits on a media worker. Any thread.
#pragma once

#include <string>
#include <vector>

#include "app/stream_registry.hpp"

namespace medrelay::app {

std::string streamMetricsText(const std::vector<std::shared_ptr<Stream>>& streams);

}  // namespace medrelay::app
