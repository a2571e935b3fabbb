// The event pump: the native threads of one client and their hand-off to the JS thread.
//
// librdkafka's queue wake-up (rd_kafka_queue_cb_event_enable) signals the pump's
// condition variable; the pump thread then drains librdkafka without blocking and
// appends what it got (delivery reports, messages, typed events) to a pending batch,
// and wakes the JS thread through one Node-API thread-safe function (at most one call
// queued at a time). On the JS thread the whole pending batch is swapped out and handed
// to JS in one call.
//
// Calls that block inside librdkafka (flush, synchronous commit, transactions, admin
// requests, watermarks, ...) run as "long" tasks on a second thread, so that delivery
// reports, messages and rebalances keep flowing while they wait. Short calls (assign,
// pause, seek, ...) run as "quick" tasks on the pump thread, in order with serving.
// Nothing blocks the JS thread or libuv's threadpool.
//
// Consumed messages are bounded: the pump never holds more than the configured number of
// messages/bytes that JS has not taken yet, and JS can turn the flow off while its own
// buffer is full.
//
// Every entry point from librdkafka or from Node (callbacks, the hand-off, tasks) is an
// exception barrier: nothing thrown in here reaches a C frame or libuv.
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "errors.h"
#include "message_pack.h"

namespace octokafka {

// Makes a JS value on the JS thread from data captured on the pump thread.
using JsMaker = std::function<Napi::Value(Napi::Env)>;

// What a task produced: an error, or a value maker (may be empty: undefined).
struct TaskOutcome {
  ErrorInfo error;
  JsMaker value;
};
using Task = std::function<TaskOutcome()>;

// Quick tasks run on the pump thread between serves (non-blocking librdkafka calls);
// long tasks on the task thread (calls that wait for a broker).
enum class TaskKind { kQuick, kLong };

class Pump {
 public:
  using Clock = std::chrono::steady_clock;
  // serve(room, flowing): drain librdkafka without blocking, taking at most `room`
  // consumed messages; `flowing` is false while JS takes no messages (it turned the flow
  // off, or the hand-off is full): then serve is called only with the keep-alive option. Returns true when more may be ready right away (the queue was
  // not drained): the pump then serves again as soon as it can act, without waiting for
  // librdkafka's wake-up, which comes only when a queue goes from empty to non-empty.
  using ServeFn = std::function<bool(size_t room, bool flowing)>;
  // shutdown(): last thing the pump thread does (close and destroy the handle). It must
  // call FinishTasks() before destroying the handle.
  using ShutdownFn = std::function<void()>;

  struct Limits {
    size_t maxMessages = 50000;      // pending messages JS has not taken yet
    size_t maxBytes = 64u << 20;     // pending payload bytes JS has not taken yet
  };

  Pump(Napi::Env env, Napi::Function onBatch, const char* name);
  ~Pump();
  Pump(const Pump&) = delete;
  Pump& operator=(const Pump&) = delete;

  void Start(ServeFn serve, ShutdownFn shutdown);
  void SetLimits(Limits limits);
  // Serve librdkafka's wake-ups (and once a second) even while JS holds the flow off: the
  // consumer's keep-alive option. Off by default: a stalled application does not poll.
  void SetServeWhileStalled(bool on);

  // ---- any thread
  // librdkafka's queue event callback: the queue went from empty to non-empty.
  static void OnQueueEvent(rd_kafka_t* rk, void* opaque) noexcept;
  void Signal();
  bool jsGone() const { return jsGone_.load(); }
  // Pending hand-off: appended under the pump's lock.
  void PushDeliveries(std::vector<Delivery>& ds, bool wake);  // moves them out of `ds`
  void PushDeliveryAndWake(const Delivery& d);
  // `ordered`: the event belongs at its place among the messages (a rebalance, a seek's
  // marker): messages handed over before it must reach JS before it. Other events (logs,
  // errors, statistics, commit results) are handed over as soon as they come.
  void PushEvent(JsMaker make, bool ordered = false);
  // Work for the JS thread that is not an event (e.g. dropping a reference that kept a
  // produce arena alive); runs after the batch is handed to JS.
  void PushRelease(std::function<void(Napi::Env)> release);

  // ---- pump thread
  // Packs the messages for JS and destroys them (librdkafka keeps nothing alive for JS).
  void PushMessages(rd_kafka_message_t** msgs, size_t n);
  // Drops the messages JS has not taken (the consumer is closing).
  void ReleaseMessages();
  // Blocks the pump thread until JS calls Resume(token), JS is gone, or `deadline` passes
  // (then returns false). Quick tasks keep running meanwhile (hooks may pause or seek).
  bool WaitForJs(uint64_t token, Clock::time_point deadline);
  bool flowing() const { return flow_.load(); }

  // ---- shutdown (pump thread)
  // Waits until the long tasks queued so far have run (what the application asked before
  // close() happens before the client leaves its group), or the close deadline passes.
  void DrainTasks();
  // Runs the long tasks still queued (each bounded by the close deadline), refuses new
  // ones, and joins the task thread. Call before destroying the handle.
  void FinishTasks();
  // When the shutdown must give up waiting: Stop's timeout, or kTeardownMs once the
  // environment is going away (a worker terminated, the process exiting), whichever is first.
  Clock::time_point CloseDeadline() const;
  // The deadline passed with the handle still closing: Stop's promise resolves now with
  // { timedOut: true } and the handle stops keeping the event loop alive, while this thread
  // finishes the teardown in the background. From here on the owner may be destroyed (the
  // environment going away): the shutdown may only use what it copied to its stack, the
  // pump and the client context (both kept alive for it, see Detached()).
  void Orphan();
  bool orphaned() const { return orphaned_.load(); }

