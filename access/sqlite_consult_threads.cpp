// ConsultThreads on SQLite: messages sealed with the thread key (DATA_DIR/thread-key, beside the
// database, not in it) and audited in the insert's transaction, over the store's shared
// connection.
// Thread-safe: every call holds the shared state's mutex.
#include <algorithm>
#include <climits>

#include "access/consult_threads_sql.hpp"
#include "access/key_file.hpp"
#include "access/sqlite_store_state.hpp"
#include "access/thread_cipher.hpp"
#include "common/utf8.hpp"

namespace medrelay::access {

namespace {

namespace sql = consult_threads_sql;

constexpr const char* kThreadKeyFile = "thread-key";

// What the ciphertext is bound to: its row's id, stream, author and time. Names hold no NUL
// (the directory refuses them), so the separators keep the fields apart.
std::string associatedData(int64_t id, const std::string& stream, const std::string& author,
                           int64_t atMs) {
  std::string aad("medrelay-thread-v1", 18);
  for (const std::string& field : {std::to_string(id), stream, author, std::to_string(atMs)}) {
    aad.push_back('\0');
    aad += field;
  }
  return aad;
}

void checkText(const std::string& text) {
  if (text.empty() || text.size() > ConsultThreads::kMaxTextBytes) {
    throw StoreError("invalid", "a thread message is 1 to " +
                                    std::to_string(ConsultThreads::kMaxTextBytes) + " bytes");
  }
  if (!validUtf8(text)) throw StoreError("invalid", "a thread message is UTF-8 text");
  if (hasControlCharacters(text, "\n\t")) {
    throw StoreError("invalid",
                     "a thread message holds no control characters but line feeds and tabs");
  }
  if (hasBidiControls(text)) {
    throw StoreError("invalid",
                     "a thread message holds no bidirectional embeddings, overrides or isolates "
                     "(U+202A-U+202E, U+2066-U+2069)");
  }
}

class SqliteConsultThreads final : public ConsultThreads {
 public:
  SqliteConsultThreads(SqliteStoreState& state, std::string key)
      : s_(state), cipher_(std::move(key)) {}

  ThreadMessage postThreadMessage(const std::string& author, const std::string& stream,
                                  const std::string& text, int64_t nowMs) override {
    checkText(text);
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t streamId = findStream(stream);
    auto user = s_.db.prepare(sql::kUserExists);
    user.bind(1, author);
    if (!user.step()) throw StoreError("not-found", "there is no user named " + author);
    auto next = s_.db.prepare(sql::kNextMessageId);
    next.step();
    ThreadMessage message{next.integer(0), stream, author, nowMs, text, true};
    SealedText sealed = cipher_.seal(text, associatedData(message.id, stream, author, nowMs));
    s_.db.prepare(sql::kInsertMessage)
        .bind(1, message.id)
        .bind(2, streamId)
        .bind(3, author)
        .bind(4, nowMs)
        .bindBlob(5, sealed.nonce)
        .bindBlob(6, sealed.ciphertext)
        .run();
    // Not s_.record: a message changes nothing the directory snapshot holds, so it does not
    // count as a directory change. The record says that a message was written, never what.
    s_.audit.append({"user:" + author,
                     "thread.message",
                     "stream:" + stream,
                     "success",
                     {{"message", message.id}, {"bytes", text.size()}}});
    t.commit();
    return message;
  }

  std::vector<ThreadMessage> readThread(const std::string& stream, int64_t beforeId,
                                        size_t limit) override {
    limit = std::clamp<size_t>(limit, 1, kMaxPage);
    std::lock_guard lock(s_.mutex);
    int64_t streamId = findStream(stream);
    auto rows = s_.db.prepare(sql::kReadThread);
    rows.bind(1, streamId)
        .bind(2, beforeId > 0 ? beforeId : INT64_MAX)
        .bind(3, static_cast<int64_t>(limit));
    std::vector<ThreadMessage> out;
    while (rows.step()) {
      ThreadMessage message{rows.integer(0), stream, rows.text(1), rows.integer(2), {}, false};
      // A row that does not open reads as unreadable, not as an error: one damaged or foreign
      // row must not hide the rest of the thread.
      if (auto text =
              cipher_.open(rows.blob(3), rows.blob(4),
                           associatedData(message.id, stream, message.author, message.atMs))) {
        message.text = std::move(*text);
        message.readable = true;
      }
      out.push_back(std::move(message));
    }
    return out;
  }

 private:
  int64_t findStream(const std::string& name) {
    auto s = s_.db.prepare(sql::kFindStream);
    s.bind(1, name);
    if (!s.step()) throw StoreError("not-found", "there is no stream named " + name);
    return s.integer(0);
  }

  SqliteStoreState& s_;
  const ThreadCipher cipher_;
};

// The thread key from DATA_DIR/thread-key, made on first start. A missing key while messages
// are stored is an error, never a new key: that would turn every stored message unreadable
// without a word.
std::string threadKey(SqliteStoreState& state, const std::string& dataDir) {
  if (auto key = readKeyFile(dataDir, kThreadKeyFile)) return std::move(*key);
  std::lock_guard lock(state.mutex);
  if (state.db.prepare(sql::kAnyMessage).step()) {
    throw StoreError(
        "storage", "the thread key " + (std::filesystem::path(dataDir) / kThreadKeyFile).string() +
                       " is missing, but consult-thread messages were stored with it: restore "
                       "the key from the data directory's backup (without it they cannot be "
                       "read)");
  }
  return createKeyFile(dataDir, kThreadKeyFile);
}

}  // namespace

std::unique_ptr<ConsultThreads> makeSqliteConsultThreads(SqliteStoreState& state,
                                                         const std::string& dataDir) {
  return std::make_unique<SqliteConsultThreads>(state, threadKey(state, dataDir));
}

}  // namespace medrelay::access
