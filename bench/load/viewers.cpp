#include "bench/load/viewers.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/load/bench_viewer.hpp"
#include "bench/load/janus_client.hpp"
#include "bench/load/process_figures.hpp"
#include "relay/common/media_worker.hpp"
#include "relay/transport/certificate.hpp"
#include "relay/webrtc/codec_match.hpp"
#include "relay/webrtc/load_generator_peer_door.hpp"
#include "relay/webrtc/sdp_answer.hpp"
#include "relay/webrtc/sdp_offer.hpp"
#include "tests/integration/https_client.hpp"

namespace medrelay::bench {

namespace {

using Clock = std::chrono::steady_clock;

std::string whepOffer(const relay::webrtc::PeerConnection& peer) {
  return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:" +
         peer.localUfrag() + "\r\na=ice-pwd:" + peer.localPassword() +
         "\r\na=ice-options:trickle\r\na=fingerprint:sha-256 " + peer.localFingerprint() +
         "\r\na=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
         "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n";
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

class Run {
 public:
  explicit Run(const ViewersOptions& o) : o_(o), worker_("load") {
    base_.ice.bindAddresses = {o.iceAddress.empty() ? o.host : o.iceAddress};
    // The batch receiver answers the servers' consent checks; ours would go unanswered.
    relay::webrtc::LoadGeneratorPeerDoor::withoutConsentChecks(base_);
    worker_.runSync([&] { receiver_ = std::make_unique<BatchReceiver>(worker_); });
    base_.certificate = relay::transport::Certificate::generate("medrelay-load");
    if (o.target == "janus") janus_ = std::make_unique<JanusClient>(o.host, o.port);
  }

  ~Run() {
    worker_.runSync([&] {
      receiver_.reset();
      viewers_.clear();
    });
  }

  bool join() {
    auto config = base_;
    config.ice.controlling = o_.target != "janus";  // the offerer controls
    auto viewer = std::make_unique<BenchViewer>(worker_, config, receiver_.get());
    BenchViewer* v = viewer.get();
    worker_.runSync([&] { viewers_.push_back(std::move(viewer)); });
    return o_.target == "janus" ? joinJanus(*v) : joinWhep(*v);
  }

  bool joinWhep(BenchViewer& v) {
    auto offer = whepOffer(v.peer());
    worker_.runSync([&] { v.markRequestSent(); });
    auto response = testing::httpsRequest(
        o_.host, o_.port, "POST", "/whep/" + o_.stream,
        {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + o_.token}}, offer);
    if (response.status != 201) {
      std::fprintf(stderr, "WHEP answered %d: %s\n", response.status, response.body.c_str());
      return false;
    }
    auto answer = relay::webrtc::parseOffer(response.body);
    if (!std::holds_alternative<relay::webrtc::RemoteDescription>(answer)) return false;
    bool started = false;
    worker_.runSync(
        [&] { started = v.peer().start(std::get<relay::webrtc::RemoteDescription>(answer)); });
    return started;
  }

  bool joinJanus(BenchViewer& v) {
    auto handle = janus_->attachStreaming();
    worker_.runSync([&] { v.markRequestSent(); });
    janus_->watch(handle, o_.mountpoint);
    auto offerSdp = janus_->waitForOffer(handle);
    auto offer = relay::webrtc::parseOffer(offerSdp);
    if (!std::holds_alternative<relay::webrtc::RemoteDescription>(offer)) {
      std::fprintf(stderr, "no usable offer from Janus: %s\n", offerSdp.c_str());
      return false;
    }
    const auto& description = std::get<relay::webrtc::RemoteDescription>(offer);
    relay::webrtc::StreamEncoding vp8{relay::rtp::Codec::Vp8};
    auto choice = relay::webrtc::chooseVideoCodec(description, std::span(&vp8, 1),
                                                  relay::webrtc::AnswerParams::Role::Publisher);
    if (!std::holds_alternative<relay::webrtc::CodecChoice>(choice)) return false;
    std::promise<std::string> answer;
    worker_.runSync([&] {
      v.onGathered = [&] {
        relay::webrtc::AnswerParams params;
        params.role = relay::webrtc::AnswerParams::Role::Publisher;  // recvonly
        params.iceUfrag = v.peer().localUfrag();
        params.icePwd = v.peer().localPassword();
        params.fingerprintSha256 = v.peer().localFingerprint();
        params.candidates = v.peer().localCandidates();
        params.streamId = "load";
        std::vector<relay::webrtc::AcceptedSection> video{
            {std::get<relay::webrtc::CodecChoice>(choice)}};
        auto built = relay::webrtc::buildAnswer(description, video, params);
        answer.set_value(std::holds_alternative<std::string>(built) ? std::get<std::string>(built)
                                                                    : "");
        v.onGathered = nullptr;
      };
      v.peer().start(description);
    });
    auto sdp = answer.get_future().get();
    if (sdp.empty()) return false;
    janus_->start(handle, sdp);
    return true;
  }

  int measure() {
    auto idle = readProcessFigures(o_.serverPids);
    auto joinStart = Clock::now();
    int joined = 0;
    const auto joinDeadline = joinStart + std::chrono::seconds(o_.joinSeconds);
    for (int i = 0; i < o_.viewers && Clock::now() < joinDeadline; ++i)
      joined += join();
    double joinSeconds = std::chrono::duration<double>(Clock::now() - joinStart).count();
    // Wait until every viewer has its first key frame (or 20 s), then warm up.
    for (auto end = Clock::now() + std::chrono::seconds(20); Clock::now() < end;) {
      int ready = 0;
      worker_.runSync([&] {
        for (auto& v : viewers_)
          ready += v->figures().joinUs >= 0;
      });
      if (ready == static_cast<int>(viewers_.size())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::seconds(o_.warmupSeconds));
    worker_.runSync([&] {
      for (auto& v : viewers_)
        v->startWindow();
    });
    auto before = readProcessFigures(o_.serverPids);
    auto windowStart = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(o_.seconds));
    auto after = readProcessFigures(o_.serverPids);
    double window = std::chrono::duration<double>(Clock::now() - windowStart).count();

    uint64_t packets = 0, lost = 0, reordered = 0, unstamped = 0, minPackets = UINT64_MAX;
    int connected = 0, failed = 0;
    DelayHistogram delays;
    std::vector<double> joins;
    worker_.runSync([&] {
      for (auto& v : viewers_) {
        const auto& f = v->figures();
        packets += f.packets;
        lost += f.lost;
        reordered += f.reordered;
        unstamped += f.unstamped;
        minPackets = std::min(minPackets, f.packets);
        connected += f.connected;
        failed += f.failed;
        delays.merge(v->delays());
        if (f.joinUs >= 0) joins.push_back(static_cast<double>(f.joinUs) / 1000);
      }
    });
    if (viewers_.empty()) minPackets = 0;
    BatchReceiver::Stats receiving;
    worker_.runSync([&] { receiving = receiver_->stats(); });
    nlohmann::json out = {
        {"target", o_.target},
        {"viewers", o_.viewers},
        {"joined", joined},
        {"connected", connected},
        {"failed", failed},
        {"join_seconds", joinSeconds},
        {"window_seconds", window},
        {"packets", packets},
        {"packets_per_second", static_cast<double>(packets) / window},
        {"min_packets_per_viewer", minPackets},
        {"loss_percent",
         packets + lost ? 100.0 * static_cast<double>(lost) / static_cast<double>(packets + lost)
                        : 0.0},
        {"reordered", reordered},
        {"generator_batches", receiving.batches},
        {"generator_datagrams", receiving.datagrams},
        {"stun_answered", receiving.stunAnswered},
        {"generator_decrypted", receiving.decrypted},
        {"unstamped", unstamped},
        {"delay_p50_us", delays.percentileUs(50)},
        {"delay_p99_us", delays.percentileUs(99)},
        {"join_p50_ms", percentile(joins, 50)},
        {"join_p99_ms", percentile(joins, 99)},
        {"server_cpu_percent",
         static_cast<double>(after.cpuMicros - before.cpuMicros) / (window * 1e6) * 100},
        {"server_cpu_us_per_packet", packets
                                         ? static_cast<double>(after.cpuMicros - before.cpuMicros) /
                                               static_cast<double>(packets)
                                         : 0.0},
        {"server_rss_idle_kb", idle.rssKb},
        {"server_rss_kb", after.rssKb},
        {"rss_per_viewer_kb",
         joined ? static_cast<double>(after.rssKb - idle.rssKb) / joined : 0.0}};
    std::printf("%s\n", out.dump().c_str());
    std::fflush(stdout);
    return minPackets >= static_cast<uint64_t>(o_.minPacketsPerViewer) ? 0 : 1;
  }

 private:
  const ViewersOptions& o_;
  relay::MediaWorker worker_;
  relay::webrtc::PeerConnectionConfig base_;
  std::unique_ptr<JanusClient> janus_;
  std::unique_ptr<BatchReceiver> receiver_;            // worker thread
  std::vector<std::unique_ptr<BenchViewer>> viewers_;  // worker thread
};

}  // namespace

int runViewers(const ViewersOptions& options) {
  Run run(options);
  return run.measure();
}

}  // namespace medrelay::bench
