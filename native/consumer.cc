#include "consumer.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "config.h"

namespace octokafka {

namespace {
constexpr size_t kMaxBatch = 10000;  // messages taken from librdkafka per call
// Marks NativeConsumer objects, so that another object is never unwrapped as one.
constexpr napi_type_tag kConsumerTag = {0x6f63746f6b61666bULL, 0x636f6e73756d6572ULL};

using ListPtr = std::shared_ptr<rd_kafka_topic_partition_list_t>;

ListPtr Own(rd_kafka_topic_partition_list_t* list) {
  return ListPtr(list, rd_kafka_topic_partition_list_destroy);
}

// The partitions of a list (copied now, on the pump thread, while the handle lives).
JsMaker PartitionsMaker(const rd_kafka_topic_partition_list_t* list) {
  Partitions copy = CopyPartitions(list);
  return [copy](Napi::Env env) { return PartitionsToJs(env, copy); };
}

// An event telling JS that messages of these partitions (all, when null) handed over
// before it are stale (after a seek or an unassign).
JsMaker DroppedMarker(const rd_kafka_topic_partition_list_t* list) {
  Partitions copy = CopyPartitions(list);
  return [copy](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", "dropped");
    o.Set("partitions", copy ? PartitionsToJs(env, copy) : env.Null());
    return o;
  };
}
// The group's rebalance protocol, as librdkafka derives it: KIP-848 groups are incremental;
// classic groups use their assignors' protocol (librdkafka refuses to mix eager and
// cooperative ones, so one cooperative assignor decides).
bool UsesCooperativeProtocol(const rd_kafka_conf_t* conf) {
  char value[512];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, "group.protocol", value, &size) == RD_KAFKA_CONF_OK && std::strcmp(value, "consumer") == 0) {
    return true;
  }
  size = sizeof value;
  return rd_kafka_conf_get(conf, "partition.assignment.strategy", value, &size) == RD_KAFKA_CONF_OK &&
         std::strstr(value, "cooperative-sticky") != nullptr;
}
}  // namespace

Napi::Function Consumer::Init(Napi::Env env) {
  return DefineClient(env,
                      {
                          JsMethod<&Consumer::Subscribe>("subscribe"),
                          JsMethod<&Consumer::Unsubscribe>("unsubscribe"),
                          JsMethod<&Consumer::Assign>("assign"),
                          JsMethod<&Consumer::Unassign>("unassign"),
                          JsMethod<&Consumer::IncrementalAssign>("incrementalAssign"),
                          JsMethod<&Consumer::IncrementalUnassign>("incrementalUnassign"),
                          JsMethod<&Consumer::Assignment>("assignment"),
                          JsMethod<&Consumer::Commit>("commit"),
                          JsMethod<&Consumer::StoreOffsets>("storeOffsets"),
                          JsMethod<&Consumer::Committed>("committed"),
                          JsMethod<&Consumer::Position>("position"),
                          JsMethod<&Consumer::Seek>("seek"),
                          JsMethod<&Consumer::Pause>("pause"),
                          JsMethod<&Consumer::Resume>("resume"),
                          JsMethod<&Consumer::QueryWatermarks>("queryWatermarks"),
                          JsMethod<&Consumer::OffsetsForTimes>("offsetsForTimes"),
                          JsMethod<&Consumer::RebalanceDone>("rebalanceDone"),
                          JsMethod<&Consumer::SetFlow>("setFlow"),
                          JsMethod<&Consumer::WantMessages>("wantMessages"),
                          JsMethod<&Consumer::SetLimits>("setLimits"),
                          JsMethod<&Consumer::Close>("close"),
                          JsMethod<&Consumer::GroupMetadata>("groupMetadata"),
                      },
                      true);
}

