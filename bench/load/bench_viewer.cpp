#include "bench/load/bench_viewer.hpp"

#include "bench/load/synthetic_vp8.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::bench {

double DelayHistogram::percentileUs(double p) const {
  uint64_t total = 0;
  for (auto c : counts)
    total += c;
  if (total == 0) return 0;
  uint64_t wanted = static_cast<uint64_t>(p / 100.0 * static_cast<double>(total));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen > wanted) return static_cast<double>((i + 1) * kBucketUs);
  }
  return static_cast<double>(kBuckets * kBucketUs);
}

BenchViewer::BenchViewer(relay::MediaWorker& worker, relay::webrtc::PeerConnectionConfig config,
                         BatchReceiver* receiver)
    : peer_(std::make_unique<relay::webrtc::PeerConnection>(worker, std::move(config), *this)),
      receiver_(receiver) {}

BenchViewer::~BenchViewer() {
  peer_->close();
}

int64_t BenchViewer::monotonicNsNow() {
  return monotonicNs();
}

void BenchViewer::startWindow() {
  auto joined = figures_.joinUs;
  auto connected = figures_.connected;
  figures_ = Figures{};
  figures_.joinUs = joined;
  figures_.connected = connected;
  delays_ = DelayHistogram{};
}

void BenchViewer::onPeerGatheringDone(relay::webrtc::PeerConnection&) {
  if (onGathered) onGathered();
}

void BenchViewer::onPeerConnected(relay::webrtc::PeerConnection&) {
  figures_.connected = true;
  if (receiver_) receiver_->adopt(*this);
}

void BenchViewer::onPeerClosed(relay::webrtc::PeerConnection&, const std::string&,
                               const std::string&) {
  figures_.failed = true;
}

void BenchViewer::countHeader(std::span<const uint8_t> packet) {
  headersCounted_ = true;
  if (packet.size() < 12) return;
  ++figures_.packets;
  figures_.bytes += packet.size();
  int64_t sequence = unwrapper_.unwrap(static_cast<uint16_t>((packet[2] << 8) | packet[3]));
  if (highest_ < 0) {
    highest_ = sequence;
  } else if (sequence > highest_) {
    figures_.lost += static_cast<uint64_t>(sequence - highest_ - 1);
    highest_ = sequence;
  } else {
    ++figures_.reordered;  // late (or duplicate): it was counted lost when the gap opened
    if (figures_.lost) --figures_.lost;
  }
}

bool BenchViewer::wantsDecryption() {
  if (figures_.joinUs < 0) return true;
  if (++sinceDecrypted_ < kDecryptEvery) return false;
  sinceDecrypted_ = 0;
  return true;
}

void BenchViewer::onPeerRtp(relay::webrtc::PeerConnection&, std::span<const uint8_t> packet) {
  const int64_t now = monotonicNs();
  auto parsed = relay::rtp::RtpPacket::parse(packet);
  if (!parsed) return;
  if (!headersCounted_) countHeader(packet);  // libnice's path: every packet is decrypted
  if (auto stamp = readStamp(packet)) {
    delays_.add((now - stamp->sentNs) / 1000);
  } else {
    ++figures_.unstamped;
  }
  if (figures_.joinUs < 0) {
    if (startsKeyFrame(packet)) inKeyFrame_ = true;
    if (inKeyFrame_ && parsed->marker()) figures_.joinUs = (now - requestNs_) / 1000;
  }
}

}  // namespace medrelay::bench
