// Releasing a DICOM series blocked for possible burned-in patient text, and what the stream
// listings show of a series' burned-in decision. Used by the admin API and `medrelay admin`
// alike; works on DATA_DIR/dicom directly (under the record's lock), so it reaches a series kept
// by this process's gateway or by a separate `medrelay gateway`, and the player starts a
// released series on its next look at the folder (about a second).
// Free functions, no state; thread-safe (the record is locked while it changes).
#pragma once

#include <filesystem>
#include <string>

#include "access/directory_store.hpp"

namespace medrelay::app {

// Throws access::StoreError: "not-found" (no such DICOM stream or series), "conflict" (not
// blocked). Releasing a series already released does nothing and succeeds. Audited as
// dicom.burned-in.release by `actor`.
void releaseDicomSeries(access::DirectoryStore& store, const std::filesystem::path& dicomFolder,
                        const std::string& stream, const std::string& actor);

// pipelines::dicom::burnedInState of the series' record ("" for a name that is no series).
std::string dicomBurnedInState(const std::filesystem::path& dicomFolder, const std::string& stream);

}  // namespace medrelay::app
