#include "pump.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "batch_js.h"
#include "client.h"

namespace octokafka {

namespace {
// How long a client may take to close when its environment goes away (a worker terminated,
// the process exiting) before the rest of the teardown continues in the background.
constexpr auto kTeardown = std::chrono::milliseconds(5000);
// While JS holds the flow off and the owner asked for serving anyway (the consumer's
// keep-alive option), the pump serves at least this often.
constexpr auto kStalledServeEvery = std::chrono::seconds(1);

Napi::Value StopResult(Napi::Env env, bool timedOut) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("timedOut", timedOut);
  return o;
}

// An exception that reached a barrier: there is nobody to give it to, so it is written
// where an operator sees it (the process goes on; the outcome it belonged to is settled by
// the caller as a failure).
void ReportStray(const char* where) noexcept {
  std::fprintf(stderr, "octokafka: internal error caught in %s\n", where);
}
}  // namespace

// The thread-safe function's context. It outlives the pump when Node still has a call
// queued after the pump released the function: `pump` is null then, and the finalizer
// (Node's, at release) frees it.
struct Pump::Handoff {
  Pump* pump;
};

Pump::Pump(Napi::Env env, Napi::Function onBatch, const char* name) : env_(env), onBatch_(Napi::Persistent(onBatch)) {
  handoff_ = new Handoff{this};
  napi_value resourceName = Napi::String::New(env, name);
  // A thread-safe function rather than a libuv handle of the addon's own: Node owns the
  // handle and closes it with its own code, so nothing of the addon runs after the addon is
  // unloaded (a terminated worker), and runtimes without libuv that implement Node-API
  // provide it.
  napi_status status = napi_create_threadsafe_function(env, nullptr, nullptr, resourceName, 0, 1, handoff_,
                                                       FinalizeHandoff, handoff_, CallJs, &tsfn_);
  if (status != napi_ok) {
    delete handoff_;
    handoff_ = nullptr;
    tsfn_ = nullptr;
    NAPI_THROW_VOID(Napi::Error::New(env, "octokafka: could not create the hand-off to JS"));
  }
  napi_add_env_cleanup_hook(env, EnvCleanup, this);
  cleanupHookAdded_ = true;
}

Pump::~Pump() {
  Terminate();
  pending_.messages = PackedMessages();
  CloseHandle();
  if (cleanupHookAdded_) napi_remove_env_cleanup_hook(env_, EnvCleanup, this);
}

void Pump::Terminate() {
  // Normally already stopped; on environment teardown EnvCleanup did the work. Called by
  // the owner's destructor while its members (which serve_ and shutdown_ use) still live.
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (detached_) return;
    stopRequested_ = true;
    jsGone_ = true;
  }
  cv_.notify_all();
  taskCv_.notify_all();
  thread_.join();
}

void Pump::Start(ServeFn serve, ShutdownFn shutdown) {
  serve_ = std::move(serve);
  shutdown_ = std::move(shutdown);
  taskThread_ = std::thread([this] { TaskThreadMain(); });
  thread_ = std::thread([this] { ThreadMain(); });
}

void Pump::SetLimits(Limits limits) {
  std::lock_guard<std::mutex> lock(mu_);
  limits_ = limits;
}

void Pump::SetServeWhileStalled(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  serveWhileStalled_ = on;
}

void Pump::OnQueueEvent(rd_kafka_t*, void* opaque) noexcept {
  // Called by librdkafka (with its queue lock held) from any of its threads.
  try {
    static_cast<Pump*>(opaque)->Signal();
  } catch (...) {
    ReportStray("the queue wake-up");
  }
}

void Pump::Signal() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    signaled_ = true;
  }
  cv_.notify_all();
}

size_t Pump::RoomLocked() const {
  if (pending_.messages.count >= limits_.maxMessages || pending_.messages.payloadBytes >= limits_.maxBytes) return 0;
  return limits_.maxMessages - pending_.messages.count;
}

bool Pump::StalledLocked() const {
  // JS is not taking messages: it turned the flow off, or the hand-off is full (JS has not
  // taken, or not asked for, what was handed over).
  return !flow_.load() || RoomLocked() == 0;
}

