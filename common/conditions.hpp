// The KEY=VALUE[,KEY=VALUE...] condition lists of operator options (DICOM routes, mask rules),
// split and checked in one place. Stateless; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medrelay {

struct Condition {
  std::string key;    // lower case, spaces trimmed
  std::string value;  // spaces trimmed, 1 to 64 characters
};

// Every comma-separated piece must be KEY=VALUE; on failure says which piece and why.
std::optional<std::vector<Condition>> parseConditions(std::string_view text, std::string& error);

std::string lowercase(std::string text);
std::string trimmedSpaces(std::string_view text);

}  // namespace medrelay