// new NativeConsumer(config: Record<string,string>, onBatch, { oauthbearer?, keepAlive?,
//                    rebalanceTimeoutMs? })
Consumer::Consumer(const Napi::CallbackInfo& info) : ClientWrap(info) {
  Construct(info, [&] {
    CreatePump(info, info[0].IsObject());
    napi_type_tag_object(info.Env(), info.This(), &kConsumerTag);
    if (info.Length() > 2 && info[2].IsObject()) {
      Napi::Object options = info[2].As<Napi::Object>();
      ctx_.keepAlive = options.Get("keepAlive").ToBoolean();
      Napi::Value ms = options.Get("rebalanceTimeoutMs");
      if (ms.IsNumber()) ctx_.rebalanceTimeoutMs = std::max(1, ms.As<Napi::Number>().Int32Value());
    }
    rd_kafka_conf_t* conf = NewConf(info);
    rd_kafka_conf_set_rebalance_cb(conf, OnRebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, OnCommit);
    if (!(info.Length() > 2 && info[2].IsObject() && info[2].As<Napi::Object>().Get("rebalanceTimeoutMs").IsNumber())) {
      // The group waits this long for a member's rebalance (classic and KIP-848 groups alike).
      char value[64];
      size_t size = sizeof value;
      if (rd_kafka_conf_get(conf, "max.poll.interval.ms", value, &size) == RD_KAFKA_CONF_OK) {
        ctx_.rebalanceTimeoutMs = std::max(1, std::atoi(value));
      }
    }
    OpenHandle(info, RD_KAFKA_CONSUMER, conf);
    ctx_.incrementalRebalance = UsesCooperativeProtocol(rd_kafka_conf(ctx_.rk));
    // One queue for everything: messages, rebalances, commits, logs, errors, statistics.
    // Without group.id librdkafka makes no consumer group and so no consumer queue; the JS
    // layer refuses such a configuration first, this keeps any other caller from crashing.
    rd_kafka_resp_err_t err = rd_kafka_poll_set_consumer(ctx_.rk);
    ctx_.queue = err ? nullptr : rd_kafka_queue_get_consumer(ctx_.rk);
    if (!ctx_.queue) {
      rd_kafka_destroy(ctx_.rk);
      ctx_.rk = nullptr;
      ErrorInfo::From(err ? err : RD_KAFKA_RESP_ERR__UNKNOWN_GROUP, "a consumer needs group.id").Throw(info.Env());
    }
    rd_kafka_queue_cb_event_enable(ctx_.queue, Pump::OnQueueEvent, ctx_.pump.get());
    ctx_.scratch.resize(kMaxBatch);
    ctx_.pump->SetServeWhileStalled(ctx_.keepAlive);
    ConsumerContext* c = &ctx_;
    ctx_.pump->Start([c](size_t room, bool flowing) { return Serve(c, room, flowing); }, [c] { Shutdown(c); });
  });
}

bool Consumer::Is(Napi::Env env, Napi::Value value) {
  bool tagged = false;
  return value.IsObject() && napi_check_object_type_tag(env, value, &kConsumerTag, &tagged) == napi_ok && tagged;
}

// Keep-alive mode: how long JS may hold the flow off before fetching is paused. Pausing
// costs what librdkafka prefetched (a pause bumps the partitions' fetch version: queued
// messages are dropped, and a resume fetches them again, waiting up to fetch.wait.max.ms),
// so a short stall (a GC pause, a slow handler) only stops pulling: librdkafka's own
// prefetch bounds (queued.min.messages, queued.max.messages.kbytes) hold memory meanwhile.
// A longer one pauses, so that rebalances and commit results queued behind the messages
// are served.
constexpr auto kPauseFlowAfter = std::chrono::milliseconds(1000);

bool Consumer::Serve(ConsumerContext* c, size_t room, bool flowing) {
  if (flowing) {
    c->flowOffSince.reset();
    if (c->flowPaused) ResumeForFlow(c);
    size_t want = std::min(room, kMaxBatch);
    ssize_t n = rd_kafka_consume_batch_queue(c->queue, 0, c->scratch.data(), want);
    if (n <= 0) return false;
    c->pump->PushMessages(c->scratch.data(), static_cast<size_t>(n));
    return static_cast<size_t>(n) == want;
  }
  // JS takes no messages: the pump calls only in keep-alive mode (see Pump::WantServeLocked).
  if (!c->flowPaused) {
    auto now = std::chrono::steady_clock::now();
    if (!c->flowOffSince) c->flowOffSince = now;
    if (now - *c->flowOffSince < kPauseFlowAfter) {
      // Stop pulling, and count as a poll (max.poll.interval.ms). The pump serves again
      // within a second while the flow is off, which pauses once the stall lasts.
      rd_kafka_consume_batch_queue(c->queue, 0, c->scratch.data(), 0);
      return false;
    }
    c->flowOffSince.reset();
    PauseForFlow(c);
  }
  // Serves rebalances, commits and token refreshes; paused partitions yield nothing but a
  // straggler fetched before the pause (in order), within the hand-off's bound.
  size_t want = std::min(room, kMaxBatch);
  ssize_t n = rd_kafka_consume_batch_queue(c->queue, 0, c->scratch.data(), want);
  if (n > 0) c->pump->PushMessages(c->scratch.data(), static_cast<size_t>(n));
  return false;
}

