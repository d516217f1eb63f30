#include "relay/common/media_worker.hpp"

#include <future>

#include "common/logger.hpp"

namespace medrelay::relay {

namespace {
struct Task {
  std::function<void()> fn;
};
gboolean runTask(gpointer data) {
  static_cast<Task*>(data)->fn();
  return G_SOURCE_REMOVE;
}
void deleteTask(gpointer data) {
  delete static_cast<Task*>(data);
}

struct Timer {
  std::function<bool()> fn;
};
gboolean runTimer(gpointer data) {
  return static_cast<Timer*>(data)->fn() ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}
void deleteTimer(gpointer data) {
  delete static_cast<Timer*>(data);
}
}  // namespace

MediaWorker::MediaWorker(std::string name)
    : name_(std::move(name)),
      context_(g_main_context_new()),
      loop_(g_main_loop_new(context_, FALSE)) {
  std::promise<void> started;
  auto startedFuture = started.get_future();
  thread_ = std::thread([this, &started] {
    g_main_context_push_thread_default(context_);
    // Signal "running" from inside the loop so post() before this point is still safe.
    GSource* idle = g_idle_source_new();
    g_source_set_callback(
        idle,
        [](gpointer p) -> gboolean {
          static_cast<std::promise<void>*>(p)->set_value();
          return G_SOURCE_REMOVE;
        },
        &started, nullptr);
    g_source_attach(idle, context_);
    g_source_unref(idle);
    g_main_loop_run(loop_);
    g_main_context_pop_thread_default(context_);
  });
  startedFuture.wait();
  logger("relay.worker")->debug("media worker {} started", name_);
}

MediaWorker::~MediaWorker() {
  g_main_loop_quit(loop_);
  if (thread_.joinable()) thread_.join();
  g_main_loop_unref(loop_);
  g_main_context_unref(context_);
}

void MediaWorker::post(std::function<void()> task) {
  // Always through an idle source, never g_main_context_invoke: that runs the task at once when
  // called on the worker thread, i.e. inside whatever callback is posting, and "destroy it
  // later" from a libnice receive callback then freed the peer while it was still on the stack.
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, runTask, new Task{std::move(task)}, deleteTask);
  g_source_attach(source, context_);
  g_source_unref(source);
}

void MediaWorker::runSync(const std::function<void()>& task) {
  if (isCurrentThread()) {
    task();
    return;
  }
  std::promise<void> done;
  auto future = done.get_future();
  post([&] {
    task();
    done.set_value();
  });
  future.wait();
}

unsigned MediaWorker::addTimer(std::chrono::milliseconds interval, std::function<bool()> callback) {
  GSource* source = g_timeout_source_new(static_cast<guint>(interval.count()));
  g_source_set_callback(source, runTimer, new Timer{std::move(callback)}, deleteTimer);
  unsigned id = g_source_attach(source, context_);
  g_source_unref(source);
  return id;
}

void MediaWorker::cancelTimer(unsigned id) {
  if (GSource* source = g_main_context_find_source_by_id(context_, id)) g_source_destroy(source);
}

}  // namespace medrelay::relay
