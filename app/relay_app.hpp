// `medrelay serve`: builds the whole relay from ServeOptions (media workers, packet pools,
// ingest supervisor, streams, the relay service and the signaling server), runs until SIGINT
// or SIGTERM, and tears everything down in reverse order. Lives on the main thread.
#pragma once

#include <memory>
#include <vector>

#include "app/serve_options.hpp"

namespace medrelay::app {

// Blocks SIGINT/SIGTERM and ignores SIGPIPE; call before any thread starts so every thread
// inherits the mask and only runServe's sigwait sees the signals.
void prepareProcessSignals();
// Blocks until SIGINT or SIGTERM (blocked by prepareProcessSignals); returns the signal.
int waitForStopSignal();

// Returns the process exit code.
int runServe(const ServeOptions& options);

}  // namespace medrelay::app