rd_kafka_topic_partition_list_t* Consumer::FlowPartitions(ConsumerContext* c) {
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(c->rk, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR || !assigned) return nullptr;
  rd_kafka_topic_partition_list_t* out = rd_kafka_topic_partition_list_new(assigned->cnt);
  for (int i = 0; i < assigned->cnt; i++) {
    const rd_kafka_topic_partition_t& p = assigned->elems[i];
    if (!c->userPaused.count({p.topic, p.partition})) rd_kafka_topic_partition_list_add(out, p.topic, p.partition);
  }
  rd_kafka_topic_partition_list_destroy(assigned);
  return out;
}

void Consumer::PauseForFlow(ConsumerContext* c) {
  c->flowPaused = true;
  if (rd_kafka_topic_partition_list_t* list = FlowPartitions(c)) {
    rd_kafka_pause_partitions(c->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
  }
}

void Consumer::ResumeForFlow(ConsumerContext* c) {
  c->flowPaused = false;
  if (rd_kafka_topic_partition_list_t* list = FlowPartitions(c)) {
    rd_kafka_resume_partitions(c->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
  }
}

namespace {
JsMaker ErrorEvent(ErrorInfo e) {
  return [e](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", "error");
    o.Set("error", e.ToJs(env));
    return o;
  };
}

// Completes a rebalance for librdkafka: without it the group waits for this member.
ErrorInfo CompleteRebalance(ConsumerContext* c, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_t* rk = c->rk;
  bool cooperative = c->incrementalRebalance;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    ErrorInfo e = cooperative ? ErrorInfo::Take(rd_kafka_incremental_assign(rk, partitions))
                              : ErrorInfo::From(rd_kafka_assign(rk, partitions));
    // JS wants no messages right now: new partitions start paused like the others.
    if (e.ok() && c->flowPaused) rd_kafka_pause_partitions(rk, partitions);
    return e;
  }
  return cooperative ? ErrorInfo::Take(rd_kafka_incremental_unassign(rk, partitions))
                     : ErrorInfo::From(rd_kafka_assign(rk, nullptr));
}

// The group gate's verdict for an operation sent to the group (caller holds groupMu).
ErrorInfo GroupRefusalLocked(const ConsumerContext* c, const char* what) {
  if (c->leavingGroup && !c->closeHooksRunning) {
    return ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, std::string(what) + " not sent: the consumer is leaving its group (close() began)");
  }
  return ErrorInfo::None();
}

// Opens the group gate (ConsumerContext::groupMu) for the hooks of a rebalance served while
// the consumer leaves its group, until Close() or the end of the scope.
class HooksWindow {
 public:
  explicit HooksWindow(ConsumerContext* c) : c_(c) {
    std::lock_guard<std::mutex> lock(c_->groupMu);
    open_ = c_->leavingGroup;
    if (open_) c_->closeHooksRunning = true;
  }
  ~HooksWindow() { Close(); }
  HooksWindow(const HooksWindow&) = delete;
  HooksWindow& operator=(const HooksWindow&) = delete;
  void Close() {
    if (!open_) return;
    std::lock_guard<std::mutex> lock(c_->groupMu);
    c_->closeHooksRunning = false;
    open_ = false;
  }

 private:
  ConsumerContext* c_;
  bool open_ = false;
};
}  // namespace

void Consumer::OnRebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque) noexcept {
  auto* c = static_cast<ConsumerContext*>(static_cast<ClientContext*>(opaque));
  try {
    Rebalance(c, err, partitions);
  } catch (...) {
    // Out of memory on the way to JS: the rebalance must still complete for the group.
    try {
      if (!rd_kafka_consumer_closed(c->rk)) CompleteRebalance(c, err, partitions);
    } catch (...) {
    }
  }
}

