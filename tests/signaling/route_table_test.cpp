// The signaling server's route table: parameters, prefix routes, 404 against 405.
#include "signaling/route_table.hpp"

#include <gtest/gtest.h>

#include <string>

namespace medrelay::signaling {
namespace {

using V = boost::beast::http::verb;

TEST(RouteTable, MatchesPatternsWithParametersAndPrefixes) {
  RouteTable<std::string> routes;
  routes.add({V::get, V::head}, "/healthz", "health");
  routes.add({V::post, V::options}, "/whep/{stream}", "whep");
  routes.add({V::patch, V::delete_}, "/whep/{stream}/sessions/{session}", "session");
  routes.add({V::get, V::post}, "/api/v1/*", "api");
  routes.add({V::get}, "/*", "static");

  auto m = routes.find(V::post, "/whep/demo");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(*m.handler, "whep");
  EXPECT_EQ(m.params, (std::vector<std::string>{"demo"}));

  m = routes.find(V::delete_, "/whep/demo/sessions/abc");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(*m.handler, "session");
  EXPECT_EQ(m.params, (std::vector<std::string>{"demo", "abc"}));

  m = routes.find(V::post, "/api/v1/auth/sign-in");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(*m.handler, "api");
  EXPECT_EQ(m.params, (std::vector<std::string>{"auth/sign-in"}));

  m = routes.find(V::get, "/console/");
  ASSERT_TRUE(m.handler);
  EXPECT_EQ(*m.handler, "static");
  EXPECT_EQ(m.params, (std::vector<std::string>{"console/"}));
}

TEST(RouteTable, TellsAnUnknownPathFromAnUnallowedMethod) {
  RouteTable<std::string> routes;
  routes.add({V::post}, "/whep/{stream}", "whep");
  routes.add({V::patch, V::delete_}, "/whep/{stream}/sessions/{session}", "session");

  auto wrongMethod = routes.find(V::get, "/whep/demo");
  EXPECT_FALSE(wrongMethod.handler);
  EXPECT_TRUE(wrongMethod.pathKnown) << "405, not 404";
  EXPECT_EQ(wrongMethod.allowed, (std::set<V>{V::post}));

  for (const char* path : {"/whep", "/whep/", "/whep/demo/sessions", "/whep/demo/sessions/",
                           "/whep/demo/x/y", "/other", "", "whep/demo"}) {
    auto unknown = routes.find(V::post, path);
    EXPECT_FALSE(unknown.handler) << path;
    EXPECT_FALSE(unknown.pathKnown) << path;
  }
}

}  // namespace
}  // namespace medrelay::signaling
