// Accepts TCP connections on one address and hands each admitted one to an HttpSession.
// Connections over a limit (in total, per address, or too many new ones per second from one
// address) are closed at once, before any TLS work, counted and logged once per burst.
// Lives on the server's io_context; one accept outstanding at a time.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

#include "signaling/server_context.hpp"

namespace medrelay::signaling {

// Which routes a listener's connections get.
enum class ListenerRole { Public, Metrics };

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens; throws std::runtime_error naming the address on failure.
  Listener(ServerContext& context, const std::string& address, uint16_t port, ListenerRole role);

  void run();
  void stop();  // from any thread: posts the close to the io_context
  uint16_t port() const { return port_; }

 private:
  void accept();
  void onAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  ServerContext& context_;
  ListenerRole role_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
};

}  // namespace medrelay::signaling
