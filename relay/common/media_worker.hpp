// A media worker: one thread running its own GLib main context (libnice needs one).
// Every object on the packet path (ICE/DTLS/SRTP transports, producers, consumers) is owned by
// exactly one worker and touched only from its thread; other threads hand work over with post().
#pragma once

#include <glib.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace medrelay::relay {

class MediaWorker {
 public:
  explicit MediaWorker(std::string name);
  ~MediaWorker();  // stops the loop and joins the thread; pending posted tasks are dropped
  MediaWorker(const MediaWorker&) = delete;
  MediaWorker& operator=(const MediaWorker&) = delete;

  const std::string& name() const { return name_; }
  GMainContext* context() const { return context_; }
  bool isCurrentThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // Runs `task` on the worker thread, always later: from the worker itself it runs in a later
  // iteration of the loop, never inside the caller, so a callback may post its object's
  // destruction. Tasks run in the order posted. Thread-safe. Control-plane only: allocates.
  void post(std::function<void()> task);

  // Runs `task` on the worker thread and waits for it to finish (never call from the worker).
  void runSync(const std::function<void()>& task);

  // Attaches a repeating timer to this worker's context; the callback returns false to stop.
  // Returns the GSource id for g_source_remove-style cancellation through cancelTimer().
  unsigned addTimer(std::chrono::milliseconds interval, std::function<bool()> callback);
  void cancelTimer(unsigned id);

 private:
  std::string name_;
  GMainContext* context_;
  GMainLoop* loop_;
  std::thread thread_;
};

}  // namespace medrelay::relay