bool Pump::WantServeLocked() const {
  // librdkafka wakes the pump only when a queue goes from empty to non-empty, so a queue
  // left non-empty by the last serve (moreReady_) must be served again as soon as there is
  // room: waiting for the next wake-up would wait for ever.
  if (!signaled_ && !moreReady_) return false;
  if (!StalledLocked()) return true;
  // Stalled: by default nothing is served (a poll is the application taking messages, so
  // max.poll.interval.ms means what Kafka users expect); room or SetFlow(true) notifies.
  // With the keep-alive option, librdkafka's wake-ups are served.
  return serveWhileStalled_ && signaled_;
}

void Pump::ThreadMain() {
  // Named like librdkafka's threads, so that top -H and per-thread CPU figures tell it apart.
  pthread_setname_np(pthread_self(), "octokafka-pump");
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto ready = [this] { return !quickTasks_.empty() || stopRequested_ || WantServeLocked(); };
    bool serveAnyway = false;
    if (!ready()) {
      if (serveWhileStalled_ && StalledLocked()) {
        // Keep-alive: serve at least once a second while stalled (see Consumer::Serve).
        serveAnyway = !cv_.wait_for(lock, kStalledServeEvery, ready);
      } else {
        // Nothing can be done until librdkafka signals, JS takes the hand-off or turns the
        // flow on, a task arrives, or close(): each of those notifies.
        cv_.wait(lock, ready);
      }
    }
    RunQuickTasksLocked(lock);
    if (stopRequested_) break;
    if (!serveAnyway && !WantServeLocked()) continue;
    size_t room = RoomLocked();
    bool flowing = flow_.load() && room > 0;
    signaled_ = false;
    moreReady_ = false;
    lock.unlock();
    bool more = false;
    try {
      more = serve_ ? serve_(room, flowing) : false;
    } catch (...) {
      ReportStray("serving librdkafka's queue");
    }
    lock.lock();
    if (more) moreReady_ = true;
    if (!pending_.empty()) WakeJsLocked();
  }
  lock.unlock();
  try {
    if (shutdown_) shutdown_();
  } catch (...) {
    ReportStray("a client's shutdown");
  }
  FinishTasks();  // normally done by shutdown_ already
  lock.lock();
  // Tasks queued while shutting down fail: the handle is gone.
  for (auto* queue : {&quickTasks_, &longTasks_}) {
    while (!queue->empty()) {
      uint64_t id = queue->front().first;
      queue->pop_front();
      pending_.done.emplace_back(id, TaskOutcome{ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, "client is closed"), {}});
    }
  }
  pending_.finished = true;
  threadFinished_ = true;
  WakeJsLocked();
  doneCv_.notify_all();  // EnvCleanup may be waiting for this
}

void Pump::TaskThreadMain() {
  pthread_setname_np(pthread_self(), "octokafka-task");
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    taskCv_.wait(lock, [this] { return !longTasks_.empty() || tasksFinishing_; });
    if (longTasks_.empty()) break;  // finishing, and everything queued has run
    longTaskRunning_ = true;
    RunOne(lock, longTasks_);
    longTaskRunning_ = false;
    doneCv_.notify_all();  // DrainTasks
  }
  taskThreadDone_ = true;
  doneCv_.notify_all();
}

void Pump::RunOne(std::unique_lock<std::mutex>& lock, std::deque<std::pair<uint64_t, Task>>& queue) {
  auto [id, task] = std::move(queue.front());
  queue.pop_front();
  lock.unlock();
  TaskOutcome outcome;
  try {
    outcome = task();
  } catch (const std::bad_alloc&) {
    outcome = TaskOutcome{ErrorInfo::From(RD_KAFKA_RESP_ERR__FAIL, "out of memory"), {}};
  } catch (...) {
    outcome = TaskOutcome{ErrorInfo::From(RD_KAFKA_RESP_ERR__FAIL, "internal error in a native task"), {}};
  }
  lock.lock();
  pending_.done.emplace_back(id, std::move(outcome));
  WakeJsLocked();
}

void Pump::RunQuickTasksLocked(std::unique_lock<std::mutex>& lock) {
  while (!quickTasks_.empty()) RunOne(lock, quickTasks_);
}

