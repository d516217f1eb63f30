// The whole directory as one consistent in-memory snapshot for access decisions, and a cheap
// counter to notice when a fresh one is due. Implementations say which threads may call.
#pragma once

#include <cstdint>
#include <memory>

#include "access/directory.hpp"

namespace medrelay::access {

class DirectorySnapshots {
 public:
  virtual ~DirectorySnapshots() = default;

  virtual std::shared_ptr<const Directory> loadDirectory() = 0;
  // Changes whenever any process commits a change: poll it to notice admin changes.
  virtual int64_t changeCounter() = 0;
};

}  // namespace medrelay::access
