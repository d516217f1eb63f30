#include "bench/load/stun_responder.hpp"

#include <netinet/in.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>

#include "relay/transport/packet_demux.hpp"

namespace medrelay::bench {

namespace {

constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr uint16_t kBindingRequest = 0x0001, kBindingSuccess = 0x0101;
constexpr uint16_t kXorMappedAddress = 0x0020, kMessageIntegrity = 0x0008, kFingerprint = 0x8028;
constexpr size_t kHeader = 20;

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}
uint32_t get32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// CRC-32 (ISO-HDLC, as zlib), bitwise: only a few STUN messages a second need it.
uint32_t crc32(const uint8_t* data, size_t size) {
  uint32_t crc = 0xFFFFFFFF;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
  }
  return ~crc;
}

}  // namespace

bool isStun(std::span<const uint8_t> datagram) {
  // RFC 7983 §7: on a socket that also carries DTLS, only a first byte of 0-3 is STUN ("first
  // two bits zero" alone would take DTLS records, 20-63, whose bytes 4-7 match the cookie).
  return datagram.size() >= kHeader &&
         relay::transport::classifyPacket(datagram) == relay::transport::PacketKind::Stun &&
         get32(&datagram[4]) == kMagicCookie;
}

size_t writeBindingSuccess(std::span<const uint8_t> request, const sockaddr_storage& from,
                           const std::string& password, std::span<uint8_t> out) {
  if (!isStun(request) || ((request[0] << 8) | request[1]) != kBindingRequest) return 0;
  const bool v6 = from.ss_family == AF_INET6;
  const size_t addressLength = v6 ? 20 : 8;
  const size_t total = kHeader + 4 + addressLength + 24 + 8;
  if (out.size() < total) return 0;
  uint8_t* p = out.data();
  put16(p, kBindingSuccess);
  put32(p + 4, kMagicCookie);
  std::memcpy(p + 8, &request[8], 12);  // the transaction ID
  // XOR-MAPPED-ADDRESS: where the request came from, XORed with the cookie (and ID for IPv6).
  uint8_t* a = p + kHeader;
  put16(a, kXorMappedAddress);
  put16(a + 2, static_cast<uint16_t>(addressLength));
  a[4] = 0;
  a[5] = v6 ? 0x02 : 0x01;
  uint16_t port = v6 ? ntohs(reinterpret_cast<const sockaddr_in6&>(from).sin6_port)
                     : ntohs(reinterpret_cast<const sockaddr_in&>(from).sin_port);
  put16(a + 6, static_cast<uint16_t>(port ^ (kMagicCookie >> 16)));
  std::array<uint8_t, 16> mask{};
  put32(mask.data(), kMagicCookie);
  std::memcpy(mask.data() + 4, &request[8], 12);
  const auto* address =
      v6 ? reinterpret_cast<const sockaddr_in6&>(from).sin6_addr.s6_addr
         : reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in&>(from).sin_addr);
  for (size_t i = 0; i < (v6 ? 16u : 4u); ++i)
    a[8 + i] = address[i] ^ mask[i];
  size_t length = kHeader + 4 + addressLength;
  // MESSAGE-INTEGRITY: HMAC-SHA1 over everything before it, the header's length already
  // counting it (RFC 8489 §14.5).
  put16(p + 2, static_cast<uint16_t>(length - kHeader + 24));
  put16(p + length, kMessageIntegrity);
  put16(p + length + 2, 20);
  unsigned int macLength = 0;
  HMAC(EVP_sha1(), password.data(), static_cast<int>(password.size()), p, length, p + length + 4,
       &macLength);
  length += 24;
  // FINGERPRINT: CRC-32 of everything before it XOR 0x5354554E (RFC 8489 §14.7).
  put16(p + 2, static_cast<uint16_t>(length - kHeader + 8));
  put16(p + length, kFingerprint);
  put16(p + length + 2, 4);
  put32(p + length + 4, crc32(p, length) ^ 0x5354554E);
  return length + 8;
}

}  // namespace medrelay::bench
