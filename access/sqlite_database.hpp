// A thin RAII layer over one SQLite connection: open with the settings every MedRelay database
// uses (WAL, foreign keys, full sync, busy timeout), prepared statements with typed binding,
// and transactions that roll back unless committed. Errors throw StoreError.
// One connection per thread: callers that share it serialize access themselves.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace medrelay::access {

// What went wrong in a store operation, for people and for HTTP/CLI mapping.
class StoreError : public std::runtime_error {
 public:
  // code: "not-found", "conflict", "invalid", "forbidden", "storage"
  StoreError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

class Statement;

class Database {
 public:
  // Creates the file (mode 0600) if needed. Throws StoreError("storage", ...) on failure.
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void execute(std::string_view sql);  // one or more statements, no parameters
  Statement prepare(std::string_view sql);
  int64_t lastInsertId() const;
  int changes() const;
  // Changes whenever another connection commits (PRAGMA data_version): cheap change detection.
  int64_t dataVersion();
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // 1-based positions, as SQLite counts. Return *this to chain.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bindNull(int index);
  Statement& bind(int index, const std::optional<int64_t>& value);
  // Bytes as a BLOB (a TEXT binding would claim they are UTF-8).
  Statement& bindBlob(int index, std::string_view bytes);

  bool step();  // true while a row is available; throws on error (constraint -> "conflict")
  void run();   // step() to completion
  void reset();

  int64_t integer(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;  // a BLOB's bytes (TEXT converts as it is stored)
  bool isNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

// BEGIN IMMEDIATE (takes the write lock at once, so read-then-write stays consistent across
// processes); rolls back in the destructor unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace medrelay::access
