// Patient data burned into pixels: which objects may carry it, what a route says to do with
// it, and the per-series record of that decision that the gateway writes next to the series'
// files (DATA_DIR/dicom/<stream>/redaction) and the player and renderer read.
//  - An object may carry burned-in text when Burned In Annotation (0028,0301) says YES, or when
//    it is absent on a modality or SOP class that commonly carries it (US, SC, ES/endoscopy,
//    XA/RF screen captures, OT and the like).
//  - Policy: redact (black out what text detection and the fixed masks find, the default),
//    block (nothing plays until an administrator releases the series), allow (played as is;
//    only when configured, and audited).
// Fixed masks follow the RSNA CTP pixel-anonymizer convention: regions per device, chosen by
// modality, manufacturer, model and image size, for what detection misses.
// Stateless functions; any thread.
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipelines/dicom/text_detector.hpp"

namespace medrelay::pipelines::dicom {

enum class BurnedInPolicy { Redact, Block, Allow };
std::optional<BurnedInPolicy> parseBurnedInPolicy(std::string_view name);
std::string_view burnedInPolicyName(BurnedInPolicy policy);

// The facts the decision rests on, read before de-identification.
struct BurnedInFacts {
  std::string burnedIn;  // (0028,0301) as written: "YES", "NO" or ""
  std::string modality, sopClass, imageType, manufacturer, model;
  uint16_t rows = 0, columns = 0;
};
BurnedInFacts burnedInFacts(DcmDataset& dataset);
bool mayCarryBurnedInText(const BurnedInFacts& facts);

// One fixed-mask rule, written `CONDITIONS:X,Y,W,H[;X,Y,W,H...]` with conditions modality=,
// manufacturer=, model=, rows=, columns= joined by commas (case-insensitive, all must hold),
// for example `modality=US,manufacturer=ACME:0,0,640,48;0,440,200,40`.
struct MaskRule {
  std::string modality, manufacturer, model;  // empty: any
  uint16_t rows = 0, columns = 0;             // 0: any
  std::vector<Box> boxes;                     // image pixels
};
std::optional<MaskRule> parseMaskRule(const std::string& text, std::string& error);
bool maskRuleMatches(const MaskRule& rule, const BurnedInFacts& facts);

// The decision for a series, kept in its folder.
struct SeriesRedaction {
  // "none": no object so far may carry text; else the policy applied.
  std::string policy = "none";
  bool released = false;  // a blocked series an administrator let play
  // A route named the policy explicitly: it holds for every object of the series, also those
  // the rules would not suspect (an original CT with the institution burned in, say).
  bool everyObject = false;
  std::vector<Box> masks;  // from the mask rules that matched its objects
  bool operator==(const SeriesRedaction&) const = default;
};
constexpr char kRedactionFile[] = "redaction";
// nullopt when the folder has no record (files from elsewhere: the renderer then decides per
// object, failing closed); an unreadable record reads as "block".
std::optional<SeriesRedaction> readSeriesRedaction(const std::filesystem::path& folder);
// Written whole (temporary file, fsync, rename). Throws std::runtime_error when it cannot.
void writeSeriesRedaction(const std::filesystem::path& folder, const SeriesRedaction& record);
// Whether frames of the series may be shown at all (not blocked, or released).
bool seriesMayPlay(const std::optional<SeriesRedaction>& record);

// Reads the record (nullopt: none yet), lets `change` edit a copy (it starts from the default
// when there is none) and writes it when it differs, all under an exclusive lock on the folder
// (flock on a lock file), so a gateway process adding objects and an administrator releasing
// the series never lose each other's change. Returns the record as it was before. Throws
// std::runtime_error when the folder cannot be locked or the record written.
std::optional<SeriesRedaction> updateSeriesRedaction(
    const std::filesystem::path& folder, const std::function<void(SeriesRedaction&)>& change);

// An administrator lets a blocked series play (the record says so; the player starts it on its
// next look at the folder).
enum class ReleaseOutcome { Released, AlreadyReleased, NotBlocked, NoSeries };
ReleaseOutcome releaseBlockedSeries(const std::filesystem::path& folder);

// What the stream API shows of a series: "per-object" (no record: each suspect object is
// redacted), "none" (no object may carry text), "redact", "allow", "block", "released".
std::string burnedInState(const std::optional<SeriesRedaction>& record);

}  // namespace medrelay::pipelines::dicom
