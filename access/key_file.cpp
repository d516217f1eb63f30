#include "access/key_file.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>

#include "access/sqlite_database.hpp"

namespace medrelay::access {

namespace {

// Closes on every path out (the reads below throw).
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::string> readKeyFile(const std::filesystem::path& dataDir,
                                       std::string_view fileName) {
  auto path = dataDir / fileName;
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw StoreError("storage", "cannot read " + path.string());
  }
  // Read with read(2) straight into the key's own buffer (one more byte than a key, to tell a
  // longer file): a stream would leave copies of the key in its buffers.
  std::string key(kKeyFileBytes + 1, '\0');
  size_t size = 0;
  while (size < key.size()) {
    ssize_t got = ::read(file.fd, key.data() + size, key.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got == 0) break;
      OPENSSL_cleanse(key.data(), key.size());
      throw StoreError("storage", "cannot read " + path.string());
    }
    size += static_cast<size_t>(got);
  }
  if (size != kKeyFileBytes) {
    OPENSSL_cleanse(key.data(), key.size());
    throw StoreError("storage", "the key " + path.string() + " is damaged (expected " +
                                    std::to_string(kKeyFileBytes) + " bytes)");
  }
  key.resize(kKeyFileBytes);  // shrinks in place: no copy
  return key;
}

std::string createKeyFile(const std::filesystem::path& dataDir, std::string_view fileName) {
  auto path = dataDir / fileName;
  std::string key(kKeyFileBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    throw StoreError("storage", "cannot generate the key " + path.string() + ": no entropy");
  }
  auto temp = path;
  temp += ".tmp" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(key.data(), key.size());
    throw StoreError("storage", "cannot write " + temp.string());
  }
  bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  OPENSSL_cleanse(key.data(), key.size());  // the key that counts is the one read back
  // link() fails if another process created the key first: then theirs wins.
  if (!ok || (::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST)) {
    ::unlink(temp.c_str());
    throw StoreError("storage", "cannot create " + path.string());
  }
  ::unlink(temp.c_str());
  auto written = readKeyFile(dataDir, fileName);
  if (!written) throw StoreError("storage", "cannot create " + path.string());
  return std::move(*written);
}

}  // namespace medrelay::access
