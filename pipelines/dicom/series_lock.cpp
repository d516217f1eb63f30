#include "pipelines/dicom/series_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace medrelay::pipelines::dicom {

namespace {

// Whether `fd` is still the file at `path`: retention unlinks the lock file before it lets go.
bool stillLinked(int fd, const std::filesystem::path& path) {
  struct stat opened {
  }, named{};
  if (::fstat(fd, &opened) != 0 || ::stat(path.c_str(), &named) != 0) return false;
  return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

}  // namespace

SeriesLock::SeriesLock(const std::filesystem::path& folder, bool create) : folder_(folder) {
  const auto lockPath = folder / kFileName;
  // Each pass loses only to a removal of the folder, which happens once per retention period:
  // a few passes are plenty, and the bound keeps a hostile filesystem from spinning us.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::error_code ec;
    if (create) {
      if (std::filesystem::create_directories(folder, ec)) created_ = true;
      if (ec) return;
    } else if (!std::filesystem::is_directory(folder, ec)) {
      return;
    }
    int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // the folder went between the two calls
      return;
    }
    int locked;
    do {
      locked = ::flock(fd, LOCK_EX);
    } while (locked != 0 && errno == EINTR);
    if (locked == 0 && stillLinked(fd, lockPath)) {
      fd_ = fd;
      return;
    }
    ::close(fd);  // removed while we waited: start over with a new folder
  }
}

SeriesLock::~SeriesLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

void SeriesLock::removeFolder() {
  if (std::filesystem::is_symlink(folder_))  // a series folder is never a link: touch nothing
    throw std::filesystem::filesystem_error("a series folder is a link", folder_,
                                            std::make_error_code(std::errc::not_a_directory));
  for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
    if (entry.path().filename() != kFileName) std::filesystem::remove_all(entry.path());
  }
  std::filesystem::remove(folder_ / kFileName);
  std::filesystem::remove(folder_);
}

}  // namespace medrelay::pipelines::dicom