void Pump::DrainTasks() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!taskThread_.joinable()) return;
  // The deadline is read on every turn: it moves closer when the environment goes away.
  while ((!longTasks_.empty() || longTaskRunning_) && Clock::now() < closeDeadline_) {
    doneCv_.wait_until(lock, std::min(closeDeadline_, Clock::now() + std::chrono::milliseconds(200)));
  }
}

void Pump::FinishTasks() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!taskThread_.joinable()) return;
  tasksFinishing_ = true;
  taskCv_.notify_all();
  // The tasks bound their waits by the close deadline where librdkafka lets them; a call
  // that cannot be interrupted (a transaction commit, a watermark query) may outlive it:
  // then the close gives up waiting (Orphan) and the teardown finishes in the background.
  bool gaveUp = orphaned_.load();
  while (!taskThreadDone_) {
    if (!gaveUp && Clock::now() >= closeDeadline_) {
      lock.unlock();
      Orphan();
      lock.lock();
      gaveUp = true;
      continue;
    }
    auto until = gaveUp ? Clock::now() + std::chrono::milliseconds(200)
                        : std::min(closeDeadline_, Clock::now() + std::chrono::milliseconds(200));
    doneCv_.wait_until(lock, until);
  }
  lock.unlock();
  taskThread_.join();
}

Pump::Clock::time_point Pump::CloseDeadline() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closeDeadline_;
}

void Pump::Orphan() {
  std::lock_guard<std::mutex> lock(mu_);
  if (orphaned_) return;
  orphaned_ = true;
  pending_.orphaned = true;
  WakeJsLocked();
  doneCv_.notify_all();  // EnvCleanup may be waiting for this
}

bool Pump::Detached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return detached_;
}

void Pump::WakeJsLocked() {
  // At most one call queued: the JS side takes everything pending in one go. Messages
  // alone do not call while JS has not asked for more (WantMessages calls then).
  if (!tsfn_ || jsGone_ || wakeQueued_) return;
  if (!jsWantsMessages_ && pending_.deliveries.empty() && pending_.events.empty() && pending_.done.empty() &&
      pending_.releases.empty() && !pending_.finished && !pending_.orphaned) {
    return;
  }
  wakeQueued_ = true;
  if (napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking) != napi_ok) wakeQueued_ = false;
}

void Pump::PushDeliveryAndWake(const Delivery& d) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.deliveries.push_back(d);
  WakeJsLocked();
}

void Pump::PushDeliveries(std::vector<Delivery>& ds, bool wake) {
  if (ds.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.deliveries.empty()) {
    std::swap(pending_.deliveries, ds);
  } else {
    pending_.deliveries.insert(pending_.deliveries.end(), ds.begin(), ds.end());
  }
  ds.clear();
  if (wake) WakeJsLocked();
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

void Pump::PushEvent(JsMaker make, bool ordered) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.events.push_back({pending_.messages.count, std::move(make), ordered});
  WakeJsLocked();
}

bool Pump::WaitForJs(uint64_t token, Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  WakeJsLocked();
  auto resumed = [&] {
    bool found = false;
    // Tokens of earlier rebalances that were given up on may arrive late: drop them too.
    resumed_.erase(std::remove_if(resumed_.begin(), resumed_.end(),
                                  [&](uint64_t t) {
                                    if (t == token) found = true;
                                    return t <= token;
                                  }),
                   resumed_.end());
    return found;
  };
  auto wake = [&] { return jsGone_ || !quickTasks_.empty() || !resumed_.empty(); };
  for (;;) {
    if (jsGone_ || resumed()) return true;
    // JS hooks may pause, seek or assign while librdkafka waits for them: keep serving
    // quick tasks (long ones run on the task thread anyway).
    RunQuickTasksLocked(lock);
    if (jsGone_ || resumed()) return true;
    // Closing: the hooks get until the close's deadline (which EnvCleanup may move).
    auto until = stopRequested_ ? std::min(deadline, closeDeadline_) : deadline;
    if (Clock::now() >= until) return false;
    cv_.wait_until(lock, std::min(until, Clock::now() + std::chrono::milliseconds(100)), wake);
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
    // announce.
    std::lock_guard<std::mutex> lock(mu_);
    flow_ = on;
    signaled_ = true;
  }
  cv_.notify_all();
}

