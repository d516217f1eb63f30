#include "app/dicom_routing.hpp"

#include "common/conditions.hpp"

namespace medrelay::app {

std::optional<DicomRoute> parseDicomRoute(const std::string& text, std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    error = "expected CONDITIONS:TENANT/GROUP, for example modality=CT:hospital/stroke";
    return std::nullopt;
  }
  DicomRoute route;
  route.group = text.substr(colon + 1);
  auto slash = route.group.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == route.group.size()) {
    error = "the group must be written TENANT/GROUP";
    return std::nullopt;
  }
  auto conditions = parseConditions(std::string_view(text).substr(0, colon), error);
  if (!conditions) return std::nullopt;
  for (const auto& [key, value] : *conditions) {
    if (key == "ae") {
      route.ae = value;
    } else if (key == "modality") {
      route.modality = value;
    } else if (key == "study") {
      route.studyContains = value;
    } else if (key == "burned-in") {
      route.burnedIn = pipelines::dicom::parseBurnedInPolicy(value);
      if (!route.burnedIn) {
        error = "burned-in must be redact, block or allow";
        return std::nullopt;
      }
    } else {
      error = "unknown condition \"" + key + "\" (expected ae, modality, study or burned-in)";
      return std::nullopt;
    }
  }
  return route;
}

std::string routeDicomObject(const std::vector<DicomRoute>& routes,
                             const pipelines::dicom::StoreContext& facts,
                             const std::string& fallback) {
  return chooseDicomRoute(routes, facts, fallback).group;
}

DicomRouteChoice chooseDicomRoute(const std::vector<DicomRoute>& routes,
                                  const pipelines::dicom::StoreContext& facts,
                                  const std::string& fallback) {
  for (const auto& route : routes) {
    if (!route.ae.empty() && lowercase(route.ae) != lowercase(facts.callingAe)) continue;
    if (!route.modality.empty() && lowercase(route.modality) != lowercase(facts.modality)) continue;
    if (!route.studyContains.empty() &&
        lowercase(facts.studyDescription).find(lowercase(route.studyContains)) == std::string::npos)
      continue;
    return {route.group, route.burnedIn};
  }
  return {fallback, std::nullopt};
}

}  // namespace medrelay::app
