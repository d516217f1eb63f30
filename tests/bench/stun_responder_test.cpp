// The load generator's STUN answers, checked by libnice's own STUN agent (the implementation the
// relay and Janus use): a Binding request it signs with the viewer's ICE password gets a success
// response it validates (integrity, fingerprint, transaction) and reads the sender's address
// from; under another password it is rejected. What is not a Binding request gets no answer.
#include "bench/load/stun_responder.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stun/stunagent.h>

#include <array>
#include <cstring>

namespace medrelay::bench {
namespace {

constexpr char kPassword[] = "viewer-ice-password-0123";

struct Request {
  StunAgent agent;
  StunMessage message;
  std::array<uint8_t, 256> buffer{};
  size_t size = 0;
};

// libnice's agent checks that it knows every comprehension-required attribute (list ends in 0).
const uint16_t kKnownAttributes[] = {STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
                                     STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_FINGERPRINT,
                                     0};

void makeRequest(Request& r) {
  stun_agent_init(&r.agent, kKnownAttributes, STUN_COMPATIBILITY_RFC5389,
                  static_cast<StunAgentUsageFlags>(STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
                                                   STUN_AGENT_USAGE_USE_FINGERPRINT));
  ASSERT_TRUE(stun_agent_init_request(&r.agent, &r.message, r.buffer.data(), r.buffer.size(),
                                      STUN_BINDING));
  stun_message_append_string(&r.message, STUN_ATTRIBUTE_USERNAME, "viewer:relay");
  r.size = stun_agent_finish_message(
      &r.agent, &r.message, reinterpret_cast<const uint8_t*>(kPassword), std::strlen(kPassword));
  ASSERT_GT(r.size, 20u);
}

sockaddr_storage address(const char* ip, uint16_t port) {
  sockaddr_storage out{};
  if (std::strchr(ip, ':')) {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(out);
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &v6.sin6_addr);
  } else {
    auto& v4 = reinterpret_cast<sockaddr_in&>(out);
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    inet_pton(AF_INET, ip, &v4.sin_addr);
  }
  return out;
}

TEST(StunResponder, LibniceValidatesTheAnswerAndReadsTheMappedAddress) {
  for (const char* ip : {"10.77.0.1", "2001:db8::7"}) {
    Request r;
    makeRequest(r);
    EXPECT_TRUE(isStun(std::span(r.buffer.data(), r.size)));
    auto from = address(ip, 40123);
    std::array<uint8_t, 128> out{};
    size_t size = writeBindingSuccess(std::span(r.buffer.data(), r.size), from, kPassword, out);
    ASSERT_GT(size, 0u) << ip;
    StunMessage response;
    EXPECT_EQ(stun_agent_validate(&r.agent, &response, out.data(), size, nullptr, nullptr),
              STUN_VALIDATION_SUCCESS)
        << ip;
    EXPECT_EQ(stun_message_get_class(&response), STUN_RESPONSE);
    sockaddr_storage mapped{};
    socklen_t length = sizeof mapped;
    ASSERT_EQ(
        stun_message_find_xor_addr(&response, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped, &length),
        STUN_MESSAGE_RETURN_SUCCESS);
    ASSERT_EQ(mapped.ss_family, from.ss_family);
    if (from.ss_family == AF_INET) {
      EXPECT_EQ(std::memcmp(&reinterpret_cast<sockaddr_in&>(mapped).sin_addr,
                            &reinterpret_cast<sockaddr_in&>(from).sin_addr, 4),
                0);
      EXPECT_EQ(reinterpret_cast<sockaddr_in&>(mapped).sin_port, htons(40123));
    } else {
      EXPECT_EQ(std::memcmp(&reinterpret_cast<sockaddr_in6&>(mapped).sin6_addr,
                            &reinterpret_cast<sockaddr_in6&>(from).sin6_addr, 16),
                0);
      EXPECT_EQ(reinterpret_cast<sockaddr_in6&>(mapped).sin6_port, htons(40123));
    }
  }
}

TEST(StunResponder, AnAnswerUnderAnotherPasswordIsRejected) {
  Request r;
  makeRequest(r);
  std::array<uint8_t, 128> out{};
  size_t size = writeBindingSuccess(std::span(r.buffer.data(), r.size), address("127.0.0.1", 5000),
                                    "not-the-password", out);
  ASSERT_GT(size, 0u);
  StunMessage response;
  EXPECT_NE(stun_agent_validate(&r.agent, &response, out.data(), size, nullptr, nullptr),
            STUN_VALIDATION_SUCCESS);
}

TEST(StunResponder, OnlyBindingRequestsAreAnswered) {
  Request r;
  makeRequest(r);
  std::array<uint8_t, 128> out{};
  auto from = address("127.0.0.1", 5000);
  auto request = std::span<const uint8_t>(r.buffer.data(), r.size);
  // An indication (class bits 01) and a response are not answered.
  std::array<uint8_t, 256> other = r.buffer;
  other[1] = 0x11;  // Binding indication
  EXPECT_EQ(writeBindingSuccess(std::span(other.data(), r.size), from, kPassword, out), 0u);
  other[0] = 0x01;  // Binding success response
  other[1] = 0x01;
  EXPECT_EQ(writeBindingSuccess(std::span(other.data(), r.size), from, kPassword, out), 0u);
  // RTP, DTLS, short junk and a too-small output buffer: no answer.
  const uint8_t rtp[24] = {0x80, 96};
  EXPECT_FALSE(isStun(rtp));
  EXPECT_EQ(writeBindingSuccess(rtp, from, kPassword, out), 0u);
  const uint8_t dtls[24] = {22, 0xfe, 0xfd};
  EXPECT_FALSE(isStun(dtls));
  EXPECT_EQ(writeBindingSuccess(request.first(10), from, kPassword, out), 0u);
  std::array<uint8_t, 40> small{};
  EXPECT_EQ(writeBindingSuccess(request, from, kPassword, small), 0u);
}

}  // namespace
}  // namespace medrelay::bench
