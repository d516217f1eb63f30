#include "signaling/websocket_session.hpp"

#include <boost/asio/post.hpp>

namespace medrelay::signaling {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;

WebSocketSession::WebSocketSession(beast::ssl_stream<beast::tcp_stream>&& stream,
                                   ServerContext& context, std::string address, Admission admission)
    : ws_(std::move(stream)),
      context_(context),
      admission_(std::move(admission)),
      protocol_(context.backend, context.limits, context.config.limits, context.stats,
                std::move(address), *this) {}

WebSocketSession::~WebSocketSession() = default;

void WebSocketSession::run(Request request) {
  // Beast's suggested server timeouts: handshake 30 s, idle 300 s with keep-alive pings.
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.read_message_max(context_.config.limits.maxWebSocketMessageBytes);
  ws_.async_accept(request,
                   beast::bind_front_handler(&WebSocketSession::onAccept, shared_from_this()));
}

void WebSocketSession::onAccept(beast::error_code ec) {
  if (ec) return;
  accepted_ = true;
  {
    std::lock_guard lock(context_.socketsMutex);
    context_.sockets.insert(weak_from_this());
  }
  doRead();
}

void WebSocketSession::doRead() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::onRead, shared_from_this()));
}

void WebSocketSession::onRead(beast::error_code ec, std::size_t) {
  if (ec) return closed();
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    sendText(R"({"type":"error","id":null,"code":"bad-request","message":"Send text frames."})");
  } else {
    auto data = buffer_.data();
    std::string_view text(static_cast<const char*>(data.data()), data.size());
    protocol_.onMessage(text);
    buffer_.consume(buffer_.size());
  }
  if (!protocol_.closing()) doRead();
}

void WebSocketSession::sendText(std::string text) {
  if (closedDown_) return;
  queuedBytes_ += text.size();
  queue_.push_back(std::move(text));
  if (queuedBytes_ > context_.config.limits.maxWebSocketQueueBytes) {
    // The client does not read what we send: drop it rather than hold its replies forever.
    ++context_.stats.webSocketSlowReaderClosed;
    queue_.clear();
    queuedBytes_ = 0;
    closedDown_ = true;
    beast::get_lowest_layer(ws_).close();
    return;
  }
  if (queue_.size() == 1) doWrite();
}

void WebSocketSession::doWrite() {
  ws_.text(true);
  ws_.async_write(net::buffer(queue_.front()),
                  beast::bind_front_handler(&WebSocketSession::onWrite, shared_from_this()));
}

void WebSocketSession::onWrite(beast::error_code ec, std::size_t) {
  if (ec || queue_.empty()) return;
  queuedBytes_ -= queue_.front().size();
  queue_.pop_front();
  if (!queue_.empty()) doWrite();
}

void WebSocketSession::closeWith(uint16_t code, const std::string& reason) {
  if (closedDown_) return;
  closedDown_ = true;
  ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                  [self = shared_from_this()](beast::error_code) { self->closed(); });
}

void WebSocketSession::runOnStrand(std::function<void()> task) {
  net::post(ws_.get_executor(), [self = shared_from_this(), task = std::move(task)] { task(); });
}

std::weak_ptr<SessionObserver> WebSocketSession::sessionObserver() {
  return std::static_pointer_cast<SessionObserver>(shared_from_this());
}

void WebSocketSession::onSessionEnded(const std::string& sessionId, const std::string& code,
                                      const std::string& reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), sessionId, code, reason] {
    self->protocol_.onSessionEnded(sessionId, code, reason);
  });
}

void WebSocketSession::onSessionLayer(const std::string& sessionId, int layer, int layers,
                                      bool pinned) {
  net::post(ws_.get_executor(), [self = shared_from_this(), sessionId, layer, layers, pinned] {
    self->protocol_.onSessionLayer(sessionId, layer, layers, pinned);
  });
}

void WebSocketSession::onPointer(const std::string& sessionId, const PointerEvent& event) {
  net::post(ws_.get_executor(), [self = shared_from_this(), sessionId, event] {
    self->protocol_.onPointer(sessionId, event);
  });
}

void WebSocketSession::onThreadMessage(const std::string& sessionId,
                                       const ThreadMessageInfo& message) {
  net::post(ws_.get_executor(), [self = shared_from_this(), sessionId, message] {
    self->protocol_.onThreadMessage(sessionId, message);
  });
}

void WebSocketSession::notifyStreamsChanged() {
  net::post(ws_.get_executor(),
            [self = shared_from_this()] { self->protocol_.onStreamsChanged(); });
}

void WebSocketSession::closed() {
  protocol_.onClosed();
  std::lock_guard lock(context_.socketsMutex);
  context_.sockets.erase(weak_from_this());
}

}  // namespace medrelay::signaling
