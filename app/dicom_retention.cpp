#include "app/dicom_retention.hpp"

#include <charconv>

#include "pipelines/dicom/series_lock.hpp"

namespace medrelay::app {

namespace {

struct Unit {
  char letter;
  int64_t seconds;
};
constexpr Unit kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
constexpr int64_t kLongest = int64_t{10} * 366 * 86400;

}  // namespace

std::optional<std::chrono::seconds> parseRetention(std::string_view text) {
  if (text == "0") return std::chrono::seconds(0);
  if (text.size() < 2 || text.size() > 8) return std::nullopt;
  int64_t count = 0;
  auto digits = text.substr(0, text.size() - 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (error != std::errc() || end != digits.data() + digits.size() || count <= 0)
    return std::nullopt;
  for (const auto& unit : kUnits) {
    if (unit.letter != text.back()) continue;
    if (count > kLongest / unit.seconds) return std::nullopt;
    return std::chrono::seconds(count * unit.seconds);
  }
  return std::nullopt;
}

std::string describeRetention(std::chrono::seconds keepFor) {
  const auto seconds = keepFor.count();
  if (seconds == 0) return "0";
  for (const auto& unit : kUnits)
    if (seconds % unit.seconds == 0) return std::to_string(seconds / unit.seconds) + unit.letter;
  return std::to_string(seconds) + "s";
}

std::filesystem::file_time_type newestObjectTime(const std::filesystem::path& folder) {
  std::error_code ec;
  auto newest = std::filesystem::file_time_type::min();
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    // Not the folder's own time: taking the lock (its file made on first use) changes that.
    if (entry.path().filename() == pipelines::dicom::SeriesLock::kFileName) continue;
    auto time = entry.last_write_time(ec);
    if (!ec && time > newest) newest = time;
  }
  return newest;
}

Expiry expireSeries(const std::filesystem::path& folder, std::filesystem::file_time_type cutoff,
                    const SeriesRemoval& removal) {
  pipelines::dicom::SeriesLock lock(folder, false);
  if (!lock.held()) return Expiry::Gone;
  // Again under the lock: an object kept while we waited for it makes the series young.
  if (newestObjectTime(folder) >= cutoff) return Expiry::Kept;
  const auto stream = folder.filename().string();
  if (!removal.retire(stream)) return Expiry::Watched;
  removal.forget(stream);
  lock.removeFolder();
  return Expiry::Expired;
}

}  // namespace medrelay::app
