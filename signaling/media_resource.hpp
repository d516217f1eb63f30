// WHEP (watch) and WHIP (publish), RFC 9725: they share their HTTP shape. POST an SDP offer to
// /{whep|whip}/{stream} -> 201 with the answer, a session resource in Location and its ETag;
// PATCH that resource with a trickle-ice-sdpfrag (If-Match, when sent, must name it: 412
// otherwise); DELETE ends it; OPTIONS answers CORS preflights. Bearer tokens, checked by the
// backend with the same rules as the app protocol.
// Called on an HttpSession's strand; answers through HttpSession::respond (any thread).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "signaling/http_common.hpp"

namespace medrelay::signaling {

class HttpSession;

enum class MediaEndpoint { Whep, Whip };

// `params`: {stream} or {stream, session} from the route.
void handleMediaResource(std::shared_ptr<HttpSession> session, Request&& request,
                         MediaEndpoint endpoint, const std::vector<std::string>& params);

}  // namespace medrelay::signaling
