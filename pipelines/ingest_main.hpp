// `medrelay ingest`: runs one GStreamer pipeline for one source in this process (started by the
// supervisor, never by hand in production) and writes its RTP to the inherited ingest socket.
// A crash here takes down only this process.
#pragma once

#include "pipelines/ingest_options.hpp"

namespace medrelay::pipelines {

// Exit codes the supervisor logs.
enum IngestExit : int {
  kIngestOk = 0,
  kIngestBadSource = 2,       // unknown scheme, malformed URI: restarting will not help much
  kIngestPipelineFailed = 3,  // GStreamer refused the pipeline
  kIngestStalled = 4,         // no packet for too long
  kIngestStreamError = 5,     // an element reported an error (camera unreachable, decoder failed)
  kIngestEnded = 6,           // the source ended (EOS): a live source must not end
  kIngestRelayGone = 7,       // the relay closed the socket
};

int runIngest(const IngestOptions& options);

}  // namespace medrelay::pipelines
