// Subscribes a webrtcbin viewer to a stream over WHEP, retrying while the stream's source is
// still connecting (a camera's ingest child needs a moment before the stream has media).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"

namespace medrelay::testing {

struct Watching {
  std::unique_ptr<WebrtcbinViewer> viewer;
  std::string location;
  std::string answer;  // the relay's SDP answer (its candidates name its ICE port)
};

// As `user` (a token issued with `medrelay admin`).
Watching watchStream(ServerProcess& server, const std::string& stream,
                     ViewerCodec codec = ViewerCodec::H264, bool withAudio = false,
                     const std::string& user = "demo");

// The stream as GET /api/v1/streams lists it to `token`'s user (an empty object if not listed).
nlohmann::json listedStream(ServerProcess& server, const std::string& stream,
                            const std::string& token);

}  // namespace medrelay::testing
