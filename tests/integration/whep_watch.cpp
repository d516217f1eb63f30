#include "tests/integration/whep_watch.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/https_client.hpp"

namespace medrelay::testing {

Watching watchStream(ServerProcess& server, const std::string& stream, ViewerCodec codec,
                     bool withAudio, const std::string& user) {
  auto token = server.issueToken(user);
  Watching w{std::make_unique<WebrtcbinViewer>(codec, withAudio), ""};
  HttpResponse response;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto offer = w.viewer->createOffer();
    response = httpsRequest(
        "127.0.0.1", server.port(), "POST", "/whep/" + stream,
        {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}}, offer);
    if (response.status == 201) break;
    w.viewer = std::make_unique<WebrtcbinViewer>(codec, withAudio);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(response.status, 201) << response.body;
  if (response.status == 201) {
    EXPECT_TRUE(w.viewer->setAnswer(response.body));
  }
  w.location = response.headers["location"];
  w.answer = response.body;
  return w;
}

nlohmann::json listedStream(ServerProcess& server, const std::string& stream,
                            const std::string& token) {
  auto list = httpsRequest("127.0.0.1", server.port(), "GET", "/api/v1/streams",
                           {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(list.status, 200) << list.body;
  if (list.status == 200)
    for (const auto& s : nlohmann::json::parse(list.body))
      if (s.at("name") == stream) return s;
  return nlohmann::json::object();
}

}  // namespace medrelay::testing
