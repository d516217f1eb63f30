// The H.264 the ingest child encodes (demo, transcoded cameras, DICOM) as a browser's decoder
// takes it: the RTP marker bit ends an access unit (RFC 6184 §5.1), on its last packet only.
// A marker on a packet of parameter sets alone makes Chromium take them for a frame of their
// own, fail to decode it and ask for a key frame, whose parameter sets come with a marker
// again: a PLI loop. Runs the real pipeline description, asks for key frames as the relay does
// (force-key-unit upstream from the appsink, after a PLI), and reads every packet.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "pipelines/key_frame_request.hpp"
#include "pipelines/pipeline_description.hpp"

namespace medrelay::pipelines {
namespace {

struct Packet {
  bool marker = false;
  uint32_t timestamp = 0;
  bool carriesPicture = false;  // a slice (NAL types 1-5), whole or in part
  bool startsKeyFrame = false;  // an IDR slice (5) or its first fragment
  bool carriesSps = false, carriesPps = false;
};

// The NAL unit types a payload carries (RFC 6184 §5.6-5.8).
std::vector<int> nalTypes(const uint8_t* payload, size_t size, bool& fragmentStart) {
  std::vector<int> types;
  fragmentStart = false;
  if (size < 1) return types;
  int type = payload[0] & 0x1F;
  if (type >= 1 && type <= 23) {
    types.push_back(type);
  } else if (type == 24) {  // STAP-A: 16-bit size, then the NAL unit
    for (size_t at = 1; at + 2 < size;) {
      size_t length = (size_t{payload[at]} << 8) | payload[at + 1];
      if (length == 0 || at + 2 + length > size) break;
      types.push_back(payload[at + 2] & 0x1F);
      at += 2 + length;
    }
  } else if (type == 28 && size >= 2) {  // FU-A
    types.push_back(payload[1] & 0x1F);
    fragmentStart = (payload[1] & 0x80) != 0;
  }
  return types;
}

Packet readPacket(GstBuffer* buffer) {
  Packet packet;
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return packet;
  const uint8_t* data = map.data;
  if (map.size >= 12 && (data[0] >> 6) == 2) {
    size_t header = 12 + 4 * size_t{data[0] & 0x0Fu};
    if (data[0] & 0x10) {  // header extension
      if (map.size >= header + 4)
        header += 4 + 4 * ((size_t{data[header + 2]} << 8) | data[header + 3]);
    }
    packet.marker = (data[1] & 0x80) != 0;
    packet.timestamp =
        (uint32_t{data[4]} << 24) | (uint32_t{data[5]} << 16) | (uint32_t{data[6]} << 8) | data[7];
    if (header < map.size) {
      bool fragmentStart = false;
      auto types = nalTypes(data + header, map.size - header, fragmentStart);
      bool fragment = (data[header] & 0x1F) == 28;
      for (int type : types) {
        if (type >= 1 && type <= 5) packet.carriesPicture = true;
        if (type == 5 && (!fragment || fragmentStart)) packet.startsKeyFrame = true;
        if (type == 7) packet.carriesSps = true;
        if (type == 8) packet.carriesPps = true;
      }
    }
  }
  gst_buffer_unmap(buffer, &map);
  return packet;
}

void requestKeyFrame(GstElement* sink) {
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_push_event(pad, newKeyFrameRequest());
  gst_object_unref(pad);
}

TEST(H264AccessUnits, TheMarkerEndsEachAccessUnitAndNeverParameterSetsAlone) {
  gst_init(nullptr, nullptr);
  IngestOptions options;
  options.source = "test://";
  options.codecs = {"h264"};
  std::string error;
  auto description = describePipeline(options, RtspMode::Transcode, error);
  ASSERT_TRUE(description) << error;
  GError* parseError = nullptr;
  GstElement* pipeline = gst_parse_launch(description->launch.c_str(), &parseError);
  ASSERT_EQ(parseError, nullptr) << parseError->message;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "h264");
  ASSERT_NE(sink, nullptr);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // About six seconds of video, a key frame asked for every half second of it; bounded by the
  // wall clock too (a loaded machine encodes slowly; the checks hold for any number of frames).
  std::vector<Packet> packets;
  int keyFrameRequests = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  uint32_t firstTimestamp = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND);
    if (!sample) break;
    packets.push_back(readPacket(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
    if (packets.size() == 1) firstTimestamp = packets.front().timestamp;
    uint32_t elapsed = packets.back().timestamp - firstTimestamp;  // 90 kHz
    if (elapsed >= 90000u * 6) break;
    if (elapsed >= 45000u * static_cast<uint32_t>(keyFrameRequests + 1)) {
      requestKeyFrame(sink);
      ++keyFrameRequests;
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);

  ASSERT_GT(packets.size(), 100u) << "the encoder produced too little to judge";
  int keyFrames = 0, markers = 0;
  bool spsInAccessUnit = false, ppsInAccessUnit = false;
  for (size_t i = 0; i < packets.size(); ++i) {
    const auto& p = packets[i];
    if (i == 0 || packets[i - 1].timestamp != p.timestamp)
      spsInAccessUnit = ppsInAccessUnit = false;
    spsInAccessUnit |= p.carriesSps;
    ppsInAccessUnit |= p.carriesPps;
    if (p.startsKeyFrame) {  // a viewer joining at this key frame needs no earlier packet
      EXPECT_TRUE(spsInAccessUnit && ppsInAccessUnit)
          << "packet " << i << ": a key frame without SPS and PPS in front of it";
    }
    keyFrames += p.startsKeyFrame;
    markers += p.marker;
    if (p.marker) {
      EXPECT_TRUE(p.carriesPicture) << "packet " << i << ": a marker on parameter sets alone";
      if (i + 1 < packets.size()) {
        EXPECT_NE(packets[i + 1].timestamp, p.timestamp)
            << "packet " << i << ": a marker inside an access unit";
      }
    } else if (i + 1 < packets.size()) {
      EXPECT_EQ(packets[i + 1].timestamp, p.timestamp)
          << "packet " << i << ": an access unit ended without a marker";
    }
  }
  EXPECT_GE(keyFrames, 3) << "the forced key frames came (" << keyFrameRequests << " asked)";
  EXPECT_GT(markers, 100) << "one marker per frame";
}

}  // namespace
}  // namespace medrelay::pipelines
