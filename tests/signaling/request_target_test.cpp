#include "signaling/request_target.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace medrelay::signaling {
namespace {

using Segments = std::vector<std::string>;

TEST(RequestTarget, PathSegmentsAreDecodedAndEmptyOnesDropped) {
  EXPECT_EQ(decodedPathSegments("/api/v1/admin/groups/demo%2Fteam"),
            (Segments{"api", "v1", "admin", "groups", "demo/team"}));
  EXPECT_EQ(decodedPathSegments("/api/v1/"), (Segments{"api", "v1"}));
  EXPECT_EQ(decodedPathSegments("/a%20b/c+d"), (Segments{"a b", "c+d"}));  // + is literal here
  EXPECT_EQ(decodedPathSegments("/"), Segments{});
}

TEST(RequestTarget, BrokenEscapesAndControlCharactersAreRefused) {
  for (const char* path : {"/%", "/a%4", "/a%g0", "/a%00", "/a%0Ab", "/a%7F", "/a b", "/a\x01"}) {
    EXPECT_FALSE(decodedPathSegments(path)) << path;
    EXPECT_FALSE(decodedPath(path)) << path;
  }
}

TEST(RequestTarget, WholePathDecodesEscapedSlashesAndDots) {
  EXPECT_EQ(decodedPath("/console/a%20b.js"), "/console/a b.js");
  EXPECT_EQ(decodedPath("/%2e%2e%2Fsecret.txt"), "/../secret.txt");  // the caller refuses ".."
}

TEST(RequestTarget, QueryValuesUseFormEncoding) {
  EXPECT_EQ(queryValue("a=1&b=x+y%21", "b"), "x y!");
  EXPECT_EQ(queryValue("a=1&b=x%2By", "b"), "x+y");
  EXPECT_EQ(queryValue("stream=or%201&stream=or2", "stream"), "or 1");  // the first one
  EXPECT_EQ(queryValue("a=1", "b"), "");
  EXPECT_EQ(queryValue("flag&a=1", "flag"), "");
  EXPECT_EQ(queryValue("a=%0A", "a"), "");  // a control character
  EXPECT_EQ(queryValue("a=%zz", "a"), "");  // a broken escape
  EXPECT_EQ(queryValue("", "a"), "");
}

// A view into a longer buffer (the query part of a request target) ends where the view does:
// what follows it in memory is not part of the query, and is not read (Beast keeps a target
// without a terminating NUL; Boost.URL's parse_query ran strlen past it, caught by ASan).
TEST(RequestTarget, AQueryViewEndsWhereTheViewEnds) {
  const std::string target = "/whep/demo?unseen=1&code=123456";
  std::string_view query = std::string_view(target).substr(11, 8);  // "unseen=1"
  EXPECT_EQ(queryValue(query, "unseen"), "1");
  EXPECT_EQ(queryValue(query, "code"), "");
  auto unterminated = std::make_unique<char[]>(8);
  std::memcpy(unterminated.get(), "unseen=1", 8);
  EXPECT_EQ(queryValue(std::string_view(unterminated.get(), 8), "unseen"), "1");
}

}  // namespace
}  // namespace medrelay::signaling
