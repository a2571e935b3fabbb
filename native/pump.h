// The event pump: one native thread per client and its hand-off to the JS thread.
//
// librdkafka's queue wake-up (rd_kafka_queue_cb_event_enable) signals the pump's
// condition variable; the pump thread then drains librdkafka without blocking and
// appends what it got (delivery reports, messages, typed events) to a pending batch,
// and wakes the JS thread through one uv_async handle. On the JS thread the whole
// pending batch is swapped out and handed to JS in one call. Blocking librdkafka calls
// (flush, commit, metadata, close, ...) run as tasks on the same thread, so nothing
// blocks the JS thread or libuv's threadpool.
//
// Consumed messages are bounded: the pump never holds more than the configured number of
// messages/bytes that JS has not taken yet, and JS can turn the flow off while its own
// buffer is full.
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>
#include <uv.h>

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

// A delivery report, reduced to what JS needs to settle its send promise.
struct Delivery {
  double id;
  int32_t partition;
  int32_t err;
  int64_t offset;
  int64_t timestamp;
};

class Pump {
 public:
  // serve(room, flowing): drain librdkafka without blocking, taking at most `room`
  // consumed messages (0 while the hand-off is full); `flowing` is false while JS asked
  // for no more messages. Returns true when more may be ready right away.
  using ServeFn = std::function<bool(size_t room, bool flowing)>;
  // shutdown(): last thing the pump thread does (close and destroy the handle).
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

  // ---- any thread
  // librdkafka's queue event callback: the queue went from empty to non-empty.
  static void OnQueueEvent(rd_kafka_t* rk, void* opaque);
  void Signal();
  bool jsGone() const { return jsGone_.load(); }

  // ---- pump thread
  void PushDelivery(const Delivery& d);
  // Any thread (the JS thread for a message librdkafka refused): a report, handed over now.
  void PushDeliveryAndWake(const Delivery& d);
  void PushDeliveries(std::vector<Delivery>& ds);  // moves them out of `ds`
  // Packs the messages for JS and destroys them (librdkafka keeps nothing alive for JS).
  void PushMessages(rd_kafka_message_t** msgs, size_t n);
  // Drops the messages JS has not taken (the consumer is closing).
  void ReleaseMessages();
  void PushEvent(JsMaker make);
  // Work for the JS thread that is not an event (e.g. dropping a reference that kept a
  // produce arena alive); runs after the batch is handed to JS.
  void PushRelease(std::function<void(Napi::Env)> release);
  // Blocks the pump thread until JS calls Resume(token) or JS is gone (or `stop` true).
  // Used for rebalances that librdkafka must wait for.
  void WaitForJs(uint64_t token);
  bool flowing() const { return flow_.load(); }

  // ---- pump thread, while shutting down (a consumer leaving its group)
  using Clock = std::chrono::steady_clock;
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
  // True when the environment went away while an orphaned teardown was still running: the
  // thread was detached and still uses this pump and the client context, so the owner must
  // leak both instead of destroying them (a few hundred bytes, only after a close that
  // timed out in a dying environment).
  bool Detached() const;

  // ---- JS thread
  Napi::Value RunTask(Napi::Env env, Task task);
  // Stops the thread after the queued tasks (the state machine: stop -> drain -> destroy).
  // The promise resolves with { timedOut: false } when the handle is destroyed and the last
  // batch was delivered, or with { timedOut: true } when the shutdown gave up at
  // `timeoutMs` (< 0: no deadline) and goes on in the background (see Orphan()).
  Napi::Value Stop(Napi::Env env, int timeoutMs = -1);
  void Resume(uint64_t token);
  void SetFlow(bool on);
  void Ref(bool ref);
  bool stopping() const { return stopRequested_; }
  bool stopped() const { return stopped_; }

 private:
  struct Batch {
    std::vector<Delivery> deliveries;
    PackedMessages messages;
    std::vector<std::pair<size_t, JsMaker>> events;  // (messages before, maker)
    std::vector<std::pair<uint64_t, TaskOutcome>> done;
    std::vector<std::function<void(Napi::Env)>> releases;
    bool finished = false;
    bool orphaned = false;  // the shutdown gave up waiting (see Orphan())
    bool empty() const {
      return deliveries.empty() && messages.empty() && events.empty() && done.empty() && releases.empty() && !finished &&
             !orphaned;
    }
  };

  void ThreadMain();
  void WakeJs();
  void OnAsync();  // JS thread
  void DeliverBatch(Napi::Env env, Batch& batch);
  // Releases what a batch holds (messages, references) and completes a stop; `js`: the
  // stop's promises may be resolved (false while the environment is shutting down).
  void FinishBatch(Napi::Env env, Batch& batch, bool js);
  static bool CanCallJs(napi_env env);
  void CloseHandle();
  static void EnvCleanup(void* arg);
  size_t RoomLocked() const;
  // Runs queued tasks; `lock` (on mu_) is released while each task runs.
  void RunTasksLocked(std::unique_lock<std::mutex>& lock);

  Napi::Env env_;
  Napi::FunctionReference onBatch_;
  Napi::AsyncContext asyncContext_;
  uv_async_t* async_ = nullptr;
  std::thread thread_;
  ServeFn serve_;
  ShutdownFn shutdown_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<uint64_t, Task>> tasks_;
  Batch pending_;
  Limits limits_;
  bool signaled_ = true;  // drain once at start: the queue may already hold something
  bool stopRequested_ = false;
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
