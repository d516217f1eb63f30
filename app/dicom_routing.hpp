// Which group a DICOM-derived stream is shared into, decided by rules on facts of the first
// object of its series: the calling AE title, the modality, words of the study description.
// Written on the command line as `CONDITIONS:TENANT/GROUP`, conditions joined by commas, all of
// which must hold (case-insensitive), for example
//   ae=CT_ER,modality=CT:stmarys/stroke      study=cardiac:stmarys/cardiology
// The first matching rule wins; no match means the default group. A rule may also say what to
// do with burned-in patient data in its objects' pixels: `burned-in=redact|block|allow`
// (burned_in_policy.hpp), for example `modality=US,burned-in=block:stmarys/echo`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pipelines/dicom/burned_in_policy.hpp"
#include "pipelines/dicom/store_receiver.hpp"

namespace medrelay::app {

struct DicomRoute {
  std::string ae, modality, studyContains;                   // empty: any
  std::string group;                                         // "tenant/group"
  std::optional<pipelines::dicom::BurnedInPolicy> burnedIn;  // none: the gateway's default
};

// What the routing decided for one object.
struct DicomRouteChoice {
  std::string group;
  std::optional<pipelines::dicom::BurnedInPolicy> burnedIn;
};

// nullopt with `error` set when the text is not a rule.
std::optional<DicomRoute> parseDicomRoute(const std::string& text, std::string& error);

// The group for an object; `fallback` when no rule matches.
std::string routeDicomObject(const std::vector<DicomRoute>& routes,
                             const pipelines::dicom::StoreContext& facts,
                             const std::string& fallback);
// The same, with the matching rule's burned-in policy (none when no rule matches or it names
// none).
DicomRouteChoice chooseDicomRoute(const std::vector<DicomRoute>& routes,
                                  const pipelines::dicom::StoreContext& facts,
                                  const std::string& fallback);

}  // namespace medrelay::app