void Pump::WantMessages() {
  std::lock_guard<std::mutex> lock(mu_);
  if (jsWantsMessages_) return;
  jsWantsMessages_ = true;
  if (!pending_.messages.empty()) WakeJsLocked();
}

void Pump::Ref(bool ref) {
  // JS thread: tsfn_ changes only there.
  if (!tsfn_) return;
  if (ref) {
    napi_ref_threadsafe_function(env_, tsfn_);
  } else {
    napi_unref_threadsafe_function(env_, tsfn_);
  }
}

Napi::Value Pump::RunTask(Napi::Env env, Task task, TaskKind kind) {
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Value promise = deferred.Promise();
  std::unique_lock<std::mutex> lock(mu_);
  // Tasks are still taken while closing (a revoke hook may commit during close), until
  // the handle is about to go.
  if (threadFinished_ || (kind == TaskKind::kLong && tasksFinishing_)) {
    lock.unlock();
    deferred.Reject(ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, "client is closed").ToJs(env));
    return promise;
  }
  uint64_t id = nextTaskId_++;
  deferreds_.emplace(id, deferred);
  if (kind == TaskKind::kLong) {
    longTasks_.emplace_back(id, std::move(task));
    lock.unlock();
    taskCv_.notify_all();
  } else {
    quickTasks_.emplace_back(id, std::move(task));
    lock.unlock();
    cv_.notify_all();
  }
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
  taskCv_.notify_all();
  return promise;
}

void Pump::CallJs(napi_env env, napi_value, void* context, void*) noexcept {
  // Node calls this on the JS thread, inside a callback scope of the function's async
  // resource (promise reactions and nextTicks run after it, as after any I/O callback);
  // env is null while the function is being torn down.
  auto* handoff = static_cast<Handoff*>(context);
  if (env == nullptr || handoff == nullptr || handoff->pump == nullptr) return;
  try {
    handoff->pump->OnHandoff(Napi::Env(env));
  } catch (...) {
    ReportStray("the hand-off to JS");
  }
}

void Pump::FinalizeHandoff(napi_env, void* data, void*) noexcept { delete static_cast<Handoff*>(data); }

void Pump::OnHandoff(Napi::Env env) {
  Batch batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wakeQueued_ = false;
    bool orderedWaits = std::any_of(pending_.events.begin(), pending_.events.end(),
                                    [](const Batch::Event& e) { return e.ordered && e.at > 0; });
    if (jsWantsMessages_ || pending_.messages.empty() || orderedWaits || pending_.finished || pending_.orphaned) {
      // Everything, messages included (a rebalance or a seek's marker placed after messages
      // must not wait for the application to read: the group waits for its hooks).
      std::swap(batch, pending_);
      if (!batch.messages.empty()) jsWantsMessages_ = false;
    } else {
      // JS still holds messages of the last hand-off: everything but the messages goes now
      // (task results, delivery reports, releases, events that need no place among the
      // messages); the messages wait until JS asks (WantMessages).
      std::swap(batch.deliveries, pending_.deliveries);
      std::swap(batch.done, pending_.done);
      std::swap(batch.releases, pending_.releases);
      std::swap(batch.events, pending_.events);
      for (auto& e : batch.events) e.at = 0;
    }
  }
  cv_.notify_all();  // room in the hand-off again
  if (batch.empty()) return;
  bool js = EnvCanRunJs(env);
  if (js) {
    try {
      Napi::HandleScope scope(env);
      DeliverBatch(env, batch);
    } catch (...) {
      // The environment started terminating in the middle (a worker's terminate() from
      // another thread): what is left cannot reach JS, but must still be released below.
      js = false;
    }
  }
  try {
    Napi::HandleScope scope(env);
    FinishBatch(env, batch, js && EnvCanRunJs(env));
  } catch (...) {
    ReportStray("finishing a batch");
  }
}

