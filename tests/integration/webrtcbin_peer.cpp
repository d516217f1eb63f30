#include "tests/integration/webrtcbin_peer.hpp"

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <nice/agent.h>

#include <stdexcept>
#include <thread>

namespace medrelay::testing {

namespace {

GstWebRTCSessionDescription* waitForDescription(GstPromise* promise, const char* field) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return nullptr;
  const GstStructure* reply = gst_promise_get_reply(promise);
  GstWebRTCSessionDescription* description = nullptr;
  if (reply)
    gst_structure_get(reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &description, nullptr);
  return description;
}

}  // namespace

WebrtcbinPeer::WebrtcbinPeer(const char* name) {
  gst_init(nullptr, nullptr);
  pipeline_ = gst_pipeline_new(name);
  webrtc_ = gst_element_factory_make("webrtcbin", "webrtc");
  if (!pipeline_ || !webrtc_) throw std::runtime_error("webrtcbin is not available");
  // 50 ms jitter buffer (default 200): loopback has no jitter, and measurements of when media
  // stops (revocation) should not carry the buffer's delay.
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency", 50u,
               nullptr);
  // Tests stay on loopback: restrict webrtcbin's libnice agent to 127.0.0.1 (by default it
  // gathers every interface but loopback).
  GstObject* ice = nullptr;
  g_object_get(webrtc_, "ice-agent", &ice, nullptr);
  if (ice && g_object_class_find_property(G_OBJECT_GET_CLASS(ice), "agent")) {
    NiceAgent* agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    NiceAddress loopback;
    nice_address_init(&loopback);
    nice_address_set_from_string(&loopback, "127.0.0.1");
    if (agent) {
      nice_agent_add_local_address(agent, &loopback);
      g_object_unref(agent);
    }
  }
  if (ice) gst_object_unref(ice);
  gst_bin_add(GST_BIN(pipeline_), webrtc_);
}

WebrtcbinPeer::~WebrtcbinPeer() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

std::string WebrtcbinPeer::createOffer(std::chrono::milliseconds timeout) {
  GstPromise* promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
  GstWebRTCSessionDescription* offer = waitForDescription(promise, "offer");
  gst_promise_unref(promise);
  if (!offer) throw std::runtime_error("webrtcbin made no offer");
  promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-local-description", offer, promise);
  gst_promise_wait(promise);
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(offer);

  // Gathering completes within milliseconds on a host with a few interfaces; poll the
  // property with a deadline (webrtcbin offers no blocking wait for it).
  auto end = std::chrono::steady_clock::now() + timeout;
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  while (std::chrono::steady_clock::now() < end) {
    g_object_get(webrtc_, "ice-gathering-state", &state, nullptr);
    if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc_, "local-description", &local, nullptr);
  if (!local) throw std::runtime_error("no local description");
  gchar* text = gst_sdp_message_as_text(local->sdp);
  std::string sdp(text);
  g_free(text);
  gst_webrtc_session_description_free(local);
  return sdp;
}

bool WebrtcbinPeer::setAnswer(const std::string& sdp) {
  GstSDPMessage* message = nullptr;
  if (gst_sdp_message_new_from_text(sdp.c_str(), &message) != GST_SDP_OK) return false;
  GstWebRTCSessionDescription* answer =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, message);
  GstPromise* promise = gst_promise_new();
  g_signal_emit_by_name(webrtc_, "set-remote-description", answer, promise);
  bool ok = gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED;
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (reply && gst_structure_has_field(reply, "error")) ok = false;
  gst_promise_unref(promise);
  gst_webrtc_session_description_free(answer);
  return ok;
}

}  // namespace medrelay::testing
