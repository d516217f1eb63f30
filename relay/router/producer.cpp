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
    if (consumer) consumer->onProducerClosed(*this);
  }
  for (Consumer* consumer : switching_)
    consumer->onProducerClosed(*this);
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
  if (!started_) {
    started_ = true;
    ssrc_ = parsed->ssrc();
  } else if (parsed->ssrc() != ssrc_) {
    if (!candidate_ || parsed->ssrc() != candidateSsrc_ ||
        parsed->sequenceNumber() != candidateNext_) {
      // Perhaps the ingest restarted, perhaps a stray datagram: wait for its next packet.
      ++stats_.probation;
      candidateSsrc_ = parsed->ssrc();
      candidateNext_ = static_cast<uint16_t>(parsed->sequenceNumber() + 1);
      candidate_ = std::move(packet);
      return;
    }
    ssrc_ = parsed->ssrc();
    restartSource(nowMs);
    PacketRef first = std::move(candidate_);
    if (auto firstParsed = rtp::RtpPacket::parse(first.data())) deliver(first, *firstParsed, nowMs);
  }
  deliver(packet, *parsed, nowMs);
  keyFrames_.tick(nowMs);
}

void Producer::restartSource(int64_t nowMs) {
  ++stats_.sourceRestarts;
  cache_.clear();
  sequences_.reset();
  lastKeyFrameSequence_ = -1;
  for (Consumer* consumer : consumers_) {
    if (consumer) consumer->onSourceRestart();
  }
  if (!consumers_.empty()) requestKeyFrame(nowMs);
}

void Producer::deliver(const PacketRef& packet, const rtp::RtpPacket& parsed, int64_t nowMs) {
  const auto decision = sequences_.check(parsed.sequenceNumber());
  int64_t sequence = decision.extended;
  switch (decision.verdict) {
    case SequenceFilter::Verdict::Duplicate:
      ++stats_.duplicates;
      return;
    case SequenceFilter::Verdict::TooOld:
      ++stats_.late;
      return;
    case SequenceFilter::Verdict::Jump:
      ++stats_.jumps;
      return;
    case SequenceFilter::Verdict::Resync:
      // Same SSRC, numbering restarted: the cache's numbers mean nothing any more.
      restartSource(nowMs);  // resets the filter too: this packet starts it again
      sequence = sequences_.check(parsed.sequenceNumber()).extended;
      break;
    case SequenceFilter::Verdict::Accept:
      break;
  }
  ++stats_.packets;
  stats_.bytes += packet.data().size();
  lastPacketMs_ = nowMs;
  if (nowMs - rateWindowStartMs_ >= 1000) {
    // A gap longer than the window (a source that paused) must not read as a low rate.
    if (nowMs - rateWindowStartMs_ < 2000)
      bitrateKbps_ = static_cast<uint32_t>((stats_.bytes - rateWindowStartBytes_) * 8 /
                                           static_cast<uint64_t>(nowMs - rateWindowStartMs_));
    rateWindowStartMs_ = nowMs;
    rateWindowStartBytes_ = stats_.bytes;
  }
  // The marker bit ends a video frame (RFC 7741, RFC 6184); in audio it marks a talkspurt.
  if (!rtp::isAudio(config_.codec)) stats_.frames += parsed.marker();
  bool keyFrame = rtp::isKeyFrameStart(config_.codec, parsed.payload());
  if (keyFrame) {
    ++stats_.keyFrames;
    lastKeyFrameSequence_ = sequence;
    lastKeyFrameMs_ = nowMs;
    keyFrames_.onKeyFrame();
    if (!switching_.empty()) admitSwitchingConsumers();
  }
  cache_.insert(sequence, parsed.timestamp(), packet);

  // Index-based loop: consumers removed meanwhile are nulled, not erased, until the end.
  dispatching_ = true;
  const size_t count = consumers_.size();
  for (size_t i = 0; i < count; ++i) {
    if (Consumer* consumer = consumers_[i]) consumer->onProducerRtp(parsed, keyFrame, nowMs);
  }
  dispatching_ = false;
  if (removedDuringDispatch_) compactConsumers();
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

void Producer::addSwitchingConsumer(Consumer& consumer, int64_t nowMs) {
  if (std::find(consumers_.begin(), consumers_.end(), &consumer) != consumers_.end()) return;
  if (std::find(switching_.begin(), switching_.end(), &consumer) == switching_.end())
    switching_.push_back(&consumer);
  requestKeyFrame(nowMs);  // merged with every other request, as any viewer's
}

void Producer::removeSwitchingConsumer(Consumer& consumer) {
  switching_.erase(std::remove(switching_.begin(), switching_.end(), &consumer), switching_.end());
}

void Producer::admitSwitchingConsumers() {
  // Not during fan-out (this runs before this packet's): consumers_ may grow here.
  for (Consumer* consumer : switching_) {
    consumers_.push_back(consumer);
    consumer->onSwitched(*this);
  }
  switching_.clear();
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
