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
  auto watchers = nlohmann::json::array();
  for (const auto& w : s.watchers) {
    nlohmann::json entry = {{"user", w.user},
                            {"display_name", w.displayName},
                            {"department", w.department},
                            {"since_ms", w.sinceMs}};
    if (!w.facility.empty()) entry["facility"] = w.facility;
    watchers.push_back(std::move(entry));
  }
  out["watchers"] = std::move(watchers);
  return out;
}

}  // namespace medrelay::signaling
