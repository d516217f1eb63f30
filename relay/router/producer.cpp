#include "relay/router/producer.hpp"

#include <algorithm>

#include "relay/router/consumer.hpp"
#include "relay/rtp/keyframe.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::router {

Producer::Producer(ProducerConfig config, Listener& listener)
    : config_(std::move(config)), listener_(listener), keyFrames_(*this) {}

Producer::~Producer() {
  for (Consumer* consumer : consumers_) {
    if (consumer) consumer->onProducerClosed();
  }
}

const Producer::Stats& Producer::stats() const {
  stats_.keyFrameRequests = keyFrames_.requestsSent();
  return stats_;
}

void Producer::receiveRtp(PacketRef packet, int64_t nowMs) {
  auto parsed = rtp::RtpPacket::parse(packet.data());
  if (!parsed || parsed->payloadType() != config_.payloadType || parsed->payload().empty()) {
    ++stats_.malformed;
    return;
  }
  if (!started_ || parsed->ssrc() != ssrc_) {
    // A new source (first packet, or the ingest process restarted with a new SSRC).
    if (started_) {
      ++stats_.sourceRestarts;
      cache_.clear();
      for (Consumer* consumer : consumers_) {
        if (consumer) consumer->onSourceRestart();
      }
    }
    if (started_ && !consumers_.empty()) requestKeyFrame(nowMs);
    started_ = true;
    ssrc_ = parsed->ssrc();
    unwrapper_.reset();
    lastKeyFrameSequence_ = -1;
  }
  ++stats_.packets;
  stats_.bytes += packet.data().size();
  // The marker bit ends a video frame (RFC 7741, RFC 6184); in audio it marks a talkspurt.
  if (!rtp::isAudio(config_.codec)) stats_.frames += parsed->marker();
  int64_t sequence = unwrapper_.unwrap(parsed->sequenceNumber());
  bool keyFrame = rtp::isKeyFrameStart(config_.codec, parsed->payload());
  if (keyFrame) {
    ++stats_.keyFrames;
    lastKeyFrameSequence_ = sequence;
    lastKeyFrameMs_ = nowMs;
    keyFrames_.onKeyFrame();
  }
  cache_.insert(sequence, parsed->timestamp(), packet);

  // Index-based loop: consumers removed meanwhile are nulled, not erased, until the end.
  dispatching_ = true;
  const size_t count = consumers_.size();
  for (size_t i = 0; i < count; ++i) {
    if (Consumer* consumer = consumers_[i]) consumer->onProducerRtp(*parsed, keyFrame, nowMs);
  }
  dispatching_ = false;
  if (removedDuringDispatch_) compactConsumers();
  keyFrames_.tick(nowMs);
}

void Producer::flushConsumers() {
  dispatching_ = true;
  size_t count = consumers_.size();
  for (size_t i = 0; i < count; ++i) {
    if (Consumer* consumer = consumers_[i]) consumer->flush();
  }
  dispatching_ = false;
  if (removedDuringDispatch_) compactConsumers();
}

void Producer::addConsumer(Consumer& consumer, int64_t nowMs) {
  if (std::find(consumers_.begin(), consumers_.end(), &consumer) != consumers_.end()) return;
  consumers_.push_back(&consumer);
  consumer.onAttached(*this, nowMs);
}

void Producer::removeConsumer(Consumer& consumer) {
  auto it = std::find(consumers_.begin(), consumers_.end(), &consumer);
  if (it == consumers_.end()) return;
  if (dispatching_) {
    *it = nullptr;
    removedDuringDispatch_ = true;
  } else {
    consumers_.erase(it);
  }
}

size_t Producer::consumerCount() const {
  return static_cast<size_t>(std::count_if(consumers_.begin(), consumers_.end(),
                                           [](Consumer* c) { return c != nullptr; }));
}

void Producer::compactConsumers() {
  consumers_.erase(std::remove(consumers_.begin(), consumers_.end(), nullptr), consumers_.end());
  removedDuringDispatch_ = false;
}

void Producer::onKeyFrameRequestDue() {
  listener_.onProducerKeyFrameNeeded(*this);
}

}  // namespace medrelay::relay::router
