// Two DtlsTransports (real OpenSSL) handshake through an in-memory queue: keys must match
// crosswise, SRTP sessions built from them must interoperate, and a wrong fingerprint fails.
#include "relay/transport/dtls_transport.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "relay/transport/srtp_session.hpp"

namespace medrelay::relay::transport {
namespace {

struct Endpoint : DtlsTransport::Listener {
  explicit Endpoint(std::shared_ptr<Certificate> cert) : certificate(cert), dtls(cert, *this) {}
  void onDtlsSend(std::span<const uint8_t> d) override { outbox.emplace_back(d.begin(), d.end()); }
  void onDtlsConnected(const SrtpKeyingMaterial& k) override {
    keys = k;
    connected = true;
  }
  void onDtlsFailed(std::string_view reason) override { failure = std::string(reason); }
  void onDtlsClosed() override { closed = true; }

  std::shared_ptr<Certificate> certificate;
  DtlsTransport dtls;
  std::deque<std::vector<uint8_t>> outbox;
  std::optional<SrtpKeyingMaterial> keys;
  bool connected = false;
  bool closed = false;
  std::string failure;
};

// Delivers queued datagrams both ways until nothing moves; `drop` filters datagrams.
template <class Drop>
void pump(Endpoint& a, Endpoint& b, Drop drop) {
  for (int round = 0; round < 50; ++round) {
    bool moved = false;
    while (!a.outbox.empty()) {
      auto d = std::move(a.outbox.front());
      a.outbox.pop_front();
      if (!drop(d)) b.dtls.receive(d);
      moved = true;
    }
    while (!b.outbox.empty()) {
      auto d = std::move(b.outbox.front());
      b.outbox.pop_front();
      if (!drop(d)) a.dtls.receive(d);
      moved = true;
    }
    if (!moved) return;
  }
}
void pump(Endpoint& a, Endpoint& b) {
  pump(a, b, [](const std::vector<uint8_t>&) { return false; });
}

TEST(DtlsTransport, HandshakeDerivesMatchingSrtpKeys) {
  Endpoint client(Certificate::generate("client")), server(Certificate::generate("server"));
  server.dtls.start(DtlsRole::Server, "sha-256", client.certificate->fingerprintSha256());
  client.dtls.start(DtlsRole::Client, "sha-256", server.certificate->fingerprintSha256());
  EXPECT_FALSE(client.outbox.empty()) << "the client must send its ClientHello at start";
  pump(client, server);
  ASSERT_TRUE(client.connected) << client.failure;
  ASSERT_TRUE(server.connected) << server.failure;
  EXPECT_EQ(client.keys->profile, SrtpProfile::AeadAes128Gcm);  // preferred when both offer it
  EXPECT_EQ(client.keys->localKey, server.keys->remoteKey);
  EXPECT_EQ(client.keys->localSalt, server.keys->remoteSalt);
  EXPECT_EQ(client.keys->remoteKey, server.keys->localKey);
  EXPECT_NE(client.keys->localKey, client.keys->remoteKey);
  EXPECT_EQ(client.keys->localKey.size(), 16u);
  EXPECT_EQ(client.keys->localSalt.size(), 12u);

  // SRTP built from each side's keys interoperates.
  SrtpSession clientSrtp(*client.keys), serverSrtp(*server.keys);
  std::vector<uint8_t> packet = {0x80, 0x60, 0x00, 0x01, 0,   0,   0,   1,  0x11,
                                 0x22, 0x33, 0x44, 'm',  'e', 'd', 'i', 'a'};
  std::vector<uint8_t> buffer(packet.size() + SrtpSession::kMaxTrailer);
  std::copy(packet.begin(), packet.end(), buffer.begin());
  size_t length = packet.size();
  ASSERT_TRUE(serverSrtp.protectRtp(buffer, length));
  EXPECT_EQ(length, packet.size() + 16);  // GCM tag
  ASSERT_TRUE(clientSrtp.unprotectRtp(buffer, length));
  EXPECT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + length), packet);
}

TEST(DtlsTransport, WrongFingerprintFailsWithoutKeys) {
  Endpoint client(Certificate::generate("client")), server(Certificate::generate("server"));
  auto impostor = Certificate::generate("impostor");
  server.dtls.start(DtlsRole::Server, "sha-256", impostor->fingerprintSha256());
  client.dtls.start(DtlsRole::Client, "sha-256", server.certificate->fingerprintSha256());
  pump(client, server);
  EXPECT_FALSE(server.connected);
  EXPECT_NE(server.failure.find("fingerprint"), std::string::npos) << server.failure;
}

TEST(DtlsTransport, ClientHelloArrivingBeforeStartIsReplayed) {
  Endpoint client(Certificate::generate("client")), server(Certificate::generate("server"));
  client.dtls.start(DtlsRole::Client, "sha-256", server.certificate->fingerprintSha256());
  for (auto& d : client.outbox)
    server.dtls.receive(d);  // before the server started
  client.outbox.clear();
  server.dtls.start(DtlsRole::Server, "sha-256", client.certificate->fingerprintSha256());
  pump(client, server);
  EXPECT_TRUE(client.connected);
  EXPECT_TRUE(server.connected);
}

TEST(DtlsTransport, LostFlightIsRetransmittedAfterTheTimer) {
  Endpoint client(Certificate::generate("client")), server(Certificate::generate("server"));
  server.dtls.start(DtlsRole::Server, "sha-256", client.certificate->fingerprintSha256());
  client.dtls.start(DtlsRole::Client, "sha-256", server.certificate->fingerprintSha256());
  client.outbox.clear();  // the ClientHello is lost
  pump(client, server);
  EXPECT_FALSE(server.connected);
  auto timeout = client.dtls.nextTimeout();
  ASSERT_TRUE(timeout.has_value());
  // The DTLS timer runs on real time; wait it out once (about 1 s) and fire it.
  std::this_thread::sleep_for(*timeout + std::chrono::milliseconds(20));
  client.dtls.handleTimeout();
  pump(client, server);
  EXPECT_TRUE(client.connected);
  EXPECT_TRUE(server.connected);
}

TEST(DtlsTransport, GarbageNeverCrashesOrConnects) {
  Endpoint server(Certificate::generate("server"));
  server.dtls.start(DtlsRole::Server, "sha-256", "00:11");
  std::vector<uint8_t> junk(300);
  for (int i = 0; i < 200; ++i) {
    for (auto& b : junk)
      b = static_cast<uint8_t>(rand());
    junk[0] = 22;  // looks like a handshake record
    server.dtls.receive(std::span<const uint8_t>(junk.data(), 1 + rand() % junk.size()));
  }
  EXPECT_FALSE(server.connected);
}

}  // namespace
}  // namespace medrelay::relay::transport
