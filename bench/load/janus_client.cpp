#include "bench/load/janus_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <stdexcept>

namespace medrelay::bench {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string request(const std::string& host, unsigned short port, http::verb method,
                    const std::string& target, const std::string& body) {
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  stream.connect(resolver.resolve(host, std::to_string(port)));
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return res.body();
}

std::string transaction() {
  static std::atomic<uint64_t> next{1};
  return "t" + std::to_string(next++);
}

}  // namespace

JanusClient::JanusClient(std::string host, unsigned short port)
    : host_(std::move(host)), port_(port) {
  auto created = post("/janus", {{"janus", "create"}});
  session_ = created.at("data").at("id").get<uint64_t>();
  keepalive_ = std::thread([this] {
    for (int tick = 0; !stopping_; ++tick) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (tick % 100 == 99) post("/janus/" + std::to_string(session_), {{"janus", "keepalive"}});
    }
  });
}

JanusClient::~JanusClient() {
  stopping_ = true;
  if (keepalive_.joinable()) keepalive_.join();
  try {
    post("/janus/" + std::to_string(session_), {{"janus", "destroy"}});
  } catch (const std::exception&) {
    // Janus may be gone already.
  }
}

nlohmann::json JanusClient::post(const std::string& target, nlohmann::json body) {
  body["transaction"] = transaction();
  auto text = request(host_, port_, http::verb::post, target, body.dump());
  auto reply = nlohmann::json::parse(text);
  if (reply.value("janus", "") == "error") throw std::runtime_error("janus: " + text);
  return reply;
}

nlohmann::json JanusClient::get(const std::string& target) {
  return nlohmann::json::parse(request(host_, port_, http::verb::get, target, ""));
}

uint64_t JanusClient::attachStreaming() {
  auto attached = post("/janus/" + std::to_string(session_),
                       {{"janus", "attach"}, {"plugin", "janus.plugin.streaming"}});
  return attached.at("data").at("id").get<uint64_t>();
}

void JanusClient::watch(uint64_t handle, int mountpoint) {
  post("/janus/" + std::to_string(session_) + "/" + std::to_string(handle),
       {{"janus", "message"}, {"body", {{"request", "watch"}, {"id", mountpoint}}}});
}

std::string JanusClient::waitForOffer(uint64_t handle, int timeoutMs) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (std::chrono::steady_clock::now() < end) {
    auto event = get("/janus/" + std::to_string(session_) + "?maxev=1");
    if (event.value("sender", uint64_t{0}) == handle && event.contains("jsep")) {
      return event.at("jsep").at("sdp").get<std::string>();
    }
  }
  return "";
}

void JanusClient::start(uint64_t handle, const std::string& answerSdp) {
  post("/janus/" + std::to_string(session_) + "/" + std::to_string(handle),
       {{"janus", "message"},
        {"body", {{"request", "start"}}},
        {"jsep", {{"type", "answer"}, {"sdp", answerSdp}}}});
}

}  // namespace medrelay::bench
