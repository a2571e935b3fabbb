#include "pump.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>

#include "batch_js.h"

namespace octokafka {

namespace {
// How long a client may take to close when its environment goes away (a worker terminated,
// the process exiting) before the rest of the teardown continues in the background.
constexpr auto kTeardown = std::chrono::milliseconds(5000);

Napi::Value StopResult(Napi::Env env, bool timedOut) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("timedOut", timedOut);
  return o;
}
}  // namespace

Pump::Pump(Napi::Env env, Napi::Function onBatch, const char* name)
    : env_(env), onBatch_(Napi::Persistent(onBatch)), asyncContext_(env, name) {
  uv_loop_t* loop = nullptr;
  NAPI_THROW_IF_FAILED_VOID(env, napi_get_uv_event_loop(env, &loop));
  async_ = new uv_async_t;
  async_->data = this;
  uv_async_init(loop, async_, [](uv_async_t* h) {
    if (h->data) static_cast<Pump*>(h->data)->OnAsync();
  });
  napi_add_env_cleanup_hook(env, EnvCleanup, this);
  cleanupHookAdded_ = true;
}

Pump::~Pump() {
  // Normally already stopped; on environment teardown EnvCleanup did the work.
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopRequested_ = true;
      jsGone_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  pending_.messages = PackedMessages();
  CloseHandle();
  if (cleanupHookAdded_) napi_remove_env_cleanup_hook(env_, EnvCleanup, this);
}

void Pump::Start(ServeFn serve, ShutdownFn shutdown) {
  serve_ = std::move(serve);
  shutdown_ = std::move(shutdown);
  thread_ = std::thread([this] { ThreadMain(); });
}

void Pump::SetLimits(Limits limits) {
  std::lock_guard<std::mutex> lock(mu_);
  limits_ = limits;
}

void Pump::OnQueueEvent(rd_kafka_t*, void* opaque) { static_cast<Pump*>(opaque)->Signal(); }

void Pump::Signal() {
  // Called by librdkafka with its queue lock held: only flag and notify.
  {
    std::lock_guard<std::mutex> lock(mu_);
    signaled_ = true;
  }
  cv_.notify_one();
}

size_t Pump::RoomLocked() const {
  if (pending_.messages.count >= limits_.maxMessages || pending_.messages.payloadBytes >= limits_.maxBytes) return 0;
  return limits_.maxMessages - pending_.messages.count;
}

void Pump::ThreadMain() {
  // Named like librdkafka's threads, so that top -H and per-thread CPU figures tell it apart.
  pthread_setname_np(pthread_self(), "octokafka-pump");
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    // Wait for librdkafka's wake-up, a task, room in the hand-off, or stop. While the flow
    // is off the queue is still served (rebalances, commits, token refreshes; fetching is
    // paused by the consumer), and at least once a second so that the consumer's
    // max.poll.interval.ms keeps being honoured.
    auto ready = [this] {
      return !tasks_.empty() || stopRequested_ || (signaled_ && (!flow_.load() || RoomLocked() > 0));
    };
    if (!ready()) {
      if (flow_.load() && RoomLocked() > 0) {
        cv_.wait(lock, ready);
      } else {
        cv_.wait_for(lock, std::chrono::seconds(1), ready);
      }
    }
    RunTasksLocked(lock);
    if (stopRequested_) break;
    bool flowing = flow_.load();
    size_t room = flowing ? RoomLocked() : 0;
    signaled_ = false;
    lock.unlock();
    bool more = serve_ ? serve_(room, flowing) : false;
    lock.lock();
    if (more) signaled_ = true;
    if (!pending_.empty()) WakeJs();
  }
  lock.unlock();
  if (shutdown_) shutdown_();
  lock.lock();
  // Tasks queued while shutting down fail: the handle is gone.
  while (!tasks_.empty()) {
    uint64_t id = tasks_.front().first;
    tasks_.pop_front();
    pending_.done.emplace_back(id, TaskOutcome{ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, "client is closed"), {}});
  }
  pending_.finished = true;
  threadFinished_ = true;
  WakeJs();
  cv_.notify_all();  // EnvCleanup may be waiting for this
}

Pump::Clock::time_point Pump::CloseDeadline() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closeDeadline_;
}

void Pump::Orphan() {
  std::lock_guard<std::mutex> lock(mu_);
  orphaned_ = true;
  pending_.orphaned = true;
  WakeJs();
  cv_.notify_all();  // EnvCleanup may be waiting for this
}

bool Pump::Detached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return detached_;
}

void Pump::RunTasksLocked(std::unique_lock<std::mutex>& lock) {
  while (!tasks_.empty()) {
    auto [id, task] = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    TaskOutcome outcome = task();
    lock.lock();
    pending_.done.emplace_back(id, std::move(outcome));
    WakeJs();
  }
}

