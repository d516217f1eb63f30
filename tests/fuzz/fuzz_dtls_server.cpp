// The DTLS server side of DTLS-SRTP (relay/transport/dtls_transport): what a viewer's browser
// sends before it is anyone (ClientHello, with or without a cookie, then whatever records
// follow). The input is a sequence of datagrams (fuzz_input.hpp) fed to a fresh server-side
// DtlsTransport, with a retransmission timeout in between; it must fail cleanly, never crash,
// and never answer one datagram with more than a flight.
#include <vector>

#include "relay/transport/dtls_transport.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using namespace medrelay::relay::transport;

namespace {

struct Listener : DtlsTransport::Listener {
  void onDtlsSend(std::span<const uint8_t> datagram) override {
    if (datagram.size() > 16384 + 64) __builtin_trap();  // one record at most per datagram
    sent.emplace_back(datagram.begin(), datagram.end());
  }
  void onDtlsConnected(const SrtpKeyingMaterial&) override { connected = true; }
  void onDtlsFailed(std::string_view) override { failed = true; }
  void onDtlsClosed() override {}
  std::vector<std::vector<uint8_t>> sent;
  bool connected = false, failed = false;
};

const std::shared_ptr<Certificate>& serverCertificate() {
  static const auto certificate = Certificate::generate("fuzz-server");
  return certificate;
}
const std::shared_ptr<Certificate>& clientCertificate() {
  static const auto certificate = Certificate::generate("fuzz-client");
  return certificate;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Listener listener;
  DtlsTransport server(serverCertificate(), listener);
  server.start(DtlsRole::Server, "sha-256", clientCertificate()->fingerprintSha256());
  medrelay::fuzz::forEachChunk(std::span<const uint8_t>(data, size), 16,
                               [&](std::span<const uint8_t> datagram) {
                                 const size_t before = listener.sent.size();
                                 server.receive(datagram);
                                 if (listener.sent.size() - before > 16) __builtin_trap();
                                 if (datagram.size() == 1) server.handleTimeout();
                               });
  server.nextTimeout();
  server.close();
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  // The ClientHello flight of our own client (what a browser sends is alike: DTLS 1.2, the
  // use_srtp extension with both profiles, ECDHE suites), alone and followed by a timeout mark
  // and a repeat (a retransmission).
  Listener client;
  DtlsTransport transport(clientCertificate(), client);
  transport.start(DtlsRole::Client, "sha-256", serverCertificate()->fingerprintSha256());
  std::vector<std::vector<uint8_t>> seeds;
  if (client.sent.empty()) return seeds;
  const auto& hello = client.sent.front();
  seeds.push_back(medrelay::fuzz::joinChunks({hello}));
  seeds.push_back(medrelay::fuzz::joinChunks({hello, {0}, hello}));
  // The server's answer to it (a HelloVerifyRequest or ServerHello flight), sent back at it.
  Listener server;
  DtlsTransport peer(serverCertificate(), server);
  peer.start(DtlsRole::Server, "sha-256", clientCertificate()->fingerprintSha256());
  peer.receive(hello);
  std::vector<std::vector<uint8_t>> flight{hello};
  for (const auto& d : server.sent)
    flight.push_back(d);
  seeds.push_back(medrelay::fuzz::joinChunks(flight));
  return seeds;
}
