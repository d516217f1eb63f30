#include "common/prometheus_text.hpp"

#include <cmath>
#include <cstdio>

namespace medrelay {

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  text_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusText::labels(Labels labels) {
  if (labels.size() == 0) return;
  text_.push_back('{');
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) text_.push_back(',');
    first = false;
    text_.append(key).append("=\"");
    for (char c : value) {  // the format's three escapes
      if (c == '\\')
        text_.append("\\\\");
      else if (c == '"')
        text_.append("\\\"");
      else if (c == '\n')
        text_.append("\\n");
      else
        text_.push_back(c);
    }
    text_.push_back('"');
  }
  text_.push_back('}');
}

void PrometheusText::sample(std::string_view name, Labels labelSet, double value) {
  text_.append(name);
  labels(labelSet);
  char buffer[64];
  if (std::isfinite(value))
    std::snprintf(buffer, sizeof buffer, " %.6g\n", value);
  else
    std::snprintf(buffer, sizeof buffer, " %s\n", std::isnan(value) ? "NaN" : "+Inf");
  text_.append(buffer);
}

void PrometheusText::sample(std::string_view name, Labels labelSet, uint64_t value) {
  text_.append(name);
  labels(labelSet);
  text_.append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace medrelay
