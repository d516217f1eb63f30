// Encryption at rest for consult-thread messages: AES-256-GCM under the thread key (which is not
// in the database), a fresh random 96-bit nonce per message and the 128-bit tag appended to the
// ciphertext. The associated data binds a ciphertext to its row, so a row moved or edited in the
// file fails to open instead of reading as someone else's words.
// Thread-safe: the key never changes after construction and every call uses its own context.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace medrelay::access {

struct SealedText {
  std::string nonce;       // kNonceBytes
  std::string ciphertext;  // as long as the plaintext, then the kTagBytes tag
};

class ThreadCipher {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kNonceBytes = 12;
  static constexpr size_t kTagBytes = 16;

  // `key`: kKeyBytes (std::invalid_argument otherwise: a caller's bug). Wiped on destruction.
  explicit ThreadCipher(std::string key);
  ~ThreadCipher();
  ThreadCipher(const ThreadCipher&) = delete;
  ThreadCipher& operator=(const ThreadCipher&) = delete;

  // Throws StoreError("storage") only when OpenSSL fails (no entropy for the nonce).
  SealedText seal(std::string_view plaintext, std::string_view associatedData) const;
  // The plaintext, or nullopt when the tag does not verify: another key, altered bytes, or
  // other associated data (the row was moved). Never throws for bad input.
  std::optional<std::string> open(std::string_view nonce, std::string_view ciphertext,
                                  std::string_view associatedData) const;

 private:
  std::string key_;
};

}  // namespace medrelay::access
