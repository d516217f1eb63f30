#include "signaling/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "common/clock.hpp"
#include "common/logger.hpp"
#include "signaling/http_session.hpp"

namespace medrelay::signaling {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

auto log() {
  static auto logger = medrelay::logger("signaling");
  return logger;
}

const char* refusalName(ConnectionLimits::Refusal refusal) {
  switch (refusal) {
    case ConnectionLimits::Refusal::Total:
      return "the server's connection limit";
    case ConnectionLimits::Refusal::PerAddress:
      return "the limit of connections per address";
    case ConnectionLimits::Refusal::Rate:
      return "the limit of new connections per second per address";
    default:
      return "a limit";
  }
}

}  // namespace

Listener::Listener(ServerContext& context, const std::string& address, uint16_t port,
                   ListenerRole role)
    : context_(context), role_(role), acceptor_(net::make_strand(context.io)) {
  boost::system::error_code ec;
  auto ip = net::ip::make_address(address, ec);
  if (ec) throw std::runtime_error(address + " is not an IP address");
  tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
}

void Listener::run() {
  accept();
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void Listener::accept() {
  // Each connection gets a strand of its own.
  acceptor_.async_accept(
      net::make_strand(context_.io),
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        self->onAccept(ec, std::move(socket));
      });
}

void Listener::onAccept(boost::system::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and the like: back off a little instead of spinning on a failing accept.
    if (ec != net::error::operation_aborted) {
      log()->warn("accept failed: {}", ec.message());
      auto timer = std::make_shared<net::steady_timer>(acceptor_.get_executor());
      timer->expires_after(std::chrono::milliseconds(100));
      timer->async_wait([self = shared_from_this(), timer](auto) { self->accept(); });
    }
    return;
  }
  boost::system::error_code peerError;
  auto peer = socket.remote_endpoint(peerError);
  std::string address = peerError ? "unknown" : peer.address().to_string();
  ConnectionLimits::Refusal refusal;
  auto admission = context_.limits.admitConnection(address, medrelay::steadyMs(), refusal);
  if (!admission) {
    uint64_t suppressed = 0;
    if (context_.connectionRefusals.shouldLog(medrelay::steadyMs(), suppressed)) {
      log()->warn("refused a connection from {} ({}); {} more refused since the last report",
                  address, refusalName(refusal), suppressed);
    }
    socket.close(peerError);
  } else {
    std::make_shared<HttpSession>(std::move(socket), context_, role_, std::move(address),
                                  std::move(admission))
        ->run();
  }
  accept();
}

}  // namespace medrelay::signaling
