#include "relay/transport/dtls_transport.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>

#include "common/logger.hpp"

namespace medrelay::relay::transport {

namespace {

auto log() {
  static auto logger = medrelay::logger("relay.dtls");
  return logger;
}

constexpr size_t kMaxEarlyRecords = 8;

// The BIO method is process-wide and immutable once built.
BIO_METHOD* outgoingMethod(int (*write)(BIO*, const char*, int),
                           long (*ctrl)(BIO*, int, long, void*)) {
  static BIO_METHOD* method = [&] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "medrelay-dtls-out");
    BIO_meth_set_write(m, write);
    BIO_meth_set_ctrl(m, ctrl);
    BIO_meth_set_create(m, [](BIO* bio) {
      BIO_set_init(bio, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

std::string opensslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "handshake failed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

bool sameFingerprint(std::string a, std::string b) {
  auto upper = [](std::string& s) { std::transform(s.begin(), s.end(), s.begin(), ::toupper); };
  upper(a);
  upper(b);
  return !a.empty() && a == b;
}

}  // namespace

DtlsTransport::DtlsTransport(std::shared_ptr<Certificate> local, Listener& listener)
    : certificate_(std::move(local)), listener_(listener) {}

DtlsTransport::~DtlsTransport() = default;

int DtlsTransport::bioWrite(BIO* bio, const char* data, int length) {
  auto* self = static_cast<DtlsTransport*>(BIO_get_data(bio));
  if (self && length > 0) {
    self->listener_.onDtlsSend(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data),
                                                        static_cast<size_t>(length)));
  }
  return length;
}

long DtlsTransport::bioCtrl(BIO*, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
      return static_cast<long>(kMtu);
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      return static_cast<long>(kMtu);
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    default:
      return 0;
  }
}

void DtlsTransport::start(DtlsRole role, std::string remoteFingerprintAlgorithm,
                          std::string remoteFingerprint) {
  if (state_ != State::New) return;
  role_ = role;
  fingerprintAlgorithm_ = std::move(remoteFingerprintAlgorithm);
  fingerprint_ = std::move(remoteFingerprint);
  // The connection's OpenSSL state is made only now, once ICE has verified the peer's address:
  // nothing is allocated, and no handshake work done, for records from an unverified peer.
  ssl_.reset(SSL_new(certificate_->dtlsContext()));
  if (!ssl_) {
    fail("OpenSSL could not make a DTLS connection");
    return;
  }
  SSL_set_ex_data(ssl_.get(), 0, this);
  incoming_ = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(incoming_, -1);
  BIO* outgoing = BIO_new(outgoingMethod(&DtlsTransport::bioWrite, &DtlsTransport::bioCtrl));
  BIO_set_data(outgoing, this);
  SSL_set_bio(ssl_.get(), incoming_, outgoing);
  SSL_set_options(ssl_.get(), SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(ssl_.get(), kMtu);
  DTLS_set_link_mtu(ssl_.get(), kMtu);
  state_ = State::Connecting;
  started_ = std::chrono::steady_clock::now();
  if (role == DtlsRole::Client)
    SSL_set_connect_state(ssl_.get());
  else
    SSL_set_accept_state(ssl_.get());
  advanceHandshake();
  auto early = std::move(early_);
  for (const auto& record : early)
    receive(record);
}

void DtlsTransport::receive(std::span<const uint8_t> datagram) {
  if (datagram.empty() || datagram.size() > 65535) return;
  if (state_ == State::New) {
    if (early_.size() < kMaxEarlyRecords) early_.emplace_back(datagram.begin(), datagram.end());
    return;
  }
  if (state_ != State::Connecting && state_ != State::Connected) return;
  BIO_write(incoming_, datagram.data(), static_cast<int>(datagram.size()));
  if (state_ == State::Connecting)
    advanceHandshake();
  else
    readApplicationData();
}

void DtlsTransport::advanceHandshake() {
  int result = SSL_do_handshake(ssl_.get());
  if (result == 1) {
    if (finishHandshake()) readApplicationData();
    return;
  }
  int error = SSL_get_error(ssl_.get(), result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return;
  // A stray or corrupt record must not kill a handshake still in progress: DTLS discards bad
  // records (RFC 6347 §4.1.2.7); only fatal alerts end it.
  if (error == SSL_ERROR_SSL) fail(opensslError());
}

bool DtlsTransport::finishHandshake() {
  X509* peer = SSL_get1_peer_certificate(ssl_.get());
  X509Ptr owned(peer);
  auto actual = Certificate::fingerprintOf(peer, fingerprintAlgorithm_);
  if (!actual || !sameFingerprint(*actual, fingerprint_)) {
    fail("fingerprint mismatch: the peer's certificate is not the one its SDP announced");
    return false;
  }
  SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_.get());
  if (!profile) {
    fail("the peer negotiated no SRTP profile");
    return false;
  }
  SrtpKeyingMaterial keys;
  size_t keyLength = 16, saltLength = 0;
  if (profile->id == SRTP_AEAD_AES_128_GCM) {
    keys.profile = SrtpProfile::AeadAes128Gcm;
    saltLength = 12;
  } else if (profile->id == SRTP_AES128_CM_SHA1_80) {
    keys.profile = SrtpProfile::AesCm128HmacSha1_80;
    saltLength = 14;
  } else {
    fail("unsupported SRTP profile");
    return false;
  }
  // RFC 5764 §4.2: client key | server key | client salt | server salt.
  std::vector<uint8_t> material(2 * (keyLength + saltLength));
  static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl_.get(), material.data(), material.size(), kLabel,
                                 sizeof kLabel - 1, nullptr, 0, 0) != 1) {
    fail("cannot export SRTP keying material");
    return false;
  }
  auto at = material.begin();
  const bool client = role_ == DtlsRole::Client;
  auto clientKey = at, serverKey = at + keyLength;
  auto clientSalt = at + 2 * keyLength, serverSalt = at + 2 * keyLength + saltLength;
  keys.localKey.assign(client ? clientKey : serverKey,
                       (client ? clientKey : serverKey) + keyLength);
  keys.remoteKey.assign(client ? serverKey : clientKey,
                        (client ? serverKey : clientKey) + keyLength);
  keys.localSalt.assign(client ? clientSalt : serverSalt,
                        (client ? clientSalt : serverSalt) + saltLength);
  keys.remoteSalt.assign(client ? serverSalt : clientSalt,
                         (client ? serverSalt : clientSalt) + saltLength);
  OPENSSL_cleanse(material.data(), material.size());
  state_ = State::Connected;
  log()->debug("DTLS connected with {}", SSL_get_cipher_name(ssl_.get()));
  listener_.onDtlsConnected(keys);
  return true;
}

