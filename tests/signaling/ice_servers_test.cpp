// STUN/TURN servers as WHIP/WHEP Link headers (RFC 9725 §4.6) and as the viewer page's JSON.
#include "signaling/ice_servers.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace medrelay::signaling {
namespace {

TEST(IceServers, LinkHeadersFollowRfc9725) {
  std::vector<IceServer> servers{
      {{"stun:stun.hospital.example:3478"}, "", ""},
      {{"turn:turn.hospital.example:3478?transport=udp", "turns:turn.hospital.example:443"},
       "1700003600:alice",
       "nToMrymG2kblkPfdN7PuQJZ9JVU="}};
  auto links = iceServerLinks(servers);
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0], R"(<stun:stun.hospital.example:3478>; rel="ice-server")");
  EXPECT_EQ(links[1], R"(<turn:turn.hospital.example:3478?transport=udp>; rel="ice-server"; )"
                      R"(username="1700003600:alice"; credential="nToMrymG2kblkPfdN7PuQJZ9JVU="; )"
                      R"(credential-type="password")");
  EXPECT_EQ(links[2].rfind("<turns:turn.hospital.example:443>; rel=\"ice-server\"; username=", 0),
            0u);
  // Quotes and backslashes inside values are escaped, never closing the quoted-string.
  auto odd = iceServerLinks({{{"turn:t.example"}, "a\"b", "c\\d"}});
  EXPECT_NE(odd[0].find(R"(username="a\"b")"), std::string::npos) << odd[0];
  EXPECT_NE(odd[0].find(R"(credential="c\\d")"), std::string::npos) << odd[0];
}

TEST(IceServers, JsonIsShapedLikeRtcIceServer) {
  auto json = iceServersJson({{{"stun:s.example"}, "", ""}, {{"turn:t.example"}, "u", "p"}});
  EXPECT_EQ(json, nlohmann::json::parse(
                      R"([{"urls":["stun:s.example"]},
                          {"urls":["turn:t.example"],"username":"u","credential":"p"}])"));
}

TEST(IceServers, OnlyWellFormedStunAndTurnUrisAreAccepted) {
  for (const char* good :
       {"stun:stun.example.net", "stun:192.0.2.1:3478", "stuns:stun.example.net:5349",
        "turn:turn.example.net:3478?transport=udp", "turn:[2001:db8::1]:3478?transport=tcp",
        "turns:turn.example.net:443"}) {
    EXPECT_TRUE(validIceServerUri(good)) << good;
  }
  for (const char* bad : {"", "http://turn.example.net", "turn:", "turn:host:3478?transport=sctp",
                          "stun:host?transport=udp", "turn:host>; rel=\"x\"", "turn:host name",
                          "turn:host\r\nX: y", "turn://host:3478"}) {
    EXPECT_FALSE(validIceServerUri(bad)) << bad;
  }
}

}  // namespace
}  // namespace medrelay::signaling
