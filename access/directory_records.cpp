// The directory-record helpers every backend shares: name and phone rules, user status names.
#include "access/directory_records.hpp"

#include <cctype>

namespace medrelay::access {

void checkName(const std::string& what, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '.' && name[0] != '-';
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
                c == '@');
  }
  if (!ok) {
    throw StoreError("invalid", what + "s are 1-64 characters of A-Z a-z 0-9 . _ - @, " +
                                    "not starting with . or -");
  }
}

void checkPhone(const std::string& phone) {
  bool ok = phone.size() <= 32;
  for (char c : phone)
    ok = ok && (std::isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '+' || c == '-' ||
                c == '(' || c == ')');
  if (!ok) throw StoreError("invalid", "phone numbers are at most 32 of 0-9, space, + - ( )");
}

std::string_view userStatusName(UserStatus status) {
  switch (status) {
    case UserStatus::PreRegistered:
      return "pre-registered";
    case UserStatus::Active:
      return "active";
    case UserStatus::Disabled:
      return "disabled";
  }
  return "disabled";
}

std::optional<UserStatus> parseUserStatus(std::string_view text) {
  if (text == "pre-registered") return UserStatus::PreRegistered;
  if (text == "active") return UserStatus::Active;
  if (text == "disabled") return UserStatus::Disabled;
  return std::nullopt;
}

}  // namespace medrelay::access
