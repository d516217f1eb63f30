// Holds every encoder of an ingest pipeline (vp8enc, x264enc) to the bitrate it was built with
// (the configured ceiling) with an EncoderRateGovernor: a probe on the encoder's output measures
// what it produced, and the next raw frame into it carries the new target.
//
// Threads: the output probe runs on the encoder's streaming thread and alone touches the
// governor; the input probe (the thread feeding the encoder) applies the target, which it reads
// from an atomic. The target is set there, before the frame enters the encoder, because no lock
// of the encoder is held at that point. Destroy the keeper only after the pipeline reached NULL
// (no streaming thread left); the destructor removes its probes.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "pipelines/encoder_rate_governor.hpp"

namespace medrelay::pipelines {

class EncoderRateKeeper {
 public:
  // One keeper per vp8enc or x264enc found in `pipeline` (in any bin inside it), each holding
  // the encoder to the rate it is set to now.
  static std::vector<std::unique_ptr<EncoderRateKeeper>> keepAll(GstElement* pipeline);
  ~EncoderRateKeeper();
  EncoderRateKeeper(const EncoderRateKeeper&) = delete;
  EncoderRateKeeper& operator=(const EncoderRateKeeper&) = delete;

  // The target the encoder was last told (the ceiling until the governor lowered it).
  uint32_t appliedKbps() const { return applied_.load(std::memory_order_relaxed); }

 private:
  enum class Unit { BitsPerSecond, KilobitsPerSecond };  // vp8enc target-bitrate, x264enc bitrate
  EncoderRateKeeper(GstElement* encoder, const char* property, Unit unit);
  static uint32_t configuredKbps(GstElement* encoder, const char* property, Unit unit);

  static GstPadProbeReturn onEncoded(GstPad*, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn onRawFrame(GstPad*, GstPadProbeInfo* info, gpointer self);

  GstElement* encoder_;  // a reference of our own
  const char* property_;
  Unit unit_;
  EncoderRateGovernor governor_;
  std::atomic<uint32_t> pending_{0};  // a target to apply, 0 for none
  std::atomic<uint32_t> applied_;
  GstPad* source_ = nullptr;
  GstPad* sink_ = nullptr;
  gulong sourceProbe_ = 0, sinkProbe_ = 0;
};

}  // namespace medrelay::pipelines
