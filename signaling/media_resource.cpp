#include "signaling/media_resource.hpp"

#include "signaling/http_session.hpp"
#include "signaling/ice_servers.hpp"
#include "signaling/request_target.hpp"

namespace medrelay::signaling {

namespace {

Response withCors(Response res) {
  cors(res);
  return res;
}

Response failure(const Request& request, const SignalingError& error) {
  auto res =
      jsonError(request, static_cast<http::status>(error.httpStatus), error.code, error.message);
  if (error.retryAfterSeconds > 0) retryAfter(res, error.retryAfterSeconds);
  return withCors(std::move(res));
}

// The principal behind the request's bearer token, or the reply that refuses it.
std::variant<Principal, Response> authenticate(HttpSession& session, const Request& request) {
  auto token = bearerToken(request);
  if (token.empty()) {
    auto res = jsonError(request, http::status::unauthorized, "unauthorized",
                         "A bearer token is required.");
    res.set(http::field::www_authenticate, "Bearer");
    return withCors(std::move(res));
  }
  auto outcome = session.context().backend.authenticate(token);
  if (auto* error = std::get_if<SignalingError>(&outcome)) {
    auto res = failure(request, *error);
    res.set(http::field::www_authenticate, "Bearer error=\"invalid_token\"");
    return res;
  }
  auto principal = std::get<Principal>(outcome);
  principal.remoteAddress = session.address();
  return principal;
}

bool hasContentType(const Request& request, std::string_view type) {
  auto value = request[http::field::content_type];
  return std::string_view(value.data(), value.size()).rfind(type, 0) == 0;
}

void addIceServerLinks(Response& res, const std::vector<IceServer>& servers) {
  for (const auto& link : iceServerLinks(servers))
    res.insert(http::field::link, link);
}

}  // namespace

void handleMediaResource(std::shared_ptr<HttpSession> session, Request&& request,
                         MediaEndpoint endpoint, const std::vector<std::string>& params) {
  const std::string kind = endpoint == MediaEndpoint::Whep ? "WHEP" : "WHIP";
  const std::string prefix = endpoint == MediaEndpoint::Whep ? "/whep/" : "/whip/";
  auto reply = [&](Response res) { session->respond(request, std::move(res)); };
  if (request.method() == http::verb::options) {
    Response res{http::status::no_content, request.version()};
    res.set("Accept-Post", "application/sdp");
    // RFC 9725 §4.6: a client may ask for the ICE servers before it makes its offer (so that
    // its offer has relay candidates). Only to a caller who authenticates (CORS pre-flights
    // carry no credentials and get none).
    if (!request[http::field::authorization].empty()) {
      auto who = authenticate(*session, request);
      if (auto* refusal = std::get_if<Response>(&who)) return reply(std::move(*refusal));
      addIceServerLinks(res, session->context().backend.iceServers(std::get<Principal>(who)));
    }
    return reply(withCors(std::move(res)));
  }
  const std::string& stream = params.at(0);
  const std::string resource = params.size() > 1 ? params[1] : "";
  if (!validStreamName(stream)) {
    return reply(
        withCors(jsonError(request, http::status::not_found, "not-found", "No such stream.")));
  }
  if (params.size() > 1 && !validSessionId(resource)) {
    return reply(
        withCors(jsonError(request, http::status::not_found, "not-found", "No such session.")));
  }
  const bool onCollection = params.size() == 1;
  if (onCollection != (request.method() == http::verb::post)) {
    auto res = jsonError(request, http::status::method_not_allowed, "method-not-allowed",
                         "This method is not allowed on this " + kind + " resource.");
    res.set(http::field::allow, onCollection ? "POST, OPTIONS" : "PATCH, DELETE, OPTIONS");
    return reply(withCors(std::move(res)));
  }
  auto who = authenticate(*session, request);
  if (auto* refusal = std::get_if<Response>(&who)) return reply(std::move(*refusal));
  const auto& principal = std::get<Principal>(who);
  auto& backend = session->context().backend;

  if (request.method() == http::verb::post) {
    if (!hasContentType(request, "application/sdp")) {
      return reply(withCors(jsonError(request, http::status::unsupported_media_type,
                                      "unsupported-media-type",
                                      kind + " offers must be sent as application/sdp.")));
    }
    auto head = std::make_shared<Request>();
    head->method(request.method());
    head->target(request.target());
    head->version(request.version());
    head->keep_alive(request.keep_alive());
    auto iceServers = backend.iceServers(principal);
    auto answered = [session, head, stream, prefix,
                     iceServers = std::move(iceServers)](Outcome<SessionAnswer> outcome) {
      if (auto* error = std::get_if<SignalingError>(&outcome)) {
        return session->respond(*head, failure(*head, *error));
      }
      const auto& answer = std::get<SessionAnswer>(outcome);
      Response res{http::status::created, head->version()};
      res.set(http::field::content_type, "application/sdp");
      res.set(http::field::location, prefix + stream + "/sessions/" + answer.sessionId);
      res.set(http::field::etag, "\"" + answer.sessionId + "\"");
      addIceServerLinks(res, iceServers);
      res.body() = answer.answerSdp;
      session->respond(*head, withCors(std::move(res)));
    };
    if (endpoint == MediaEndpoint::Whip) {
      return backend.publish(principal, stream, request.body(), std::move(answered));
    }
    // Streams that ask for a one-time code take it from this header (WHEP has no field);
    // `?unseen=1` asks to watch without being listed (for those allowed to).
    SubscribeRequest subscribe;
    subscribe.oneTimeCode = std::string(request["X-One-Time-Code"].substr(0, 16));
    std::string_view target = request.target();
    auto question = target.find('?');
    subscribe.unseen = question != std::string_view::npos &&
                       queryValue(target.substr(question + 1), "unseen") == "1";
    return backend.subscribe(principal, stream, request.body(), subscribe, {}, std::move(answered));
  }

  if (request.method() == http::verb::patch) {
    if (!hasContentType(request, "application/trickle-ice-sdpfrag")) {
      return reply(withCors(jsonError(request, http::status::unsupported_media_type,
                                      "unsupported-media-type",
                                      "PATCH bodies must be application/trickle-ice-sdpfrag.")));
    }
    // RFC 9725 §4.3.1: a PATCH whose If-Match names another entity gets 412.
    auto ifMatch = request[http::field::if_match];
    std::string_view match(ifMatch.data(), ifMatch.size());
    if (!match.empty() && match != "*" && match != "\"" + resource + "\"") {
      return reply(
          withCors(jsonError(request, http::status::precondition_failed, "precondition-failed",
                             "If-Match does not name this session.")));
    }
    if (auto error = backend.patchSession(principal, resource, request.body())) {
      return reply(failure(request, *error));
    }
    return reply(withCors(Response{http::status::no_content, request.version()}));
  }

  // DELETE
  bool ended = endpoint == MediaEndpoint::Whip ? backend.unpublish(principal, resource)
                                               : backend.unsubscribe(principal, resource);
  if (!ended) {
    return reply(withCors(jsonError(request, http::status::not_found, "not-found",
                                    "There is no such session (it may have ended).")));
  }
  reply(withCors(Response{http::status::ok, request.version()}));
}

}  // namespace medrelay::signaling
