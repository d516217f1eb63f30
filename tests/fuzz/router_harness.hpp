// One producer and two viewers (one with NACK and RTX, one without), as the router runs them on
// a media worker, for the router fuzz targets. Checks what every viewer receives: valid RTP
// under the viewer's SSRC, and never two different packets under one output sequence number on
// the media SSRC (one SRTP index, one AES-GCM nonce: the invariant consumer.hpp promises).
#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "relay/router/consumer.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::fuzz {

using namespace medrelay::relay;

struct Upstream : router::Producer::Listener {
  void onProducerKeyFrameNeeded(router::Producer&) override { ++requests; }
  int requests = 0;
};

struct Viewer : router::Consumer::Listener {
  explicit Viewer(uint32_t ssrc, uint32_t rtxSsrc) : ssrc(ssrc), rtxSsrc(rtxSsrc) {}
  void onConsumerRtp(router::Consumer&, std::span<uint8_t> packet) override {
    auto parsed = rtp::RtpPacket::parse(packet);
    if (!parsed) __builtin_trap();  // we only ever send valid RTP
    if (parsed->ssrc() == ssrc) {
      auto [it, fresh] = sent.try_emplace(parsed->sequenceNumber(), packet.begin(), packet.end());
      if (!fresh && (it->second.size() != packet.size() ||
                     !std::equal(packet.begin(), packet.end(), it->second.begin())))
        __builtin_trap();  // one output sequence number, two different packets
    } else if (parsed->ssrc() != rtxSsrc) {
      __builtin_trap();
    }
  }
  void onConsumerRtcp(router::Consumer&, std::span<uint8_t> compound) override {
    if (compound.size() > router::kPacketCapacity + router::kTrailerRoom) __builtin_trap();
  }
  uint32_t ssrc, rtxSsrc;
  std::map<uint16_t, std::vector<uint8_t>> sent;
};

struct RouterHarness {
  RouterHarness() {
    router::ConsumerConfig a;
    a.ssrc = 0xAAAA;
    a.payloadType = 100;
    a.rtxSsrc = 0xAAAB;
    a.rtxPayloadType = 101;
    router::ConsumerConfig b;
    b.ssrc = 0xBBBB;
    b.nack = false;
    withRtx = std::make_unique<router::Consumer>(a, viewerA);
    plain = std::make_unique<router::Consumer>(b, viewerB);
    producer.addConsumer(*withRtx, now);
    producer.addConsumer(*plain, now);
  }
  // One datagram as the publisher sent it, copied into a pool buffer as the transport does.
  void receive(std::span<const uint8_t> datagram) {
    now += 5;
    if (datagram.size() > router::kPacketCapacity) return;
    router::PacketRef ref = pool.acquire();
    if (!ref) return;
    std::memcpy(ref.writable().data(), datagram.data(), datagram.size());
    ref.setSize(datagram.size());
    producer.receiveRtp(std::move(ref), now);
  }
  void flush() {
    producer.flushConsumers();
    withRtx->onTimer(now);
    plain->onTimer(now);
  }

  // One pool for every run: a fresh one zero-fills a chunk of 1,024 buffers (1.5 MB) as soon as
  // the retransmission cache holds more than 64 packets, which was most of a run's time. Every
  // buffer comes back when the harness's producer and viewers go, as on a media worker.
  static router::PacketPool& sharedPool() {
    static router::PacketPool shared{64, 4096};
    return shared;
  }
  router::PacketPool& pool = sharedPool();
  Upstream upstream;
  router::Producer producer{router::ProducerConfig{"fuzz", rtp::Codec::Vp8, 96, 90000}, upstream};
  Viewer viewerA{0xAAAA, 0xAAAB}, viewerB{0xBBBB, 0};
  std::unique_ptr<router::Consumer> withRtx, plain;
  int64_t now = 1000;
};

// A VP8 packet (RFC 7741): key frame start or delta, marker on the frame's last packet.
inline std::vector<uint8_t> vp8Packet(uint16_t seq, uint32_t ts, uint32_t ssrc, bool keyFrame,
                                      bool marker = true) {
  std::vector<uint8_t> p{0x80,
                         static_cast<uint8_t>(0x60 | (marker ? 0x80 : 0)),
                         static_cast<uint8_t>(seq >> 8),
                         static_cast<uint8_t>(seq),
                         static_cast<uint8_t>(ts >> 24),
                         static_cast<uint8_t>(ts >> 16),
                         static_cast<uint8_t>(ts >> 8),
                         static_cast<uint8_t>(ts),
                         static_cast<uint8_t>(ssrc >> 24),
                         static_cast<uint8_t>(ssrc >> 16),
                         static_cast<uint8_t>(ssrc >> 8),
                         static_cast<uint8_t>(ssrc)};
  if (keyFrame) {
    p.insert(p.end(), {0x10, 0x00, 0x9D, 0x01, 0x2A});
  } else {
    p.insert(p.end(), {0x10, 0x01, 0x55, 0x66, 0x77});
  }
  return p;
}

}  // namespace medrelay::fuzz
