#include "app/viewer_session_ends.hpp"

namespace medrelay::app {

namespace {
constexpr std::array<std::string_view, kViewerEndCount> kNames = {
    "left",           "closed",        "ice-failed",      "dtls-failed", "timeout",
    "access-revoked", "token-expired", "server-shutdown", "other"};
}  // namespace

std::string_view viewerEndName(ViewerEnd end) {
  return kNames[static_cast<size_t>(end)];
}

ViewerEnd viewerEndFromCode(std::string_view code) {
  for (size_t i = 0; i < kViewerEndCount; ++i) {
    if (kNames[i] == code) return static_cast<ViewerEnd>(i);
  }
  return ViewerEnd::Other;
}

}  // namespace medrelay::app
