// The REST API's method + path table (signaling::RouteTable over decoded path segments) and its
// answers when nothing matches: 404 for an unknown path, 405 with Allow for a known path asked
// with another method. `Call` is what a service hands every handler (request, caller, body).
// Built once in the service's constructor, then read-only: any thread.
#pragma once

#include <boost/beast/http/verb.hpp>

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "app/api_common.hpp"
#include "signaling/route_table.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

// The {param} segments of the matched pattern, decoded, in order.
using RouteParams = std::vector<std::string>;

template <class Call>
class ApiRoutes {
 public:
  using Verb = boost::beast::http::verb;
  using Handler = std::function<signaling::ApiResponse(const Call&, const RouteParams&)>;

  void add(std::initializer_list<Verb> methods, std::string_view pattern, Handler handler) {
    table_.add(methods, pattern, std::move(handler));
  }

  signaling::ApiResponse dispatch(const std::string& method,
                                  const std::vector<std::string>& segments,
                                  const Call& call) const {
    auto match = table_.find(boost::beast::http::string_to_verb(method), segments);
    if (match.handler) return (*match.handler)(call, match.params);
    if (!match.pathKnown) return api::fail(404, "not-found", "There is no such API resource.");
    std::string allowed;
    for (auto verb : match.allowed) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(boost::beast::http::to_string(verb));
    }
    auto response = api::fail(405, "method-not-allowed", "Use " + allowed + ".");
    response.headers.emplace_back("Allow", allowed);
    return response;
  }

 private:
  signaling::RouteTable<Handler> table_;
};

}  // namespace medrelay::app
