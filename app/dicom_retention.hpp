// DICOM series retention (serve --dicom-retention): the relay is not the archive (the PACS is),
// so a de-identified series it received leaves again once its newest object is older than the
// setting: its stream (its encoder, its room), its directory entry (its shares; audited) and
// its files. A series someone watches stays until they have left; one that comes back later is
// a new stream.
// Thread ownership: expireSeries runs on the caller's thread (the series player's) and takes
// the series' folder lock, which the gateway holds while it takes an object in.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace medrelay::app {

// "30d", "12h", "90m", "45s" (a whole number and its unit) or "0" (keep forever); nullopt when
// it is none of these or longer than ten years.
std::optional<std::chrono::seconds> parseRetention(std::string_view text);
std::string describeRetention(std::chrono::seconds keepFor);  // "30d", as parseRetention reads

// When the series' newest file was written (an object, or its redaction record, which a release
// rewrites); file_time_type::min() for a folder with none (nothing to keep).
std::filesystem::file_time_type newestObjectTime(const std::filesystem::path& folder);

// The relay's side of removing one series, in this order.
struct SeriesRemoval {
  // Takes its stream out of service; false (nothing removed) while anyone watches it.
  std::function<bool(const std::string& stream)> retire;
  // Removes its directory entry (audited); throws when the directory cannot.
  std::function<void(const std::string& stream)> forget;
};

enum class Expiry { Kept, Watched, Expired, Gone };

// Under the folder's lock: the series in `folder` (its name is the stream's) is removed when its
// newest object is older than `cutoff` and `removal.retire` lets it go: then its directory entry,
// then its files. Kept: an object arrived since; Gone: the folder is not there. Throws what
// `forget` or the file system throws (the stream may be retired then: the caller plays it again).
Expiry expireSeries(const std::filesystem::path& folder, std::filesystem::file_time_type cutoff,
                    const SeriesRemoval& removal);

}  // namespace medrelay::app
