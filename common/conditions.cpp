#include "common/conditions.hpp"

#include <algorithm>
#include <cctype>

namespace medrelay {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trimmedSpaces(std::string_view text) {
  auto begin = text.find_first_not_of(' ');
  auto end = text.find_last_not_of(' ');
  return begin == std::string_view::npos ? std::string()
                                         : std::string(text.substr(begin, end - begin + 1));
}

std::optional<std::vector<Condition>> parseConditions(std::string_view text, std::string& error) {
  std::vector<Condition> conditions;
  for (size_t start = 0;;) {
    auto comma = text.find(',', start);
    auto piece = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    auto eq = piece.find('=');
    Condition condition{lowercase(trimmedSpaces(piece.substr(0, eq))),
                        eq == std::string_view::npos ? "" : trimmedSpaces(piece.substr(eq + 1))};
    if (condition.value.empty() || condition.value.size() > 64) {
      error = "condition \"" + std::string(piece) + "\" needs a value (1 to 64 characters)";
      return std::nullopt;
    }
    conditions.push_back(std::move(condition));
    if (comma == std::string_view::npos) return conditions;
    start = comma + 1;
  }
}

}  // namespace medrelay