void DtlsTransport::readApplicationData() {
  // WebRTC media never rides DTLS application data; reading drains records and sees close_notify.
  uint8_t scratch[2048];
  while (state_ == State::Connected) {
    int result = SSL_read(ssl_.get(), scratch, sizeof scratch);
    if (result > 0) continue;
    int error = SSL_get_error(ssl_.get(), result);
    if (error == SSL_ERROR_ZERO_RETURN) {
      state_ = State::Closed;
      listener_.onDtlsClosed();
    }
    ERR_clear_error();
    return;
  }
}

std::optional<std::chrono::milliseconds> DtlsTransport::nextTimeout() const {
  if (state_ != State::Connecting) return std::nullopt;
  timeval tv{};
  if (DTLSv1_get_timeout(ssl_.get(), &tv) != 1) return std::nullopt;
  return std::chrono::milliseconds(tv.tv_sec * 1000 + tv.tv_usec / 1000);
}

void DtlsTransport::handleTimeout() {
  if (state_ != State::Connecting) return;
  if (std::chrono::steady_clock::now() - started_ > kHandshakeLimit) {
    fail("DTLS handshake timed out");
    return;
  }
  if (DTLSv1_handle_timeout(ssl_.get()) < 0) fail(opensslError());
}

void DtlsTransport::close() {
  if (state_ == State::Connected) SSL_shutdown(ssl_.get());
  if (state_ != State::Failed) state_ = State::Closed;
}

void DtlsTransport::fail(std::string_view reason) {
  if (state_ == State::Failed || state_ == State::Closed) return;
  state_ = State::Failed;
  log()->info("DTLS failed: {}", reason);
  listener_.onDtlsFailed(reason);
}

}  // namespace medrelay::relay::transport
