// Secrets a person proves themselves with (passwords, device passcodes, one-time codes) and
// the lockout that slows guessing. Secrets are compared inside the store and never leave it.
// Implementations say which threads may call.
#pragma once

#include <cstdint>
#include <string>

namespace medrelay::access {

// Outcome of checking a password or passcode. Never says which part was wrong.
struct CredentialCheck {
  enum Result { Ok, BadCredentials, Locked, Inactive } result = BadCredentials;
  int64_t retryAfterSeconds = 0;  // when Locked
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;

  // Stores only a slow salted hash (scrypt). Empty `password` clears it.
  virtual void setPassword(const std::string& actor, const std::string& user,
                           const std::string& password) = 0;
  // Sign-in. Secrets are compared inside the store and never leave it. Five wrong passwords in
  // a row from one `source` (the client's address) lock the account for that source only, for
  // 1 s doubling with each further failure up to an hour; success from that source resets its
  // count. From all sources together, 50 failures within 15 minutes lock the account for the
  // rest of that window (kSignInCeiling). Unknown names count and lock alike. Passcodes lock
  // per device the same way, and a registered device's passcode unlock is not stopped by a
  // password lock. Wrong one-time codes lock the account (password sign-in too) as before.
  static constexpr int64_t kSignInCeiling = 50;
  static constexpr int64_t kSignInCeilingWindowSeconds = 15 * 60;
  virtual CredentialCheck checkPassword(const std::string& user, const std::string& password,
                                        const std::string& source, int64_t now) = 0;
  // Also revokes every refresh token of the user's devices: whoever signed in under the old
  // passcode signs in again.
  virtual void setPasscode(const std::string& actor, const std::string& user,
                           const std::string& passcode) = 0;
  virtual CredentialCheck checkPasscode(const std::string& user, const std::string& device,
                                        const std::string& passcode, int64_t now) = 0;
  // One-time codes: a fresh TOTP key for the user (replacing any earlier one); returns the
  // otpauth:// URI an authenticator app enrolls from. The check allows one step of clock drift,
  // takes each code once, and counts failures like wrong passwords (same lock).
  virtual std::string enrollOneTimeCodes(const std::string& actor, const std::string& user) = 0;
  virtual CredentialCheck checkOneTimeCode(const std::string& user, const std::string& code,
                                           int64_t now) = 0;
};

}  // namespace medrelay::access
