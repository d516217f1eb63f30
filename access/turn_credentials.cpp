#include "access/turn_credentials.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace medrelay::access {

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

TurnCredential mintTurnCredential(std::string_view secret, std::string_view user,
                                  int64_t nowSeconds, int64_t lifetimeSeconds) {
  TurnCredential out;
  out.expiresAt = nowSeconds + lifetimeSeconds;
  out.username = std::to_string(out.expiresAt) + ":" + std::string(user);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(out.username.data()), out.username.size(), mac,
       &length);
  out.password = base64Encode(std::string_view(reinterpret_cast<const char*>(mac), length));
  return out;
}

std::string readTurnSecretFile(const std::filesystem::path& file) {
  // Opened once and checked as opened (no stat-then-open race); O_NONBLOCK so that a FIFO at
  // the path cannot hang the start.
  int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw std::runtime_error("the TURN secret file " + file.string() + " cannot be read");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    throw std::runtime_error("the TURN secret file " + file.string() + " cannot be read");
  }
  if (info.st_mode & S_IROTH) {
    throw std::runtime_error("the TURN secret file " + file.string() +
                             " is readable by every local user: chmod o-r it");
  }
  // A secret is a line, not a file's worth: refuse what is not one (a wrong path, say).
  constexpr off_t kMaxSecretBytes = 4096;
  if (!S_ISREG(info.st_mode) || info.st_size > kMaxSecretBytes) {
    throw std::runtime_error("the TURN secret file " + file.string() +
                             " is not a file of at most 4096 bytes");
  }
  std::string secret(static_cast<size_t>(kMaxSecretBytes), '\0');
  size_t size = 0;
  while (size < secret.size()) {
    ssize_t got = ::read(fd, secret.data() + size, secret.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      throw std::runtime_error("the TURN secret file " + file.string() + " cannot be read");
    }
    if (got == 0) break;
    size += static_cast<size_t>(got);
  }
  secret.resize(size);
  auto first = secret.find_first_not_of(" \t\r\n");
  auto last = secret.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) {
    throw std::runtime_error("the TURN secret file " + file.string() + " is empty");
  }
  return secret.substr(first, last - first + 1);
}

}  // namespace medrelay::access
