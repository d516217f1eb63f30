// What arrives on an ICE socket before anything else: the RFC 7983 first-byte demux (the relay's
// classifyPacket, which decides what reaches libnice, DTLS or SRTP), the STUN parsing libnice
// does on what the demux hands it (length check, attributes, MESSAGE-INTEGRITY, FINGERPRINT), and
// the load generator's own STUN responder (bench/load/stun_responder), which must agree with both.
#include <netinet/in.h>
#include <stun/stunagent.h>
#include <stun/stunmessage.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "bench/load/stun_responder.hpp"
#include "relay/transport/packet_demux.hpp"

using medrelay::relay::transport::classifyPacket;
using medrelay::relay::transport::PacketKind;

namespace {

const std::string kPassword = "0123456789abcdefghijkl";

bool checkIntegrity(StunAgent*, StunMessage*, uint8_t*, uint16_t, uint8_t** password,
                    size_t* length, void*) {
  *password = reinterpret_cast<uint8_t*>(const_cast<char*>(kPassword.data()));
  *length = kPassword.size();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> datagram(data, size);
  const PacketKind kind = classifyPacket(datagram);
  // RFC 7983 §7: the first byte alone decides (0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP).
  if (kind == PacketKind::Stun && data[0] > 3) __builtin_trap();
  if (kind == PacketKind::Dtls && (data[0] < 20 || data[0] > 63)) __builtin_trap();
  // The load generator answers what it takes for STUN: it must never take DTLS or media.
  if (medrelay::bench::isStun(datagram) && kind != PacketKind::Stun) __builtin_trap();

  volatile uint32_t sink = 0;
  if (kind == PacketKind::Stun &&
      stun_message_validate_buffer_length(data, size, true) == static_cast<int>(size)) {
    static const uint16_t known[] = {
        STUN_ATTRIBUTE_USERNAME,        STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
        STUN_ATTRIBUTE_FINGERPRINT,     STUN_ATTRIBUTE_PRIORITY,
        STUN_ATTRIBUTE_USE_CANDIDATE,   STUN_ATTRIBUTE_ICE_CONTROLLED,
        STUN_ATTRIBUTE_ICE_CONTROLLING, 0};
    StunAgent agent;
    stun_agent_init(&agent, known, STUN_COMPATIBILITY_RFC5389,
                    static_cast<StunAgentUsageFlags>(STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
                                                     STUN_AGENT_USAGE_USE_FINGERPRINT));
    StunMessage message;
    if (stun_agent_validate(&agent, &message, data, size, checkIntegrity, nullptr) ==
        STUN_VALIDATION_SUCCESS) {
      uint32_t priority = 0;
      uint64_t tie = 0;
      uint16_t length = 0;
      if (stun_message_find32(&message, STUN_ATTRIBUTE_PRIORITY, &priority) ==
          STUN_MESSAGE_RETURN_SUCCESS)
        sink = sink + priority;
      if (stun_message_find64(&message, STUN_ATTRIBUTE_ICE_CONTROLLING, &tie) ==
          STUN_MESSAGE_RETURN_SUCCESS)
        sink = sink + static_cast<uint32_t>(tie);
      if (const void* user = stun_message_find(&message, STUN_ATTRIBUTE_USERNAME, &length))
        sink = sink + static_cast<const uint8_t*>(user)[0] * length;
      sockaddr_storage address{};
      socklen_t addressLength = sizeof address;
      if (stun_message_find_xor_addr(&message, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &address,
                                     &addressLength) == STUN_MESSAGE_RETURN_SUCCESS)
        sink = sink + address.ss_family;
    }
  }

  // The responder's answer to whatever it accepts must be a whole, valid STUN message.
  for (bool v6 : {false, true}) {
    sockaddr_storage from{};
    if (v6) {
      auto& a = reinterpret_cast<sockaddr_in6&>(from);
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(5000);
      a.sin6_addr.s6_addr[15] = 1;
    } else {
      auto& a = reinterpret_cast<sockaddr_in&>(from);
      a.sin_family = AF_INET;
      a.sin_port = htons(5000);
      a.sin_addr.s_addr = htonl(0x7F000001);
    }
    std::array<uint8_t, 128> out{};
    size_t written = medrelay::bench::writeBindingSuccess(datagram, from, kPassword, out);
    if (written == 0) continue;
    if (written > out.size() ||
        stun_message_validate_buffer_length(out.data(), written, true) !=
            static_cast<int>(written) ||
        classifyPacket(std::span<const uint8_t>(out.data(), written)) != PacketKind::Stun)
      __builtin_trap();
  }
  (void)sink;
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  // A Binding request as Chrome sends it for a consent check (RFC 8445 §7.1.2): USERNAME,
  // ICE-CONTROLLING, USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT, built with libnice.
  std::vector<std::vector<uint8_t>> seeds;
  static const uint16_t known[] = {0};
  StunAgent agent;
  stun_agent_init(&agent, known, STUN_COMPATIBILITY_RFC5389,
                  static_cast<StunAgentUsageFlags>(STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
                                                   STUN_AGENT_USAGE_USE_FINGERPRINT));
  for (int variant = 0; variant < 3; ++variant) {
    std::array<uint8_t, 256> buffer{};
    StunMessage message;
    stun_agent_init_request(&agent, &message, buffer.data(), buffer.size(), STUN_BINDING);
    const char* user = "abcd:efgh";
    stun_message_append_bytes(&message, STUN_ATTRIBUTE_USERNAME, user, std::strlen(user));
    stun_message_append32(&message, STUN_ATTRIBUTE_PRIORITY, 0x6E7F1EFF);
    if (variant == 1) stun_message_append_flag(&message, STUN_ATTRIBUTE_USE_CANDIDATE);
    if (variant != 2) stun_message_append64(&message, STUN_ATTRIBUTE_ICE_CONTROLLING, 0x1234);
    size_t length = stun_agent_finish_message(
        &agent, &message, reinterpret_cast<const uint8_t*>(kPassword.data()), kPassword.size());
    seeds.emplace_back(buffer.begin(), buffer.begin() + length);
  }
  // A success response (from the bench responder), a DTLS record head whose bytes 4-7 happen to
  // be the magic cookie (the bench once took it for STUN), an RTP and an RTCP head.
  sockaddr_storage from{};
  reinterpret_cast<sockaddr_in&>(from).sin_family = AF_INET;
  std::array<uint8_t, 128> out{};
  size_t written = medrelay::bench::writeBindingSuccess(seeds[0], from, kPassword, out);
  seeds.emplace_back(out.begin(), out.begin() + written);
  seeds.push_back(
      {0x16, 0xFE, 0xFD, 0, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  seeds.push_back({0x80, 0x60, 0, 1, 0x21, 0x12, 0xA4, 0x42, 0, 0, 0, 1});
  seeds.push_back({0x81, 0xC9, 0, 1, 0, 0, 0, 1});
  return seeds;
}