void Consumer::Rebalance(ConsumerContext* c, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_t* rk = c->rk;
  // A rebalance still queued when close() had already ended the group: librdkafka then drops
  // every request to the group without an answer, so rd_kafka_rebalance_protocol() and the
  // assign calls below would wait forever, and close() with them (found by the lifecycle
  // fuzz). There is no group left to rebalance.
  if (rd_kafka_consumer_closed(rk)) return;
  // An orphaned teardown (the close's deadline passed) completes rebalances without JS:
  // nobody waits for hooks any more.
  if (!c->pump->orphaned()) {
    // From the configuration, not rd_kafka_rebalance_protocol(): one group request less.
    std::string proto = c->incrementalRebalance ? "COOPERATIVE" : "EAGER";
    std::string kind = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assign"
                       : rd_kafka_assignment_lost(rk)              ? "lost"
                                                                   : "revoke";
    uint64_t token = ++c->rebalanceSeq;
    Partitions list = CopyPartitions(partitions);
    // The close's revoke: its hooks may commit (the group waits for our assign call below).
    HooksWindow window(c);
    int timeoutMs = c->rebalanceTimeoutMs;
    c->pump->PushEvent([token, list, proto, kind, timeoutMs](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", "rebalance");
      o.Set("kind", kind);
      o.Set("protocol", proto);
      o.Set("token", static_cast<double>(token));
      o.Set("timeoutMs", timeoutMs);
      o.Set("partitions", PartitionsToJs(env, list));
      return o;
    }, true);
    // librdkafka waits for the application's hooks: the revoke completes, and no message of
    // a revoked partition is fetched, only after JS says the hooks are done, or after the
    // rebalance timeout, when the group would go on without this member anyway.
    auto deadline = Pump::Clock::now() + std::chrono::milliseconds(timeoutMs);
    if (!c->pump->WaitForJs(token, deadline) && Pump::Clock::now() >= deadline) {
      c->pump->PushEvent([token, kind, timeoutMs](Napi::Env env) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", "rebalance-timeout");
        o.Set("kind", kind);
        o.Set("token", static_cast<double>(token));
        o.Set("timeoutMs", timeoutMs);
        return o;
      });
    }
    if (rd_kafka_consumer_closed(rk)) return;  // ended while the hooks ran (see above)
    window.Close();  // before the assign call: a commit sent by a hook stays ahead of it
  }
  ErrorInfo e = CompleteRebalance(c, err, partitions);
  if (!e.ok()) c->pump->PushEvent(ErrorEvent(e));
}

void Consumer::OnCommit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                        void* opaque) noexcept {
  auto* c = static_cast<ClientContext*>(opaque);
  try {
    ErrorInfo e = ErrorInfo::From(err);
    Partitions list = CopyPartitions(offsets);
    c->pump->PushEvent([e, list](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", "commit");
      if (!e.ok() && e.code != RD_KAFKA_RESP_ERR__NO_OFFSET) o.Set("error", e.ToJs(env));
      o.Set("offsets", PartitionsToJs(env, list));
      return o;
    });
  } catch (...) {
    // Out of memory: the commit event is lost; the commit itself is librdkafka's.
  }
}

void Consumer::Shutdown(ConsumerContext* c) {
  // What the application asked before close() (a commit, a committed-offsets query) is done
  // before the group is left, within the close's deadline.
  c->pump->DrainTasks();
  // Leaves the group; the revoke hook runs (and is waited for) on this thread, until the
  // close's deadline.
  if (!LeaveGroup(c)) {
    // Still closing at the deadline: librdkafka waits, for instance, for a commit to a group
    // coordinator that does not answer, up to session.timeout.ms. close() resolves now and
    // the rest goes on in the background (only the context is used from here on).
    c->pump->Orphan();
    // Not LeaveGroup again (the close is under way): serve until librdkafka says it is done,
    // which it bounds itself (session.timeout.ms for a commit waiting for a coordinator).
    std::vector<rd_kafka_message_t*> msgs(512);
    while (!rd_kafka_consumer_closed(c->rk)) {
      ssize_t n = rd_kafka_consume_batch_queue(c->queue, 200, msgs.data(), msgs.size());
      for (ssize_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[static_cast<size_t>(i)]);
    }
  }
  // A commit or query still running on the task thread ends before the handle goes.
  c->pump->FinishTasks();
  rd_kafka_queue_cb_event_enable(c->queue, nullptr, nullptr);
  // Messages still alive hold references into the handle: release them first.
  c->pump->ReleaseMessages();
  rd_kafka_queue_destroy(c->queue);
  rd_kafka_destroy(c->rk);
}

