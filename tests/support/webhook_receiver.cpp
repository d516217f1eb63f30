#include "tests/support/webhook_receiver.hpp"

#include <openssl/hmac.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/hex.hpp"

namespace medrelay::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct WebhookReceiver::Impl {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  bool useTls = false;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::vector<std::shared_ptr<void>> unanswered;  // connections left hanging (status 0)
};

bool signatureHolds(const ReceivedWebhook& got, const std::string& key) {
  auto header = got.header("x-medrelay-signature");
  auto comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  std::string text = header.substr(2, comma - 2) + "." + got.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &length);
  return hexLower({mac, length}) == header.substr(comma + 4);
}

WebhookReceiver::WebhookReceiver(const std::filesystem::path& certificate,
                                 const std::filesystem::path& key)
    : impl_(std::make_unique<Impl>()) {
  if (!certificate.empty()) {
    impl_->useTls = true;
    impl_->tls.use_certificate_chain_file(certificate.string());
    impl_->tls.use_private_key_file(key.string(), asio::ssl::context::pem);
  }
  tcp::endpoint local(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(local.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(local);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  thread_ = std::thread([this] { run(); });
}

WebhookReceiver::~WebhookReceiver() {
  impl_->stopping = true;
  // Wakes the blocking accept (closing it from another thread would race).
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  thread_.join();
}

void WebhookReceiver::script(std::vector<unsigned> statuses, std::string retryAfter) {
  std::lock_guard lock(mutex_);
  statuses_.assign(statuses.begin(), statuses.end());
  retryAfter_ = std::move(retryAfter);
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool WebhookReceiver::waitFor(size_t count, std::chrono::milliseconds deadline) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, deadline, [&] { return received_.size() >= count; });
}

void WebhookReceiver::run() {
  while (!impl_->stopping) {
    tcp::socket socket(impl_->io);
    boost::system::error_code ec;
    impl_->acceptor.accept(socket, ec);
    if (ec || impl_->stopping) break;
    // A client that stops sending must not stall the receiver.
    struct timeval timeout {
      5, 0
    };
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    auto handle = [&](auto& stream) {
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(stream, buffer, request, ec);
      if (ec) return false;
      ReceivedWebhook got;
      got.method = std::string(request.method_string());
      got.target = std::string(request.target());
      got.body = request.body();
      for (const auto& field : request) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        got.headers[name] = std::string(field.value());
      }
      unsigned status = 200;
      std::string retryAfter;
      {
        std::lock_guard lock(mutex_);
        if (!statuses_.empty()) {
          status = statuses_.front();
          statuses_.pop_front();
        }
        retryAfter = retryAfter_;
        received_.push_back(std::move(got));
      }
      arrived_.notify_all();
      if (status == 0) return true;  // leave it hanging
      http::response<http::string_body> response{static_cast<http::status>(status), 11};
      response.set(http::field::connection, "close");
      if (!retryAfter.empty() && status != 200) response.set(http::field::retry_after, retryAfter);
      response.body() = "ok";
      response.prepare_payload();
      http::write(stream, response, ec);
      return false;
    };
    if (impl_->useTls) {
      auto stream = std::make_shared<beast::ssl_stream<tcp::socket>>(std::move(socket), impl_->tls);
      stream->handshake(asio::ssl::stream_base::server, ec);
      if (ec) continue;  // a client that refused our certificate, say
      if (handle(*stream)) impl_->unanswered.push_back(stream);
    } else {
      auto stream = std::make_shared<tcp::socket>(std::move(socket));
      if (handle(*stream)) impl_->unanswered.push_back(stream);
    }
  }
}

}  // namespace medrelay::testing
