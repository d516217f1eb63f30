#include "pipelines/dicom/dcmtk_log_bridge.hpp"

#include <dcmtk/oflog/appender.h>
#include <dcmtk/oflog/logger.h>
#include <dcmtk/oflog/oflog.h>
#include <dcmtk/oflog/spi/logevent.h>

#include <atomic>
#include <mutex>

#include "common/logger.hpp"

namespace medrelay::pipelines::dicom {

namespace {

namespace l4 = dcmtk::log4cplus;

constexpr size_t kLongest = 200;
std::atomic<uint64_t> logged{0};

auto log() {
  static auto logger = medrelay::logger("dcmtk");
  return logger;
}

class Bridge final : public l4::Appender {
 public:
  ~Bridge() override { destructorImpl(); }
  void close() override {}

 protected:
  void append(const l4::spi::InternalLoggingEvent& event) override {
    auto text = sanitizedDcmtkMessage(event.getMessage().c_str());
    if (text.empty()) return;
    ++logged;
    std::string source = event.getLoggerName().c_str();  // "dcmtk.dcmnet", ...
    if (event.getLogLevel() >= l4::ERROR_LOG_LEVEL)
      log()->error("{}: {}", source, text);
    else
      log()->warn("{}: {}", source, text);
  }
};

}  // namespace

std::string sanitizedDcmtkMessage(const std::string& message) {
  std::string out;
  char quote = 0;
  for (char c : message) {
    if (c == '\n' || c == '\r') break;
    if (quote) {
      if (c == quote) {
        quote = 0;
        out += "...";
        out.push_back(c);
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      out.push_back(c);
      continue;
    }
    out.push_back(c >= 0x20 && c < 0x7F ? c : ' ');
    if (out.size() >= kLongest) break;
  }
  if (quote) out += "...";
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

void installDcmtkLogBridge() {
  static std::once_flag once;
  std::call_once(once, [] {
    OFLog::configure(OFLogger::WARN_LOG_LEVEL);  // initialises OFLog, then we replace its console
    l4::Logger root = l4::Logger::getRoot();
    root.removeAllAppenders();
    root.addAppender(l4::SharedAppenderPtr(new Bridge));
    root.setLogLevel(l4::WARN_LOG_LEVEL);
  });
}

uint64_t dcmtkMessagesLogged() {
  return logged.load();
}

}  // namespace medrelay::pipelines::dicom