bool Consumer::LeaveGroup(ConsumerContext* c) {
  // The asynchronous close: its rebalance and the group's reply arrive on our queue, served
  // here with callbacks (as rd_kafka_consumer_close would), so the wait can have a deadline.
  {
    std::lock_guard<std::mutex> lock(c->groupMu);
    c->leavingGroup = true;
  }
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(c->rk, c->queue)) {
    // Already closed, or a fatal error: nothing to leave (destroy handles a fatal state).
    rd_kafka_error_destroy(error);
    return true;
  }
  std::vector<rd_kafka_message_t*> msgs(512);
  while (!rd_kafka_consumer_closed(c->rk)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(c->pump->CloseDeadline() - Pump::Clock::now()).count();
    if (left <= 0) return false;
    int waitMs = static_cast<int>(std::min<long long>(left, 100));
    // Messages still arriving are not handed to JS any more (it stopped reading at close()).
    ssize_t n = rd_kafka_consume_batch_queue(c->queue, waitMs, msgs.data(), msgs.size());
    for (ssize_t i = 0; i < n; i++) rd_kafka_message_destroy(msgs[static_cast<size_t>(i)]);
  }
  return true;
}

Napi::Value Consumer::ListTask(const Napi::CallbackInfo& info, bool required, ListFn fn) {
  bool given = info.Length() > 0 && info[0].IsArray();
  ListPtr list = given || required ? Own(PartitionsFromJs(info.Env(), info[0])) : ListPtr();
  rd_kafka_t* rk = ctx_.rk;
  return ctx_.pump->RunTask(info.Env(), [rk, list, fn]() -> TaskOutcome { return {fn(rk, list.get()), {}}; });
}

