#include "access/audit_key.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>

#include "access/sqlite_database.hpp"

namespace medrelay::access {

namespace {

constexpr size_t kKeyBytes = 32;

}  // namespace

std::optional<std::string> readAuditKey(const std::filesystem::path& dataDir) {
  auto path = dataDir / kAuditKeyFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw StoreError("storage", "cannot read " + path.string());
  if (key.size() != kKeyBytes) {
    throw StoreError("storage", "the audit key " + path.string() + " is damaged (expected " +
                                    std::to_string(kKeyBytes) + " bytes)");
  }
  return key;
}

std::string createAuditKey(const std::filesystem::path& dataDir) {
  auto path = dataDir / kAuditKeyFile;
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    throw StoreError("storage", "cannot generate the audit key: no entropy");
  }
  auto temp = path;
  temp += ".tmp" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("storage", "cannot write " + temp.string());
  bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  // link() fails if another process created the key first: then theirs wins.
  if (!ok || (::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST)) {
    ::unlink(temp.c_str());
    throw StoreError("storage", "cannot create " + path.string());
  }
  ::unlink(temp.c_str());
  auto written = readAuditKey(dataDir);
  if (!written) throw StoreError("storage", "cannot create " + path.string());
  return *written;
}

}  // namespace medrelay::access
