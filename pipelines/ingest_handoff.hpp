// How an ingest child learns its source without it ever being on a command line: the source
// URI may carry a camera's credentials (rtsp://user:pass@..., srt://...?passphrase=...), and a
// process's arguments are readable by every local user in /proc/PID/cmdline. The supervisor
// writes one hand-off message on the ingest socket pair before starting the child; the child
// reads it first thing, skipping anything older still queued on the socket (the relay's
// key-frame requests to a previous child). The message cannot be mistaken for RTP/RTCP
// (which start with version 2 bits; ours starts with 'M').
// Pure functions plus blocking reads on the child's own socket; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace medrelay::pipelines {

struct IngestHandoff {
  std::string source;
};

std::vector<uint8_t> encodeHandoff(const IngestHandoff& handoff);
// nullopt when `message` is not a hand-off (RTP, RTCP, junk).
std::optional<IngestHandoff> decodeHandoff(std::span<const uint8_t> message);

// Child side: reads messages from `fd` until a hand-off arrives or `timeout` passes.
std::optional<IngestHandoff> receiveHandoff(int fd, std::chrono::milliseconds timeout);

// Supervisor side: throws away what is queued for the child on `childFd` (stale requests to a
// previous child), then queues the hand-off on `relayFd`. False if it cannot be queued.
bool sendHandoff(int relayFd, int childFd, const IngestHandoff& handoff);

}  // namespace medrelay::pipelines
