#include "common/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace medrelay {

std::string readSecretFile(const std::filesystem::path& file, std::string_view what,
                           size_t maxBytes) {
  const std::string name = "the " + std::string(what) + " " + file.string();
  // Opened once and checked as opened (no stat-then-open race); O_NONBLOCK so that a FIFO at
  // the path cannot hang the start.
  int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw std::runtime_error(name + " cannot be read");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw std::runtime_error(name + " cannot be read");
  if (info.st_mode & S_IROTH) {
    throw std::runtime_error(name + " is readable by every local user: chmod o-r it");
  }
  // A secret is a line or a short file, not a file's worth: refuse what is not one (a wrong
  // path, say).
  if (!S_ISREG(info.st_mode) || static_cast<uintmax_t>(info.st_size) > maxBytes) {
    throw std::runtime_error(name + " is not a file of at most " + std::to_string(maxBytes) +
                             " bytes");
  }
  std::string secret(maxBytes, '\0');
  size_t size = 0;
  while (size < secret.size()) {
    ssize_t got = ::read(fd, secret.data() + size, secret.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::runtime_error(name + " cannot be read");
    if (got == 0) break;
    size += static_cast<size_t>(got);
  }
  secret.resize(size);
  auto first = secret.find_first_not_of(" \t\r\n");
  auto last = secret.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) throw std::runtime_error(name + " is empty");
  return secret.substr(first, last - first + 1);
}

}  // namespace medrelay
