#include "tests/integration/rtsp_camera.hpp"

#include <stdexcept>

namespace medrelay::testing {

namespace {

gboolean onListen(GSocket* socket, GIOCondition condition, gpointer server) {
  return gst_rtsp_server_io_func(socket, condition, GST_RTSP_SERVER(server));
}

GstRTSPFilterResult closeClient(GstRTSPServer*, GstRTSPClient*, gpointer) {
  return GST_RTSP_FILTER_REMOVE;
}

}  // namespace

std::string RtspCamera::baselineH264() {
  return "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
         "video/x-h264,profile=constrained-baseline ! rtph264pay name=pay0 pt=96 "
         "config-interval=-1";
}

std::string RtspCamera::motionJpeg() {
  // 4:2:0, as RTP/JPEG (RFC 2435) carries it.
  return "videoconvert ! video/x-raw,format=I420 ! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26";
}

std::string RtspCamera::aac() {
  return "avenc_aac ! rtpmp4gpay name=pay1 pt=97";
}

std::string RtspCamera::pcmu() {
  return "audioresample ! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1";
}

std::string RtspCamera::highProfileH264() {
  // Not ultrafast: it uses no High-profile tool (no CABAC, no 8x8 transform), and x264 then
  // labels the stream constrained baseline whatever the caps asked for.
  return "x264enc tune=zerolatency speed-preset=superfast key-int-max=30 ! "
         "video/x-h264,profile=high ! rtph264pay name=pay0 pt=96 config-interval=-1";
}

RtspCamera::RtspCamera(const std::string& encoder, int port, const std::string& picture,
                       const std::string& audio) {
  gst_init(nullptr, nullptr);
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  server_ = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server_, "127.0.0.1");
  gst_rtsp_server_set_service(server_, std::to_string(port).c_str());
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server_);
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(
      factory, ("( videotestsrc is-live=true " + picture + ",framerate=30/1 ! " + encoder +
                (audio.empty() ? ""
                               : " audiotestsrc is-live=true freq=440 "
                                 "volume=0.5 ! audioconvert ! " +
                                     audio) +
                " )")
                   .c_str());
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);  // takes the factory
  g_object_unref(mounts);
  // Our own listening socket and source (not gst_rtsp_server_attach) so that unplugging can
  // close the socket for certain: a pending reconnect must find the port closed.
  GError* error = nullptr;
  socket_ = gst_rtsp_server_create_socket(server_, nullptr, &error);
  if (!socket_) {
    std::string reason = error ? error->message : "unknown error";
    g_clear_error(&error);
    g_object_unref(server_);
    g_main_loop_unref(loop_);
    g_main_context_unref(context_);
    throw std::runtime_error("the RTSP camera could not listen: " + reason);
  }
  GSocketAddress* local = g_socket_get_local_address(socket_, nullptr);
  port_ = local ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local)) : 0;
  if (local) g_object_unref(local);
  listen_ = g_socket_create_source(socket_, static_cast<GIOCondition>(G_IO_IN | G_IO_PRI), nullptr);
  g_source_set_callback(listen_, G_SOURCE_FUNC(onListen), g_object_ref(server_), g_object_unref);
  g_source_attach(listen_, context_);
  thread_ = std::thread([this] { g_main_loop_run(loop_); });
}

RtspCamera::~RtspCamera() {
  // Close connections from the camera's own thread, then stop it.
  g_main_context_invoke(
      context_,
      [](gpointer self) -> gboolean {
        auto* camera = static_cast<RtspCamera*>(self);
        g_source_destroy(camera->listen_);
        g_socket_close(camera->socket_, nullptr);
        gst_rtsp_server_client_filter(camera->server_, closeClient, nullptr);
        g_main_loop_quit(camera->loop_);
        return G_SOURCE_REMOVE;
      },
      this);
  thread_.join();
  g_source_unref(listen_);
  g_object_unref(socket_);
  g_object_unref(server_);
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

}  // namespace medrelay::testing
