// Consult threads: the short text messages clinicians write beside a stream's video, stored
// encrypted (the key is not in the database) and audited without their text. Storage only: who
// may read or write a thread is the caller's decision. Implementations say which threads may
// call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace medrelay::access {

struct ThreadMessage {
  // Above every message stored before it: the thread's order and its paging cursor. (The ids of
  // a removed stream's newest messages may be given out again.)
  int64_t id = 0;
  std::string stream, author;
  int64_t atMs = 0;
  std::string text;
  // False when the stored message cannot be decrypted (another thread key, altered or moved in
  // the file): `text` is then empty. Shown as such, never as an error for the whole thread.
  bool readable = true;
};

class ConsultThreads {
 public:
  static constexpr size_t kMaxTextBytes = 2000;
  static constexpr size_t kMaxPage = 100;

  virtual ~ConsultThreads() = default;

  // Stores `text` by `author` (a user name) on `stream`, audited in the same transaction (the
  // record has the message's id and size, never its text). Returns the stored message.
  // StoreError "invalid": text empty, over kMaxTextBytes, not UTF-8, or with control characters
  // other than '\n' and '\t'; "not-found": no such stream or user.
  virtual ThreadMessage postThreadMessage(const std::string& author, const std::string& stream,
                                          const std::string& text, int64_t nowMs) = 0;
  // Newest first: messages with ids below `beforeId` (0: from the newest), at most `limit`
  // (clamped to 1..kMaxPage). StoreError "not-found" when there is no such stream.
  virtual std::vector<ThreadMessage> readThread(const std::string& stream, int64_t beforeId,
                                                size_t limit) = 0;
};

}  // namespace medrelay::access
