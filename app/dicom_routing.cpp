#include "app/dicom_routing.hpp"

#include <algorithm>
#include <cctype>

namespace medrelay::app {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trimmed(const std::string& text) {
  auto begin = text.find_first_not_of(' ');
  auto end = text.find_last_not_of(' ');
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

}  // namespace

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
  std::string conditions = text.substr(0, colon);
  size_t start = 0;
  while (start <= conditions.size()) {
    auto comma = conditions.find(',', start);
    auto condition =
        conditions.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto eq = condition.find('=');
    auto key = lower(trimmed(condition.substr(0, eq)));
    auto value = eq == std::string::npos ? "" : trimmed(condition.substr(eq + 1));
    if (value.empty() || value.size() > 64) {
      error = "condition \"" + condition + "\" needs a value (1 to 64 characters)";
      return std::nullopt;
    }
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
    if (comma == std::string::npos) break;
    start = comma + 1;
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
    if (!route.ae.empty() && lower(route.ae) != lower(facts.callingAe)) continue;
    if (!route.modality.empty() && lower(route.modality) != lower(facts.modality)) continue;
    if (!route.studyContains.empty() &&
        lower(facts.studyDescription).find(lower(route.studyContains)) == std::string::npos)
      continue;
    return {route.group, route.burnedIn};
  }
  return {fallback, std::nullopt};
}

}  // namespace medrelay::app
