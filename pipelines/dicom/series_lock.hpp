// An exclusive lock on one series folder (DATA_DIR/dicom/<stream>/), across processes: flock on
// its `.series.lock` file. The gateway holds it while it registers a series and keeps one of its
// objects; retention holds it while it removes the series. Retention removes the lock file with
// the folder, so a gateway that waited meanwhile finds its lock file unlinked, makes the folder
// anew and knows the series is new again (created()): nothing it keeps lands in a folder on its
// way out, and a series that comes back is registered again.
// Thread ownership: one thread holds one SeriesLock; two in one process exclude each other too
// (flock locks belong to the open file, not the process).
#pragma once

#include <filesystem>

namespace medrelay::pipelines::dicom {

class SeriesLock {
 public:
  // Blocks until the folder's lock is held. `create`: makes the folder when it is missing;
  // otherwise a missing folder is not locked (held() false).
  SeriesLock(const std::filesystem::path& folder, bool create);
  ~SeriesLock();
  SeriesLock(const SeriesLock&) = delete;
  SeriesLock& operator=(const SeriesLock&) = delete;

  bool held() const { return fd_ >= 0; }
  // The folder did not exist when this lock was asked for (or went while it waited).
  bool created() const { return created_; }
  // While held: removes everything in the folder, then the lock file, then the folder. Those
  // waiting for the lock find the folder gone. Throws std::filesystem::filesystem_error.
  void removeFolder();

  static constexpr const char* kFileName = ".series.lock";

 private:
  std::filesystem::path folder_;
  int fd_ = -1;
  bool created_ = false;
};

}  // namespace medrelay::pipelines::dicom