void Pump::DeliverBatch(Napi::Env env, Batch& batch) {
  if (!batch.deliveries.empty() || !batch.messages.empty() || !batch.events.empty()) {
    Napi::Value deliveries = batch.deliveries.empty() ? env.Null() : DeliveriesToJs(env, batch.deliveries);
    Napi::Value messages = batch.messages.empty() ? env.Null() : MessagesToJs(env, batch.messages);
    Napi::Value events = env.Null();
    if (!batch.events.empty()) {
      Napi::Array arr = Napi::Array::New(env, batch.events.size());
      for (size_t i = 0; i < batch.events.size(); i++) {
        Napi::Value v = batch.events[i].make(env);
        if (v.IsObject()) v.As<Napi::Object>().Set("at", static_cast<double>(batch.events[i].at));
        arr.Set(static_cast<uint32_t>(i), v);
      }
      events = arr;
    }
    try {
      onBatch_.Call({deliveries, messages, events});
    } catch (const Napi::Error& e) {
      // A JS exception in the batch handler (the JS layer isolates user code, so this is
      // the layer's own bug): report it like any uncaught exception, and settle the tasks.
      napi_fatal_exception(env, e.Value());
    }
  }
  // Each task settles on its own: one that cannot be turned into JS rejects alone.
  for (auto& [id, outcome] : batch.done) {
    auto it = deferreds_.find(id);
    if (it == deferreds_.end()) continue;
    Napi::Promise::Deferred d = it->second;
    deferreds_.erase(it);
    try {
      if (!outcome.error.ok()) {
        d.Reject(outcome.error.ToJs(env));
      } else {
        d.Resolve(outcome.value ? outcome.value(env) : env.Undefined());
      }
    } catch (const Napi::Error& e) {
      d.Reject(e.Value());
    }
  }
}

void Pump::FinishBatch(Napi::Env env, Batch& batch, bool js) {
  for (auto& release : batch.releases) {
    try {
      release(env);
    } catch (...) {
      ReportStray("releasing a batch's references");
    }
  }
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
    if (js) {
      for (auto& d : stopDeferreds_) d.Resolve(StopResult(env, false));
    }
    stopDeferreds_.clear();
    // Tasks whose outcome never came (none should be left): reject rather than hang.
    for (auto& [id, d] : deferreds_) {
      if (js) d.Reject(ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, "client is closed").ToJs(env));
    }
    deferreds_.clear();
    onBatch_.Reset();
    CloseHandle();
  }
}

void Pump::CloseHandle() {
  napi_threadsafe_function tsfn = nullptr;
  {
    // Under the lock: a detached teardown thread may still be calling WakeJsLocked.
    std::lock_guard<std::mutex> lock(mu_);
    tsfn = tsfn_;
    tsfn_ = nullptr;
  }
  if (handoff_) {
    handoff_->pump = nullptr;  // a call Node still has queued finds no pump
    handoff_ = nullptr;        // freed by FinalizeHandoff
  }
  if (tsfn) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
}

void Pump::EnvCleanup(void* arg) noexcept {
  // The environment (main thread or worker) is going away: stop without JS.
  Pump* self = static_cast<Pump*>(arg);
  try {
    self->cleanupHookAdded_ = false;
    bool detach = false;
    {
      std::unique_lock<std::mutex> lock(self->mu_);
      self->jsGone_ = true;
      self->stopRequested_ = true;
      self->closeDeadline_ = std::min(self->closeDeadline_, Clock::now() + kTeardown);
      self->cv_.notify_all();
      self->taskCv_.notify_all();
      if (self->thread_.joinable()) {
        // The shutdown gives up at its deadline (Orphan); an orphaned teardown may wait for
        // librdkafka much longer (a commit for an unreachable coordinator: session.timeout.ms),
        // which must not hold a terminating worker or an exiting process.
        self->doneCv_.wait(lock, [self] { return self->threadFinished_ || self->orphaned_.load(); });
        detach = !self->threadFinished_;
        if (detach) self->detached_ = true;
      }
      self->pending_.messages = PackedMessages();
    }
    if (detach) {
      // It goes on running this library's code: the addon is linked never to be unloaded.
      self->thread_.detach();
    } else if (self->thread_.joinable()) {
      self->thread_.join();
    }
    self->CloseHandle();
    self->stopped_ = true;
  } catch (...) {
    ReportStray("an environment's teardown");
  }
}

}  // namespace octokafka