void Pump::WakeJs() {
  // mu_ is held: the JS side closes the handle only after the thread is joined.
  if (async_ && !jsGone_) uv_async_send(async_);
}

void Pump::PushDelivery(const Delivery& d) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.deliveries.push_back(d);
}

void Pump::PushDeliveryAndWake(const Delivery& d) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.deliveries.push_back(d);
  WakeJs();
}

void Pump::PushDeliveries(std::vector<Delivery>& ds) {
  if (ds.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.deliveries.empty()) {
    std::swap(pending_.deliveries, ds);
  } else {
    pending_.deliveries.insert(pending_.deliveries.end(), ds.begin(), ds.end());
  }
  ds.clear();
}

void Pump::PushMessages(rd_kafka_message_t** msgs, size_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.messages.Append(msgs, n);
  }
  // Outside the lock: destroying a message may take librdkafka's own locks.
  for (size_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[i]);
}

void Pump::ReleaseMessages() {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.messages = PackedMessages();
}

void Pump::PushRelease(std::function<void(Napi::Env)> release) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.releases.push_back(std::move(release));
}

void Pump::PushEvent(JsMaker make) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.events.emplace_back(pending_.messages.count, std::move(make));
  WakeJs();
}

void Pump::WaitForJs(uint64_t token) {
  std::unique_lock<std::mutex> lock(mu_);
  WakeJs();
  auto resumed = [&] {
    for (auto it = resumed_.begin(); it != resumed_.end(); ++it) {
      if (*it == token) {
        resumed_.erase(it);
        return true;
      }
    }
    return false;
  };
  auto wake = [&] { return jsGone_ || !tasks_.empty() || !resumed_.empty(); };
  for (;;) {
    if (jsGone_ || resumed()) return;
    // JS hooks may commit or query while librdkafka waits for them: keep serving tasks.
    RunTasksLocked(lock);
    if (jsGone_ || resumed()) return;
    if (!stopRequested_) {
      cv_.wait(lock, [&] { return wake() || stopRequested_; });
    } else {
      // Closing: the hooks get until the close's deadline (which EnvCleanup may move).
      if (Clock::now() >= closeDeadline_) return;
      cv_.wait_for(lock, std::chrono::milliseconds(100), wake);
    }
  }
}

void Pump::Resume(uint64_t token) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    resumed_.push_back(token);
  }
  cv_.notify_all();
}

void Pump::SetFlow(bool on) {
  {
    // Under the lock, and as a signal: the pump must act on the change now (pause or resume
    // fetching, pull what librdkafka already holds) even when librdkafka has nothing new to
    // announce. Without it a resumed consumer waited for the next queue event, or for the
    // pump's 1-second poll while paused, and then for a fetch (2 s per resume).
    std::lock_guard<std::mutex> lock(mu_);
    flow_ = on;
    signaled_ = true;
  }
  cv_.notify_all();
}

void Pump::Ref(bool ref) {
  if (!async_) return;
  if (ref) {
    uv_ref(reinterpret_cast<uv_handle_t*>(async_));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(async_));
  }
}

Napi::Value Pump::RunTask(Napi::Env env, Task task) {
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Value promise = deferred.Promise();
  std::unique_lock<std::mutex> lock(mu_);
  // Tasks are still taken while closing (a revoke hook may commit during close).
  if (threadFinished_) {
    lock.unlock();
    deferred.Reject(ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, "client is closed").ToJs(env));
    return promise;
  }
  uint64_t id = nextTaskId_++;
  deferreds_.emplace(id, deferred);
  tasks_.emplace_back(id, std::move(task));
  lock.unlock();
  cv_.notify_all();
  return promise;
}

Napi::Value Pump::Stop(Napi::Env env, int timeoutMs) {
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Value promise = deferred.Promise();
  if (stopped_ || gaveUp_) {
    deferred.Resolve(StopResult(env, !stopped_));
    return promise;
  }
  stopDeferreds_.push_back(deferred);
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The first close sets the deadline; a second close() waits for the same outcome.
    if (!stopRequested_ && timeoutMs >= 0) closeDeadline_ = Clock::now() + std::chrono::milliseconds(timeoutMs);
    stopRequested_ = true;
  }
  cv_.notify_all();
  return promise;
}

void Pump::OnAsync() {
  Batch batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(batch, pending_);
  }
  cv_.notify_all();  // room in the hand-off again
  if (batch.empty()) return;
  Napi::Env env = env_;
  Napi::HandleScope scope(env);
  if (!CanCallJs(env)) {
    // The environment is shutting down (a worker being terminated): nobody can take the
    // batch, but what it holds must still be released, or the handle cannot be destroyed.
    FinishBatch(env, batch, false);
    return;
  }
  // Promise reactions and nextTicks run when this scope closes, as after any I/O callback.
  Napi::CallbackScope callbackScope(env, asyncContext_);
  DeliverBatch(env, batch);
}