// subscribe(topics: string[]) — names starting with ^ are regular expressions.
Napi::Value Consumer::Subscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() > 0 && info[0].IsArray(), "subscribe(topics: string[])");
  Napi::Array topics = info[0].As<Napi::Array>();
  ListPtr list = Own(rd_kafka_topic_partition_list_new(static_cast<int>(topics.Length())));
  for (uint32_t i = 0; i < topics.Length(); i++) {
    RequireArg(env, topics.Get(i).IsString(), "topics must be strings");
    rd_kafka_topic_partition_list_add(list.get(), topics.Get(i).As<Napi::String>().Utf8Value().c_str(),
                                      RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_t* rk = ctx_.rk;
  return ctx_.pump->RunTask(env, [rk, list]() -> TaskOutcome {
    return {ErrorInfo::From(rd_kafka_subscribe(rk, list.get())), {}};
  });
}

Napi::Value Consumer::Unsubscribe(const Napi::CallbackInfo& info) {
  rd_kafka_t* rk = ctx_.rk;
  return ctx_.pump->RunTask(info.Env(), [rk]() -> TaskOutcome {
    return {ErrorInfo::From(rd_kafka_unsubscribe(rk)), {}};
  });
}

Napi::Value Consumer::Assign(const Napi::CallbackInfo& info) {
  return ListTask(info, true, [](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* l) {
    return ErrorInfo::From(rd_kafka_assign(rk, l));
  });
}

Napi::Value Consumer::Unassign(const Napi::CallbackInfo& info) {
  rd_kafka_t* rk = ctx_.rk;
  Pump* pump = ctx_.pump.get();
  return ctx_.pump->RunTask(info.Env(), [rk, pump]() -> TaskOutcome {
    ErrorInfo e = ErrorInfo::From(rd_kafka_assign(rk, nullptr));
    pump->PushEvent(DroppedMarker(nullptr), true);
    return {e, {}};
  });
}

Napi::Value Consumer::IncrementalAssign(const Napi::CallbackInfo& info) {
  return ListTask(info, true, [](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* l) {
    return ErrorInfo::Take(rd_kafka_incremental_assign(rk, l));
  });
}

Napi::Value Consumer::IncrementalUnassign(const Napi::CallbackInfo& info) {
  Pump* pump = ctx_.pump.get();
  return ListTask(info, true, [pump](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* l) {
    ErrorInfo e = ErrorInfo::Take(rd_kafka_incremental_unassign(rk, l));
    pump->PushEvent(DroppedMarker(l), true);
    return e;
  });
}

Napi::Value Consumer::Assignment(const Napi::CallbackInfo& info) {
  rd_kafka_t* rk = ctx_.rk;
  return ctx_.pump->RunTask(info.Env(), [rk]() -> TaskOutcome {
    rd_kafka_topic_partition_list_t* list = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_assignment(rk, &list);
    ListPtr owned = list ? Own(list) : ListPtr();
    return {ErrorInfo::From(err), PartitionsMaker(owned.get())};
  });
}

// commit(offsets | null, async): a synchronous commit waits for the broker on the task
// thread; an asynchronous one returns once it is sent (its result is a `commit` event).
// null commits the stored offsets.
Napi::Value Consumer::Commit(const Napi::CallbackInfo& info) {
  ListPtr list = info.Length() > 0 && info[0].IsArray() ? Own(PartitionsFromJs(info.Env(), info[0])) : ListPtr();
  int async = info.Length() > 1 && info[1].ToBoolean() ? 1 : 0;
  int timeout = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 30000;
  ConsumerContext* c = &ctx_;
  return ctx_.pump->RunTask(
      info.Env(),
      [c, list, async, timeout]() -> TaskOutcome {
        ErrorInfo e = async ? SendToGroup(c, "commit",
                                          [&] { return ErrorInfo::From(rd_kafka_commit(c->rk, list.get(), 1)); })
                            : CommitAndWait(c, list.get(), timeout);
        if (e.code == RD_KAFKA_RESP_ERR__NO_OFFSET) e = ErrorInfo::None();  // nothing to commit
        return {e, list ? PartitionsMaker(list.get()) : JsMaker()};
      },
      async ? TaskKind::kQuick : TaskKind::kLong);
}

// A synchronous commit with a deadline. rd_kafka_commit(async=0) waits without limit (for a
// group coordinator that may never come back), which would hold this client's thread and
// with it close() and a terminating worker's exit. The commit goes through a queue of our
// own instead, polled until its result arrives, the deadline passes or the environment goes
// away; the result of an abandoned commit is dropped with the queue. (librdkafka still
// finishes the abandoned commit in the background; closing the client waits for that.)
ErrorInfo Consumer::SendToGroup(ConsumerContext* c, const char* what, const std::function<ErrorInfo()>& send) {
  std::lock_guard<std::mutex> lock(c->groupMu);
  ErrorInfo refused = GroupRefusalLocked(c, what);
  return refused.ok() ? send() : refused;
}

ErrorInfo Consumer::CommitAndWait(ConsumerContext* c, const rd_kafka_topic_partition_list_t* offsets, int timeoutMs) {
  Pump* pump = c->pump.get();
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(rd_kafka_queue_new(c->rk), rd_kafka_queue_destroy);
  ErrorInfo sent = SendToGroup(c, "commit", [&] {
    return ErrorInfo::From(rd_kafka_commit_queue(c->rk, offsets, queue.get(), nullptr, nullptr));
  });
  if (!sent.ok()) return sent;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    if (pump->jsGone()) return ErrorInfo::From(RD_KAFKA_RESP_ERR__DESTROY, "commit abandoned: the environment is shutting down");
    // close() is waiting behind this task: its deadline bounds the commit too.
    if (Pump::Clock::now() >= pump->CloseDeadline()) {
      return ErrorInfo::From(RD_KAFKA_RESP_ERR__DESTROY, "commit abandoned: close() reached its deadline first");
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      return ErrorInfo::From(RD_KAFKA_RESP_ERR__TIMED_OUT, "commit not confirmed within " + std::to_string(timeoutMs) +
                                                               " ms (no answer from the group coordinator); it may still take effect");
    }
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue.get(), static_cast<int>(std::min<long long>(left, 100)));
    if (!ev) continue;
    std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> owned(ev, rd_kafka_event_destroy);
    if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) return ErrorInfo::From(rd_kafka_event_error(ev));
  }
}

