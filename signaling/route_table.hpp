// Method + path routing for the HTTP server: patterns such as "/whep/{stream}",
// "/whep/{stream}/sessions/{session}" or "/api/v1/*" (everything below), each with the methods
// it takes. A path that matches no pattern is 404; one that matches with another method is 405
// (with the methods it allows). Parameters are path segments as given (raw from a path, decoded
// when the caller passes decoded segments): handlers validate them.
// Built once at start-up, then read-only: any thread.
#pragma once

#include <boost/beast/http/verb.hpp>

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace medrelay::signaling {

template <class Handler>
class RouteTable {
 public:
  using Verb = boost::beast::http::verb;

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method and path
    bool pathKnown = false;            // some route has this path (so: 405, not 404)
    std::vector<std::string> params;   // {param} segments in order, then the "*" rest if any
    std::set<Verb> allowed;            // the methods of the routes with this path
  };

  void add(std::initializer_list<Verb> methods, std::string_view pattern, Handler handler) {
    routes_.push_back({std::set<Verb>(methods), split(pattern), std::move(handler)});
  }

  Match find(Verb method, std::string_view path) const { return find(method, split(path)); }

  // The same over segments the caller already split and decoded (the REST API matches decoded
  // names: a group "a/b" arrives as one segment "a%2Fb").
  Match find(Verb method, const std::vector<std::string>& segments) const {
    Match match;
    for (const auto& route : routes_) {
      std::vector<std::string> params;
      if (!matches(route.pattern, segments, params)) continue;
      match.pathKnown = true;
      match.allowed.insert(route.methods.begin(), route.methods.end());
      if (!match.handler && route.methods.count(method)) {
        match.handler = &route.handler;
        match.params = std::move(params);
      }
    }
    return match;
  }

 private:
  struct Route {
    std::set<Verb> methods;
    std::vector<std::string> pattern;
    Handler handler;
  };

  // "/a/b/" -> {"a", "b", ""}: a trailing slash is a segment of its own ("/console/").
  static std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    if (path.empty() || path.front() != '/') return out;
    size_t start = 1;
    while (true) {
      size_t slash = path.find('/', start);
      out.emplace_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& pattern,
                      const std::vector<std::string>& segments, std::vector<std::string>& params) {
    for (size_t i = 0; i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (p == "*" && i + 1 == pattern.size()) {
        std::string rest;
        for (size_t j = i; j < segments.size(); ++j)
          rest += (j > i ? "/" : "") + segments[j];
        params.push_back(std::move(rest));
        return segments.size() >= i;
      }
      if (i >= segments.size()) return false;
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segments[i].empty()) return false;
        params.push_back(segments[i]);
      } else if (p != segments[i]) {
        return false;
      }
    }
    return pattern.size() == segments.size();
  }

  std::vector<Route> routes_;
};

}  // namespace medrelay::signaling
