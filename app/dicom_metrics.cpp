#include "app/dicom_metrics.hpp"

#include "common/prometheus_text.hpp"

namespace medrelay::app {

std::string dicomMetricsText(const DicomGateway::Stats& s) {
  PrometheusText out;
  out.family("medrelay_dicom_associations_total", "counter",
             "DICOM associations, by outcome: accepted, refused (at negotiation), closed-early "
             "(no whole association request within the idle timeout, or not one).");
  out.sample("medrelay_dicom_associations_total", {{"outcome", "accepted"}}, s.associations);
  out.sample("medrelay_dicom_associations_total", {{"outcome", "refused"}}, s.associationsRefused);
  out.sample("medrelay_dicom_associations_total", {{"outcome", "closed-early"}},
             s.connectionsRefusedEarly);
  out.family("medrelay_dicom_presentation_contexts_refused_total", "counter",
             "Proposed presentation contexts refused (SOP class or transfer syntax not taken).");
  out.sample("medrelay_dicom_presentation_contexts_refused_total", {}, s.contextsRefused);
  out.family("medrelay_dicom_objects_total", "counter",
             "C-STORE answers, by outcome: stored (kept, de-identified) or refused.");
  out.sample("medrelay_dicom_objects_total", {{"outcome", "stored"}}, s.stored);
  out.sample("medrelay_dicom_objects_total", {{"outcome", "refused"}}, s.refused);
  out.family("medrelay_dicom_series_burned_in_total", "counter",
             "Series decided by the burned-in annotation policy in this run: redacted, blocked "
             "(until an administrator releases them) or allowed as received.");
  out.sample("medrelay_dicom_series_burned_in_total", {{"policy", "redact"}}, s.seriesRedacted);
  out.sample("medrelay_dicom_series_burned_in_total", {{"policy", "block"}}, s.seriesBlocked);
  out.sample("medrelay_dicom_series_burned_in_total", {{"policy", "allow"}}, s.seriesAllowed);
  return out.text();
}

std::string dicomRetentionMetricsText(uint64_t seriesExpired) {
  PrometheusText out;
  out.family("medrelay_dicom_series_expired_total", "counter",
             "DICOM series removed (stream, directory entry and files) at the end of their "
             "retention (--dicom-retention), in this run.");
  out.sample("medrelay_dicom_series_expired_total", {}, seriesExpired);
  return out.text();
}

}  // namespace medrelay::app
