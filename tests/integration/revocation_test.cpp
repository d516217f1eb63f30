// Revocation cuts live video within one second, whichever way access ends: membership removed,
// user disabled, device revoked, share withdrawn (all through `medrelay admin` on the running
// server's data directory), or the token expiring. Measured as the time from the admin command's
// return to the last frame the viewer decoded (webrtcbin, 50 ms jitter buffer included).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class Revocation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static std::string admin(std::vector<std::string> args) { return server_->admin(args); }

  // A fresh clinician in the demo facility, member of a fresh group the demo is shared into.
  struct Clinician {
    std::string user, group, device, token;
  };
  Clinician enroll(const std::string& user, int64_t ttl = 900) {
    Clinician c{user, "team-" + user, "phone-" + user, ""};
    admin({"user", "add", "--tenant", "demo", c.user});
    admin({"group", "add", "--tenant", "demo", c.group});
    admin({"group", "member", "add", c.group, c.user});
    admin({"stream", "share", "demo", c.group});
    c.token = admin(
        {"token", "issue", "--user", c.user, "--device", c.device, "--ttl", std::to_string(ttl)});
    return c;
  }

  struct Watching {
    std::unique_ptr<WebrtcbinViewer> viewer;
    std::string location;
  };
  Watching watch(const Clinician& c) {
    Watching w = join(c);
    EXPECT_FALSE(w.location.empty());
    EXPECT_TRUE(w.viewer->waitForFrames(15, 20s));
    return w;
  }

  // Subscribes without waiting for frames; `location` stays empty when the server refused.
  static Watching join(const Clinician& c) {
    Watching w{std::make_unique<WebrtcbinViewer>(ViewerCodec::Vp8), ""};
    auto response =
        httpsRequest("127.0.0.1", server_->port(), "POST", "/whep/demo",
                     {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + c.token}},
                     w.viewer->createOffer());
    if (response.status != 201 || !w.viewer->setAnswer(response.body)) return w;
    w.location = response.headers["location"];
    return w;
  }

  // Milliseconds from `revokedAt` to the last decoded frame (0 if it came before), after
  // checking that frames really stopped.
  static double stopDelayMs(const Watching& w, Clock::time_point revokedAt) {
    std::this_thread::sleep_for(1500ms);
    int settled = w.viewer->framesDecoded();
    std::this_thread::sleep_for(700ms);
    EXPECT_EQ(w.viewer->framesDecoded(), settled) << "frames still arrive after revocation";
    auto last = w.viewer->lastFrameTime();
    return std::max(0.0, std::chrono::duration<double, std::milli>(last - revokedAt).count());
  }

  static ServerProcess* server_;
};

ServerProcess* Revocation::server_ = nullptr;

TEST_F(Revocation, RemovingTheMembershipStopsVideoWithinOneSecondEveryTime) {
  std::vector<double> delays;
  for (int run = 0; run < 5; ++run) {
    auto c = enroll("member" + std::to_string(run));
    auto w = watch(c);
    admin({"group", "member", "remove", c.group, c.user});
    auto revokedAt = Clock::now();
    delays.push_back(stopDelayMs(w, revokedAt));
    EXPECT_LT(delays.back(), 1000) << "run " << run;
    // The session is gone on the relay's side too, and a new subscribe is refused.
    auto again = httpsRequest("127.0.0.1", server_->port(), "DELETE", w.location,
                              {{"Authorization", "Bearer " + c.token}});
    EXPECT_EQ(again.status, 404);
    WebrtcbinViewer refused(ViewerCodec::Vp8);
    auto response =
        httpsRequest("127.0.0.1", server_->port(), "POST", "/whep/demo",
                     {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + c.token}},
                     refused.createOffer());
    EXPECT_EQ(response.status, 403) << response.body;
  }
  std::sort(delays.begin(), delays.end());
  std::printf("revocation delay (membership removed), ms: median %.0f, worst %.0f, all", delays[2],
              delays.back());
  for (double d : delays)
    std::printf(" %.0f", d);
  std::printf("\n");
}

TEST_F(Revocation, DisablingTheUserStopsVideo) {
  auto c = enroll("disabled");
  auto w = watch(c);
  admin({"user", "disable", c.user});
  EXPECT_LT(stopDelayMs(w, Clock::now()), 1000);
}

TEST_F(Revocation, RevokingTheDeviceStopsVideo) {
  auto c = enroll("stolen");
  auto w = watch(c);
  admin({"device", "revoke", c.user, c.device});
  EXPECT_LT(stopDelayMs(w, Clock::now()), 1000);
  // Another device of the same user still works: the revocation is per device.
  auto other = admin({"token", "issue", "--user", c.user, "--device", "tablet-stolen"});
  Clinician second = c;
  second.token = other;
  auto w2 = watch(second);
  EXPECT_GT(w2.viewer->framesDecoded(), 0);
}

TEST_F(Revocation, WithdrawingTheShareStopsVideo) {
  auto c = enroll("unshared");
  auto w = watch(c);
  admin({"stream", "unshare", "demo", c.group});
  EXPECT_LT(stopDelayMs(w, Clock::now()), 1000);
}

TEST_F(Revocation, AnExpiredTokenStopsVideo) {
  // The token has to outlive enrolment, join and the first frames, which a loaded 2-core machine
  // under ASan stretched past 20 s once. What is under test is the cut at expiry, not how fast
  // a loaded machine joins: when a token expired before its viewer had watched, try again with a
  // longer life (bounded), and only measure a viewer that watched before its token expired.
  bool measured = false;
  for (int64_t ttl : {6, 20, 60}) {
    auto c = enroll("brief" + std::to_string(ttl), ttl);
    auto issuedAt = Clock::now();
    auto expiresAt = issuedAt + std::chrono::seconds(ttl);
    auto w = join(c);
    bool watched =
        !w.location.empty() && w.viewer->waitForFrames(15, 20s) && Clock::now() < expiresAt - 1s;
    if (!watched) {
      std::printf("token of %llds expired before its viewer watched; trying a longer one\n",
                  static_cast<long long>(ttl));
      continue;
    }
    std::this_thread::sleep_until(expiresAt);
    double delay = stopDelayMs(w, expiresAt);
    EXPECT_LT(delay, 1000) << "the token lived " << ttl << " s";
    EXPECT_GT(Clock::now() - issuedAt, std::chrono::seconds(ttl));
    measured = true;
    break;
  }
  EXPECT_TRUE(measured) << "no viewer watched before its token expired, even with 60 s";
}

TEST_F(Revocation, OtherViewersKeepWatching) {
  auto keeps = enroll("keeps");
  auto loses = enroll("loses");
  auto a = watch(keeps);
  auto b = watch(loses);
  admin({"group", "member", "remove", loses.group, loses.user});
  std::this_thread::sleep_for(1500ms);
  int before = a.viewer->framesDecoded();
  EXPECT_TRUE(a.viewer->waitForFrames(before + 20, 5s));
}

}  // namespace
}  // namespace medrelay::testing