  // ---- owner's destructor
  // Stops and joins the threads (if still running) while the owner's members are intact.
  void Terminate();
  // True when the environment went away while an orphaned teardown was still running: the
  // thread was detached and still uses this pump and the client context, so the owner must
  // leak both instead of destroying them (a few hundred bytes, only after a close that
  // timed out in a dying environment).
  bool Detached() const;

  // ---- JS thread
  Napi::Value RunTask(Napi::Env env, Task task, TaskKind kind = TaskKind::kQuick);
  // Stops the threads after the queued tasks (the state machine: stop -> drain -> destroy).
  // The promise resolves with { timedOut: false } when the handle is destroyed and the last
  // batch was delivered, or with { timedOut: true } when the shutdown gave up at
  // `timeoutMs` (< 0: no deadline) and goes on in the background (see Orphan()).
  Napi::Value Stop(Napi::Env env, int timeoutMs = -1);
  void Resume(uint64_t token);
  void SetFlow(bool on);
  // JS took every message handed over so far: the next messages may go (see OnHandoff).
  void WantMessages();
  void Ref(bool ref);
  bool stopping() const { return stopRequested_; }
  bool stopped() const { return stopped_; }

 private:
  struct Batch {
    std::vector<Delivery> deliveries;
    PackedMessages messages;
    struct Event {
      size_t at;  // messages before it in this batch
      JsMaker make;
      bool ordered;
    };
    std::vector<Event> events;
    std::vector<std::pair<uint64_t, TaskOutcome>> done;
    std::vector<std::function<void(Napi::Env)>> releases;
    bool finished = false;
    bool orphaned = false;  // the shutdown gave up waiting (see Orphan())
    bool empty() const {
      return deliveries.empty() && messages.empty() && events.empty() && done.empty() && releases.empty() && !finished &&
             !orphaned;
    }
  };
  struct Handoff;

  void ThreadMain();
  void TaskThreadMain();
  void WakeJsLocked();
  static void CallJs(napi_env env, napi_value fn, void* context, void* data) noexcept;
  static void FinalizeHandoff(napi_env env, void* data, void* hint) noexcept;
  void OnHandoff(Napi::Env env);  // JS thread
  void DeliverBatch(Napi::Env env, Batch& batch);
  // Releases what a batch holds (messages, references) and completes a stop; `js`: the
  // stop's promises may be resolved (false while the environment is shutting down).
  void FinishBatch(Napi::Env env, Batch& batch, bool js);
  void CloseHandle();
  static void EnvCleanup(void* arg) noexcept;
  size_t RoomLocked() const;
  bool WantServeLocked() const;
  bool StalledLocked() const;
  // Runs queued quick tasks; `lock` (on mu_) is released while each task runs.
  void RunQuickTasksLocked(std::unique_lock<std::mutex>& lock);
  void RunOne(std::unique_lock<std::mutex>& lock, std::deque<std::pair<uint64_t, Task>>& queue);

  Napi::Env env_;
  Napi::FunctionReference onBatch_;
  Handoff* handoff_ = nullptr;              // JS-thread side of the thread-safe function
  napi_threadsafe_function tsfn_ = nullptr;  // under mu_: null once released
  std::thread thread_;
  std::thread taskThread_;
  ServeFn serve_;
  ShutdownFn shutdown_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // the pump thread (and waits on librdkafka's progress)
  std::condition_variable taskCv_;   // the task thread
  std::condition_variable doneCv_;   // EnvCleanup waiting for the threads
  std::deque<std::pair<uint64_t, Task>> quickTasks_;
  std::deque<std::pair<uint64_t, Task>> longTasks_;
  Batch pending_;
  Limits limits_;
  bool signaled_ = true;   // drain once at start: the queue may already hold something
  bool moreReady_ = false;  // the last serve left the queue non-empty
  bool serveWhileStalled_ = false;
  bool wakeQueued_ = false;
  // Messages go to JS only once it took those of the previous hand-off (WantMessages):
  // Node dispatches a thread-safe function's calls back to back while more arrive, so
  // without this several hand-offs pile up in JS's buffer before it can read any.
  bool jsWantsMessages_ = true;
  bool stopRequested_ = false;
  bool tasksFinishing_ = false;  // FinishTasks: no new long task
  bool taskThreadDone_ = false;
  bool longTaskRunning_ = false;
  bool threadFinished_ = false;  // no task can run any more
  bool stopped_ = false;
  Clock::time_point closeDeadline_ = Clock::time_point::max();
  std::atomic<bool> orphaned_{false};
  bool detached_ = false;
  std::atomic<bool> flow_{true};
  std::atomic<bool> jsGone_{false};
  std::vector<uint64_t> resumed_;

  // JS-thread state.
  uint64_t nextTaskId_ = 1;
  std::map<uint64_t, Napi::Promise::Deferred> deferreds_;
  std::vector<Napi::Promise::Deferred> stopDeferreds_;
  bool gaveUp_ = false;  // Stop's promises resolved with { timedOut: true }
  bool cleanupHookAdded_ = false;
};

}  // namespace octokafka
