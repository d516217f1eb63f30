// Micro-benchmarks of the packet path's parts (Google Benchmark): SRTP protection of one
// 1200-byte RTP packet (AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80), the per-viewer copy and
// header rewrite (one producer, one consumer), and fan-out of one packet to N consumers.
// Figures and the command go in bench/README.md; nothing here is a pass/fail test.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "relay/router/consumer.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/rtp/rtp_header_writer.hpp"
#include "relay/transport/srtp_session.hpp"

namespace {

using namespace medrelay::relay;

constexpr size_t kPayloadBytes = 1200 - 12;
constexpr uint8_t kVp8Key[] = {0x10, 0x00, 0x9D, 0x01, 0x2A};
constexpr uint8_t kVp8Delta[] = {0x10, 0x01, 0x55, 0x66, 0x77};

transport::SrtpKeyingMaterial keys(transport::SrtpProfile profile) {
  transport::SrtpKeyingMaterial k;
  k.profile = profile;
  size_t salt = profile == transport::SrtpProfile::AeadAes128Gcm ? 12 : 14;
  k.localKey.assign(16, 0x11);
  k.localSalt.assign(salt, 0x22);
  k.remoteKey.assign(16, 0x33);
  k.remoteSalt.assign(salt, 0x44);
  return k;
}

// Protects one packet per iteration (a fresh sequence number each time: SRTP refuses to
// protect an index twice). Writing the 12-byte header is included; the payload stays.
void srtpProtect(benchmark::State& state, transport::SrtpProfile profile) {
  transport::SrtpSession session(keys(profile));
  std::array<uint8_t, 1200 + transport::SrtpSession::kMaxTrailer> buffer{};
  uint16_t seq = 0;
  for (auto _ : state) {
    rtp::writeRtpHeader(buffer, {96, false, seq++, 90000u * seq, 0x1234});
    std::fill(buffer.begin() + 12, buffer.begin() + 1200, uint8_t{0xab});
    size_t length = 1200;
    if (!session.protectRtp(buffer, length)) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 1200);
}
BENCHMARK_CAPTURE(srtpProtect, aead_aes_128_gcm, transport::SrtpProfile::AeadAes128Gcm);
BENCHMARK_CAPTURE(srtpProtect, aes_cm_128_hmac_sha1_80,
                  transport::SrtpProfile::AesCm128HmacSha1_80);

// Opens and closes one viewer's SRTP session per iteration (both directions' libsrtp contexts
// and, under GCM, our sender): part of every join's cost on the media worker.
void srtpSessionOpenClose(benchmark::State& state, transport::SrtpProfile profile) {
  const auto material = keys(profile);
  for (auto _ : state) {
    transport::SrtpSession session(material);
    benchmark::DoNotOptimize(&session);
  }
}
BENCHMARK_CAPTURE(srtpSessionOpenClose, aead_aes_128_gcm, transport::SrtpProfile::AeadAes128Gcm)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(srtpSessionOpenClose, aes_cm_128_hmac_sha1_80,
                  transport::SrtpProfile::AesCm128HmacSha1_80)
    ->Unit(benchmark::kMicrosecond);

struct CountingViewer : router::Consumer::Listener {
  void onConsumerRtp(router::Consumer&, std::span<uint8_t> packet) override {
    bytes += packet.size();
  }
  void onConsumerRtcp(router::Consumer&, std::span<uint8_t>) override {}
  uint64_t bytes = 0;
};

struct Upstream : router::Producer::Listener {
  void onProducerKeyFrameNeeded(router::Producer&) override {}
};

// One producer fanning out to state.range(0) consumers; each iteration forwards one 1200-byte
// packet to all of them (copy + SSRC/PT/sequence/timestamp rewrite per consumer), flushing
// every state.range(1) packets as the relay does after each ingest receive batch (1: a packet
// at a time; 16: the longest batch, whose output slots of 1000 viewers no longer fit in cache).
// Items processed = packets delivered to viewers.
void fanOut(benchmark::State& state) {
  const auto consumers = static_cast<size_t>(state.range(0));
  const auto batch = state.range(1);
  router::PacketPool pool(4096);
  Upstream upstream;
  router::Producer producer({"bench", rtp::Codec::Vp8, 96, 90000}, upstream);
  std::vector<CountingViewer> viewers(consumers);
  std::vector<std::unique_ptr<router::Consumer>> attached;
  for (size_t i = 0; i < consumers; ++i) {
    router::ConsumerConfig config;
    config.ssrc = 0x10000 + static_cast<uint32_t>(i);
    config.payloadType = 100;
    attached.push_back(std::make_unique<router::Consumer>(config, viewers[i]));
    producer.addConsumer(*attached.back(), 0);
  }
  uint16_t seq = 0;
  auto feed = [&](bool keyFrame, int64_t nowMs) {
    auto ref = pool.acquire();
    auto out = ref.writable();
    size_t header = rtp::writeRtpHeader(out, {96, false, seq, 3000u * (seq / 8), 0x5555});
    std::fill(out.begin() + static_cast<std::ptrdiff_t>(header),
              out.begin() + static_cast<std::ptrdiff_t>(header + kPayloadBytes), uint8_t{0x5a});
    std::copy(std::begin(keyFrame ? kVp8Key : kVp8Delta), std::end(keyFrame ? kVp8Key : kVp8Delta),
              out.begin() + static_cast<std::ptrdiff_t>(header));
    ref.setSize(header + kPayloadBytes);
    ++seq;
    producer.receiveRtp(std::move(ref), nowMs);
  };
  feed(true, 0);  // every consumer starts on this key frame
  producer.flushConsumers();
  int64_t now = 1;
  for (auto _ : state) {
    feed(false, now / 16);
    if (++now % batch == 0) producer.flushConsumers();
  }
  producer.flushConsumers();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * consumers));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * consumers * 1200));
  uint64_t delivered = 0;
  for (const auto& v : viewers)
    delivered += v.bytes;
  if (delivered < state.iterations() * consumers * 1200) {
    state.SkipWithError("not every consumer received every packet");
  }
}
// 1 consumer: the per-viewer copy and header rewrite alone.
BENCHMARK(fanOut)
    ->ArgNames({"consumers", "batch"})
    ->ArgsProduct({{1, 10, 100, 1000}, {1, 16}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