// storeOffsets(offsets): local, non-blocking (an offset store for the next commit).
Napi::Value Consumer::StoreOffsets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (ctx_.pump->stopping()) ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, "consumer is closed").Throw(env);
  ListPtr list = Own(PartitionsFromJs(env, info[0]));
  rd_kafka_resp_err_t err = rd_kafka_offsets_store(ctx_.rk, list.get());
  if (err) ErrorInfo::From(err).Throw(env);
  return env.Undefined();
}

Napi::Value Consumer::Committed(const Napi::CallbackInfo& info) {
  ListPtr list = Own(PartitionsFromJs(info.Env(), info[0]));
  int timeout = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 10000;
  ConsumerContext* c = &ctx_;
  return ctx_.pump->RunTask(
      info.Env(),
      [c, list, timeout]() -> TaskOutcome {
        // Through the gate, but not sent under its lock (the call blocks): a query that lands
        // after the group ended waits for its timeout, which close()'s deadline bounds.
        ErrorInfo refused;
        {
          std::lock_guard<std::mutex> lock(c->groupMu);
          refused = GroupRefusalLocked(c, "committed offsets query");
        }
        if (!refused.ok()) return {refused, {}};
        rd_kafka_resp_err_t err = rd_kafka_committed(c->rk, list.get(), timeout);
        return {ErrorInfo::From(err), PartitionsMaker(list.get())};
      },
      TaskKind::kLong);
}

Napi::Value Consumer::Position(const Napi::CallbackInfo& info) {
  ListPtr list = Own(PartitionsFromJs(info.Env(), info[0]));
  rd_kafka_t* rk = ctx_.rk;
  return ctx_.pump->RunTask(info.Env(), [rk, list]() -> TaskOutcome {
    rd_kafka_resp_err_t err = rd_kafka_position(rk, list.get());
    return {ErrorInfo::From(err), PartitionsMaker(list.get())};
  });
}

// seek(partitions with offsets): works at any time for assigned partitions. Messages of
// those partitions fetched before the seek are dropped: a marker event placed in the
// message stream right after the seek tells JS where the old messages end.
Napi::Value Consumer::Seek(const Napi::CallbackInfo& info) {
  ListPtr list = Own(PartitionsFromJs(info.Env(), info[0]));
  rd_kafka_t* rk = ctx_.rk;
  Pump* pump = ctx_.pump.get();
  return ctx_.pump->RunTask(info.Env(), [rk, list, pump]() -> TaskOutcome {
    // Timeout 0: the seek is handed to the fetchers; _IN_PROGRESS means just that.
    ErrorInfo e = ErrorInfo::Take(rd_kafka_seek_partitions(rk, list.get(), 0));
    for (int i = 0; e.ok() && i < list->cnt; i++) {
      if (list->elems[i].err && list->elems[i].err != RD_KAFKA_RESP_ERR__IN_PROGRESS) e = ErrorInfo::From(list->elems[i].err);
    }
    if (e.ok()) pump->PushEvent(DroppedMarker(list.get()), true);
    return {e, {}};
  });
}

Napi::Value Consumer::Pause(const Napi::CallbackInfo& info) {
  ConsumerContext* c = &ctx_;
  return ListTask(info, true, [c](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* l) {
    for (int i = 0; i < l->cnt; i++) c->userPaused.insert({l->elems[i].topic, l->elems[i].partition});
    return ErrorInfo::From(rd_kafka_pause_partitions(rk, l));
  });
}

Napi::Value Consumer::Resume(const Napi::CallbackInfo& info) {
  ConsumerContext* c = &ctx_;
  return ListTask(info, true, [c](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* l) {
    for (int i = 0; i < l->cnt; i++) c->userPaused.erase({l->elems[i].topic, l->elems[i].partition});
    // While the flow is off they stay paused; the flow resumes them with the others.
    if (c->flowPaused) return ErrorInfo::None();
    return ErrorInfo::From(rd_kafka_resume_partitions(rk, l));
  });
}

