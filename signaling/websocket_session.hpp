// One WebSocket connection (upgraded from an HttpSession on /ws): reads text messages into its
// WsProtocol, writes the protocol's replies in order, and closes with a code when the protocol
// asks or the client stops reading (more than the limit of unsent replies queued).
// Lives on its connection's strand; the relay's events (session ended, streams changed) arrive
// from any thread and are posted there.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <memory>
#include <string>

#include "signaling/connection_limits.hpp"
#include "signaling/http_common.hpp"
#include "signaling/server_context.hpp"
#include "signaling/ws_protocol.hpp"

namespace medrelay::signaling {

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession>,
                         public SessionObserver,
                         private WsProtocol::Transport {
 public:
  WebSocketSession(boost::beast::ssl_stream<boost::beast::tcp_stream>&& stream,
                   ServerContext& context, std::string address, Admission admission);
  ~WebSocketSession() override;

  void run(Request request);

  // SessionObserver: any thread.
  void onSessionEnded(const std::string& sessionId, const std::string& code,
                      const std::string& reason) override;
  void onSessionLayer(const std::string& sessionId, int layer, int layers, bool pinned) override;
  void onPointer(const std::string& sessionId, const PointerEvent& event) override;
  void onThreadMessage(const std::string& sessionId, const ThreadMessageInfo& message) override;
  void notifyStreamsChanged();  // any thread

 private:
  // WsProtocol::Transport (on the strand, but runOnStrand).
  void sendText(std::string text) override;
  void closeWith(uint16_t code, const std::string& reason) override;
  void runOnStrand(std::function<void()> task) override;
  std::weak_ptr<SessionObserver> sessionObserver() override;

  void onAccept(boost::beast::error_code ec);
  void doRead();
  void onRead(boost::beast::error_code ec, std::size_t);
  void doWrite();
  void onWrite(boost::beast::error_code ec, std::size_t);
  void closed();

  boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>> ws_;
  ServerContext& context_;
  Admission admission_;  // the TCP connection's slot
  WsProtocol protocol_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  size_t queuedBytes_ = 0;
  bool accepted_ = false;
  bool closedDown_ = false;
};

}  // namespace medrelay::signaling