bool Pump::CanCallJs(napi_env env) {
  // N-API refuses calls that may run JS once the environment stops running JS (worker
  // terminate(), process exit), and node-addon-api turns that refusal into a fatal error.
  // A property set is such a call: try one on a fresh object, without node-addon-api.
  napi_value probe = nullptr;
  napi_value undefined = nullptr;
  if (napi_create_object(env, &probe) != napi_ok || napi_get_undefined(env, &undefined) != napi_ok) return false;
  return napi_set_named_property(env, probe, "probe", undefined) == napi_ok;
}

void Pump::DeliverBatch(Napi::Env env, Batch& batch) {
  try {
    if (!batch.deliveries.empty() || !batch.messages.empty() || !batch.events.empty()) {
      Napi::Value deliveries = batch.deliveries.empty() ? env.Null() : DeliveriesToJs(env, batch.deliveries);
      Napi::Value messages = batch.messages.empty() ? env.Null() : MessagesToJs(env, batch.messages);
      Napi::Value events = env.Null();
      if (!batch.events.empty()) {
        Napi::Array arr = Napi::Array::New(env, batch.events.size());
        for (size_t i = 0; i < batch.events.size(); i++) {
          Napi::Value v = batch.events[i].second(env);
          if (v.IsObject()) v.As<Napi::Object>().Set("at", static_cast<double>(batch.events[i].first));
          arr.Set(static_cast<uint32_t>(i), v);
        }
        events = arr;
      }
      onBatch_.Call({deliveries, messages, events});
    }
    for (auto& [id, outcome] : batch.done) {
      auto it = deferreds_.find(id);
      if (it == deferreds_.end()) continue;
      Napi::Promise::Deferred d = it->second;
      deferreds_.erase(it);
      if (!outcome.error.ok()) {
        d.Reject(outcome.error.ToJs(env));
      } else {
        d.Resolve(outcome.value ? outcome.value(env) : env.Undefined());
      }
    }
  } catch (const Napi::Error& e) {
    // A JS exception in the batch handler: report it like any uncaught exception.
    napi_fatal_exception(env, e.Value());
  }
  FinishBatch(env, batch, true);
}

void Pump::FinishBatch(Napi::Env env, Batch& batch, bool js) {
  for (auto& release : batch.releases) release(env);
  if (batch.orphaned && !batch.finished && !stopped_ && !gaveUp_) {
    // The close gave up waiting: tell JS now; the teardown goes on without holding the
    // event loop (the process may exit meanwhile: EnvCleanup then detaches the thread).
    gaveUp_ = true;
    if (js) {
      for (auto& d : stopDeferreds_) d.Resolve(StopResult(env, true));
    }
    stopDeferreds_.clear();
    Ref(false);
  }
  if (batch.finished && !stopped_) {
    stopped_ = true;
    if (thread_.joinable()) thread_.join();
    CloseHandle();
    if (js) {
      for (auto& d : stopDeferreds_) d.Resolve(StopResult(env, false));
    }
    stopDeferreds_.clear();
    onBatch_.Reset();
  }
}

void Pump::CloseHandle() {
  uv_async_t* handle = nullptr;
  {
    // Under the lock: a detached teardown thread may still be calling WakeJs.
    std::lock_guard<std::mutex> lock(mu_);
    handle = async_;
    async_ = nullptr;
  }
  if (!handle) return;
  handle->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle), [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
}

void Pump::EnvCleanup(void* arg) {
  // The environment (main thread or worker) is going away: stop without JS.
  Pump* self = static_cast<Pump*>(arg);
  self->cleanupHookAdded_ = false;
  bool detach = false;
  {
    std::unique_lock<std::mutex> lock(self->mu_);
    self->jsGone_ = true;
    self->stopRequested_ = true;
    self->closeDeadline_ = std::min(self->closeDeadline_, Clock::now() + kTeardown);
    self->cv_.notify_all();
    if (self->thread_.joinable()) {
      // The shutdown gives up at its deadline (Orphan); an orphaned teardown may wait for
      // librdkafka much longer (a commit for an unreachable coordinator: session.timeout.ms),
      // which must not hold a terminating worker or an exiting process.
      self->cv_.wait(lock, [self] { return self->threadFinished_ || self->orphaned_.load(); });
      detach = !self->threadFinished_;
      if (detach) self->detached_ = true;
    }
    self->pending_.messages = PackedMessages();
  }
  if (detach) {
    self->thread_.detach();
  } else if (self->thread_.joinable()) {
    self->thread_.join();
  }
  self->CloseHandle();
  self->stopped_ = true;
}

}  // namespace octokafka