// queryWatermarks(topic, partition, timeoutMs) -> { low, high } from the broker.
Napi::Value Consumer::QueryWatermarks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() >= 2 && info[0].IsString() && info[1].IsNumber(),
             "queryWatermarks(topic, partition, timeoutMs)");
  std::string topic = info[0].As<Napi::String>();
  int32_t partition = info[1].As<Napi::Number>().Int32Value();
  int timeout = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 10000;
  rd_kafka_t* rk = ctx_.rk;
  return ctx_.pump->RunTask(env, [rk, topic, partition, timeout]() -> TaskOutcome {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high, timeout);
    return {ErrorInfo::From(err), [low, high](Napi::Env env) -> Napi::Value {
              Napi::Object o = Napi::Object::New(env);
              o.Set("low", Napi::BigInt::New(env, low));
              o.Set("high", Napi::BigInt::New(env, high));
              return o;
            }};
  }, TaskKind::kLong);
}

// offsetsForTimes(partitions with offset = timestamp ms, timeoutMs)
Napi::Value Consumer::OffsetsForTimes(const Napi::CallbackInfo& info) {
  ListPtr list = Own(PartitionsFromJs(info.Env(), info[0]));
  int timeout = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 10000;
  rd_kafka_t* rk = ctx_.rk;
  return ctx_.pump->RunTask(
      info.Env(),
      [rk, list, timeout]() -> TaskOutcome {
        rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list.get(), timeout);
        return {ErrorInfo::From(err), PartitionsMaker(list.get())};
      },
      TaskKind::kLong);
}

Napi::Value Consumer::RebalanceDone(const Napi::CallbackInfo& info) {
  RequireArg(info.Env(), info.Length() > 0 && info[0].IsNumber(), "rebalanceDone(token)");
  ctx_.pump->Resume(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

Napi::Value Consumer::SetFlow(const Napi::CallbackInfo& info) {
  ctx_.pump->SetFlow(info.Length() > 0 && info[0].ToBoolean());
  return info.Env().Undefined();
}

// wantMessages(): JS took every message handed over; the next ones may come.
Napi::Value Consumer::WantMessages(const Napi::CallbackInfo& info) {
  ctx_.pump->WantMessages();
  return info.Env().Undefined();
}

// setLimits(maxMessages, maxBytes): the bound on messages handed over but not yet taken.
Napi::Value Consumer::SetLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() >= 2 && info[0].IsNumber() && info[1].IsNumber(), "setLimits(maxMessages, maxBytes)");
  Pump::Limits limits;
  limits.maxMessages = std::max<int64_t>(1, info[0].As<Napi::Number>().Int64Value());
  limits.maxBytes = std::max<int64_t>(1, info[1].As<Napi::Number>().Int64Value());
  ctx_.pump->SetLimits(limits);
  return env.Undefined();
}

// close(timeoutMs?) -> { timedOut }: see Pump::Stop.
Napi::Value Consumer::Close(const Napi::CallbackInfo& info) {
  int timeout = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  return ctx_.pump->Stop(info.Env(), timeout);
}

// groupMetadata(): { memberId, generationId } of the group membership as librdkafka holds it
// (read under its lock, nothing sent): '' and -1 before the first join, after leaving, and
// once closing. generationId is the member epoch in a KIP-848 group.
Napi::Value Consumer::GroupMetadata(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string member;
  int32_t generation = -1;
  if (!ctx_.pump->stopping()) {
    std::unique_ptr<char, std::function<void(char*)>> id(rd_kafka_memberid(ctx_.rk),
                                                        [rk = ctx_.rk](char* p) { rd_kafka_mem_free(rk, p); });
    if (id) member = id.get();
    std::unique_ptr<rd_kafka_consumer_group_metadata_t, decltype(&rd_kafka_consumer_group_metadata_destroy)> meta(
        rd_kafka_consumer_group_metadata(ctx_.rk), rd_kafka_consumer_group_metadata_destroy);
    if (meta) generation = rd_kafka_consumer_group_metadata_generation_id(meta.get());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("memberId", Napi::String::New(env, member));
  out.Set("generationId", Napi::Number::New(env, generation));
  return out;
}

}  // namespace octokafka
