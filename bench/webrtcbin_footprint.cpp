// What one stream with N viewers costs the server: starts a real `medrelay serve` (720p30 demo),
// measures its CPU and resident memory with no viewer, then with N GStreamer webrtcbin viewers
// subscribed over WHEP and decoding. The viewers decode in this process; only the server's and
// the ingest child's own /proc figures are reported.
//
//   webrtcbin_footprint [VIEWERS=10] [SECONDS=20] [vp8|h264]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"

using namespace medrelay::testing;
using namespace std::chrono_literals;

namespace {

struct ProcessSample {
  double cpuSeconds = 0;  // user + system
  long rssKiB = 0;
};

ProcessSample sample(pid_t pid) {
  ProcessSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command name (which may hold spaces) start at the last ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::vector<std::string> fields{std::istream_iterator<std::string>(rest), {}};
  if (fields.size() > 13) {
    s.cpuSeconds = (std::stod(fields[11]) + std::stod(fields[12])) / ::sysconf(_SC_CLK_TCK);
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rssKiB = std::stol(line.substr(6));
  }
  return s;
}

struct Window {
  double serverCpuPercent, ingestCpuPercent;
  long serverRssKiB, ingestRssKiB;
};

Window measure(const ServerProcess& server, std::chrono::seconds length) {
  auto children = server.childPids();
  pid_t ingest = children.empty() ? -1 : children.front();
  auto s0 = sample(server.pid());
  auto i0 = ingest > 0 ? sample(ingest) : ProcessSample{};
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(length);
  auto s1 = sample(server.pid());
  auto i1 = ingest > 0 ? sample(ingest) : ProcessSample{};
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {100 * (s1.cpuSeconds - s0.cpuSeconds) / wall,
          100 * (i1.cpuSeconds - i0.cpuSeconds) / wall, s1.rssKiB, i1.rssKiB};
}

void print(const char* label, const Window& w) {
  std::printf("%-22s server %5.1f%% of a core, RSS %6.1f MiB | ingest %5.1f%%, RSS %6.1f MiB\n",
              label, w.serverCpuPercent, w.serverRssKiB / 1024.0, w.ingestCpuPercent,
              w.ingestRssKiB / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  int viewers = argc > 1 ? std::atoi(argv[1]) : 10;
  auto seconds = std::chrono::seconds(argc > 2 ? std::atoi(argv[2]) : 20);
  auto codec = argc > 3 && std::string(argv[3]) == "h264" ? ViewerCodec::H264 : ViewerCodec::Vp8;

  ServerProcess server({"--demo-size", "1280x720", "--demo-fps", "30"});
  std::this_thread::sleep_for(3s);  // let the ingest child reach steady state
  print("no viewer", measure(server, seconds));

  auto token = server.issueToken("demo");
  std::vector<std::unique_ptr<WebrtcbinViewer>> list;
  for (int i = 0; i < viewers; ++i) {
    auto viewer = std::make_unique<WebrtcbinViewer>(codec);
    auto response =
        httpsRequest("127.0.0.1", server.port(), "POST", "/whep/demo",
                     {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}},
                     viewer->createOffer());
    if (response.status != 201 || !viewer->setAnswer(response.body)) {
      std::fprintf(stderr, "viewer %d: WHEP answered %d: %s\n", i, response.status,
                   response.body.c_str());
      return 1;
    }
    list.push_back(std::move(viewer));
  }
  for (auto& viewer : list) {
    if (!viewer->waitForFrames(30, 30s)) {
      std::fprintf(stderr, "a viewer decoded only %d frames\n", viewer->framesDecoded());
      return 1;
    }
  }
  std::vector<int> before;
  for (auto& viewer : list)
    before.push_back(viewer->framesDecoded());
  auto window = measure(server, seconds);
  int minFrames = 1 << 30;
  for (size_t i = 0; i < list.size(); ++i) {
    minFrames = std::min(minFrames, list[i]->framesDecoded() - before[i]);
  }
  std::string label = std::to_string(viewers) + " viewers";
  print(label.c_str(), window);
  std::printf("slowest viewer decoded %.1f frames/s during the window\n",
              minFrames / static_cast<double>(seconds.count()));
  return 0;
}
