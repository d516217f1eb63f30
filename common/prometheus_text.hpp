// Writes the Prometheus text exposition format (version 0.0.4): HELP/TYPE once per metric
// family, then samples with escaped label values. Used by /metrics.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace medrelay {

class PrometheusText {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // Starts a metric family; `type` is "counter" or "gauge".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, Labels labels, double value);
  void sample(std::string_view name, Labels labels, uint64_t value);

  const std::string& text() const { return text_; }

 private:
  void labels(Labels labels);
  std::string text_;
};

}  // namespace medrelay
