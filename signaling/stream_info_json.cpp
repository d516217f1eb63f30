#include <nlohmann/json.hpp>

#include "signaling/signaling_backend.hpp"

namespace medrelay::signaling {

nlohmann::json toJson(const StreamInfo& s) {
  nlohmann::json out = {{"name", s.name},
                        {"kind", s.kind},
                        {"state", s.state},
                        {"codecs", s.codecs},
                        {"detail", s.detail},
                        {"restarts", s.restarts},
                        {"bitrate_kbps", s.bitrateKbps},
                        {"fps", s.framesPerSecond}};
  if (!s.burnedIn.empty()) out["burned_in"] = s.burnedIn;
  return out;
}

}  // namespace medrelay::signaling
