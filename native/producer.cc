#include "producer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "config.h"
#include "consumer.h"
#include "produce_args.h"
#include "producer_arena.h"

namespace octokafka {

namespace {
// Delivery reports are handed over in chunks of at most this many even in the middle
// of a long flush, so that promises settle while the flush is still waiting.
constexpr size_t kReportChunk = 4096;
}  // namespace

Napi::Function Producer::Init(Napi::Env env) {
  return DefineClient(env,
                      {
                          JsMethod<&Producer::Produce>("produce"),
                          JsMethod<&Producer::ProduceBatch>("produceBatch"),
                          JsMethod<&Producer::ProduceArena>("produceArena"),
                          JsMethod<&Producer::Flush>("flush"),
                          JsMethod<&Producer::InitTransactions>("initTransactions"),
                          JsMethod<&Producer::BeginTransaction>("beginTransaction"),
                          JsMethod<&Producer::SendOffsetsToTransaction>("sendOffsetsToTransaction"),
                          JsMethod<&Producer::CommitTransaction>("commitTransaction"),
                          JsMethod<&Producer::AbortTransaction>("abortTransaction"),
                          JsMethod<&Producer::OutQueueLength>("outQueueLength"),
                          JsMethod<&Producer::PurgeQueued>("purgeQueued"),
                          JsMethod<&Producer::Close>("close"),
                      },
                      true);
}

// new NativeProducer(config: Record<string,string>, onBatch, { oauthbearer? })
Producer::Producer(const Napi::CallbackInfo& info) : ClientWrap(info) {
  Construct(info, [&] {
    CreatePump(info, info[0].IsObject());
    rd_kafka_conf_t* conf = NewConf(info);
    rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
    OpenHandle(info, RD_KAFKA_PRODUCER, conf);
    WakePumpFromMainQueue(&ctx_, true);
    ProducerContext* c = &ctx_;
    ctx_.pump->Start([c](size_t, bool) { return Serve(c); }, [c] { Shutdown(c); });
  });
}

namespace {
// The context whose queue this thread is serving under its serveMu (see OnDelivery).
thread_local ProducerContext* tlsServing = nullptr;

// Serves librdkafka's queue under serveMu; the delivery reports it yields go to JS.
void ServeQueue(ProducerContext* c, int flushMs, bool wake) {
  std::lock_guard<std::mutex> lock(c->serveMu);
  tlsServing = c;
  if (flushMs >= 0) {
    // Also tells librdkafka to send lingering batches now (its "flushing" state).
    rd_kafka_flush(c->rk, flushMs);
  } else {
    rd_kafka_poll(c->rk, 0);
  }
  tlsServing = nullptr;
  c->pump->PushDeliveries(c->reports, wake);
}

// Waits until every message is delivered or failed, `deadline` or the close deadline
// passes, or the environment goes away; returns the messages left. Serves the queue in
// short slices, so that delivery reports reach JS while it waits (the pump thread serves
// too, between the slices).
int FlushUntil(ProducerContext* c, Pump::Clock::time_point deadline) {
  constexpr int kSliceMs = 10;
  for (;;) {
    auto now = Pump::Clock::now();
    auto until = std::min(deadline, c->pump->CloseDeadline());
    int slice = 0;
    if (until > now) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
      slice = static_cast<int>(std::min<long long>(std::max<long long>(ms, 1), kSliceMs));
    }
    ServeQueue(c, slice, true);
    int left = rd_kafka_outq_len(c->rk);
    if (left == 0 || slice == 0 || c->pump->jsGone()) return left;
  }
}

Pump::Clock::time_point DeadlineIn(int timeoutMs) {
  return timeoutMs < 0 ? Pump::Clock::time_point::max() : Pump::Clock::now() + std::chrono::milliseconds(timeoutMs);
}
}  // namespace

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) noexcept {
  auto* c = static_cast<ProducerContext*>(static_cast<ClientContext*>(opaque));
  try {
    Delivery d;
    d.id = DeliveredId(msg->_private, *c->pump);
    d.partition = msg->partition;
    d.err = msg->err;
    d.offset = msg->offset;
    rd_kafka_timestamp_type_t type;
    d.timestamp = rd_kafka_message_timestamp(msg, &type);
    d.status = rd_kafka_message_status(msg);
    if (tlsServing == c) {
      c->reports.push_back(d);
      // Handed over in chunks even in the middle of a long serve.
      if (c->reports.size() >= kReportChunk) c->pump->PushDeliveries(c->reports, true);
    } else {
      // Served inside a librdkafka call that flushes by itself (a transaction's commit or
      // abort) on the task thread, possibly beside the pump thread: one at a time.
      c->pump->PushDeliveryAndWake(d);
    }
  } catch (...) {
    // Allocation failure: the report cannot be recorded; the send settles at close (purge).
  }
}

bool Producer::Serve(ProducerContext* c) {
  ServeQueue(c, -1, false);
  return false;
}

void Producer::Shutdown(ProducerContext* c) {
  WakePumpFromMainQueue(c, false);
  // A flush or a transaction call in progress ends first (bounded by the close deadline).
  c->pump->FinishTasks();
  // Deliver what can be delivered within close()'s flush timeout and the close deadline;
  // whatever is left then fails with _PURGE_QUEUE / _PURGE_INFLIGHT so that every send
  // settles.
  FlushUntil(c, DeadlineIn(c->closeFlushMs.load()));
  rd_kafka_purge(c->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  ServeQueue(c, -1, true);
  for (auto& [name, rkt] : c->topics) rd_kafka_topic_destroy(rkt);
  c->topics.clear();
  rd_kafka_destroy(c->rk);  // rk is left as is: JS-thread code reads it unsynchronized until it sees the close
}

rd_kafka_topic_t* Producer::Topic(const std::string& name) {
  auto it = ctx_.topics.find(name);
  if (it != ctx_.topics.end()) return it->second;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(ctx_.rk, name.c_str(), nullptr);
  if (rkt) ctx_.topics.emplace(name, rkt);
  return rkt;
}

int Producer::ProduceOne(rd_kafka_topic_t* rkt, Napi::Value partition, Napi::Value key, Napi::Value value,
                         Napi::Value headers, Napi::Value timestamp, double id, uint32_t index) {
  Napi::Env env = Env();
  Bytes k, v;
  if (!ReadBytes(key, k)) FieldError(env, index, "key must be a Buffer, Uint8Array, string or null");
  if (!ReadBytes(value, v)) FieldError(env, index, "value must be a Buffer, Uint8Array, string or null");
  int32_t part = RD_KAFKA_PARTITION_UA;
  if (partition.IsNumber()) {
    double d = partition.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= INT32_MAX && d == static_cast<int32_t>(d))) {
      FieldError(env, index, "partition must be a non-negative integer");
    }
    part = static_cast<int32_t>(d);
  } else if (!partition.IsUndefined() && !partition.IsNull()) {
    FieldError(env, index, "partition must be a non-negative integer");
  }
  int64_t ts = 0;
  if (timestamp.IsNumber()) {
    ts = timestamp.As<Napi::Number>().Int64Value();
  } else if (!timestamp.IsUndefined() && !timestamp.IsNull()) {
    FieldError(env, index, "timestamp must be a number (ms since the epoch)");
  }

  rd_kafka_headers_t* hdrs = HeadersFromJs(env, headers, index);
  // RD_KAFKA_MSG_F_COPY: the payload is copied once, into librdkafka's buffer.
  rd_kafka_resp_err_t err = rd_kafka_producev(
      ctx_.rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(k.present ? k.data : nullptr, k.size),
      RD_KAFKA_V_VALUE(v.present ? const_cast<void*>(v.data) : nullptr, v.size), RD_KAFKA_V_TIMESTAMP(ts),
      RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(TagId(id)), RD_KAFKA_V_END);
  // On failure librdkafka did not take the headers.
  if (err && hdrs) rd_kafka_headers_destroy(hdrs);
  return err;
}

// produce(topic, partition, key, value, headers, timestamp, id) -> error code or 0
// One message with positional fields: the cheapest call for a single send.
Napi::Value Producer::Produce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (ctx_.pump->stopping()) return Napi::Number::New(env, RD_KAFKA_RESP_ERR__STATE);
  RequireArg(env, info.Length() >= 7 && info[6].IsNumber(), "produce(topic, partition, key, value, headers, timestamp, id)");
  if (!info[0].IsString()) FieldError(env, kSingle, "topic must be a non-empty string");
  std::string name = info[0].As<Napi::String>();
  if (name.empty()) FieldError(env, kSingle, "topic must be a non-empty string");
  rd_kafka_topic_t* rkt = Topic(name);
  if (!rkt) return Napi::Number::New(env, rd_kafka_last_error());
  return Napi::Number::New(env, ProduceOne(rkt, info[1], info[2], info[3], info[4], info[5],
                                           info[6].As<Napi::Number>().DoubleValue(), kSingle));
}

// produceBatch(messages, from, to, firstId) -> [enqueued, error code or 0]
// Enqueues messages[from..to) — plain objects { topic, value, key?, partition?, headers?,
// timestamp? } — in one call, message i with id firstId + (i - from). Stops at the first
// librdkafka error (e.g. QUEUE_FULL: the caller waits for room and resumes). A malformed
// message throws a TypeError naming its index and field; `enqueuedBeforeError` on the
// error says how many messages before it were enqueued.
Napi::Value Producer::ProduceBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env,
             info.Length() >= 4 && info[0].IsArray() && info[1].IsNumber() && info[2].IsNumber() && info[3].IsNumber(),
             "produceBatch(messages, from, to, firstId)");
  Napi::Array result = Napi::Array::New(env, 2);
  if (ctx_.pump->stopping()) {
    result.Set(0u, 0);
    result.Set(1u, static_cast<int>(RD_KAFKA_RESP_ERR__STATE));
    return result;
  }
  Napi::Array messages = info[0].As<Napi::Array>();
  uint32_t from = info[1].As<Napi::Number>().Uint32Value();
  uint32_t to = std::min(info[2].As<Napi::Number>().Uint32Value(), messages.Length());
  double firstId = info[3].As<Napi::Number>().DoubleValue();
  // Property names, made once per batch (Node-API cannot keep references to strings).
  napi_value kTopic = Napi::String::New(env, "topic"), kValue = Napi::String::New(env, "value"),
             kKey = Napi::String::New(env, "key"), kPartition = Napi::String::New(env, "partition"),
             kHeaders = Napi::String::New(env, "headers"), kTimestamp = Napi::String::New(env, "timestamp");

  Napi::Value lastTopic;
  rd_kafka_topic_t* rkt = nullptr;
  uint32_t i = from;
  int err = 0;
  try {
    for (; i < to; i++) {
      Napi::Value item = messages.Get(i);
      if (!item.IsObject()) {
        throw Napi::TypeError::New(env, "messages[" + std::to_string(i) + "] must be an object with topic and value");
      }
      Napi::Object m = item.As<Napi::Object>();
      Napi::Value topic = m.Get(kTopic);
      // Messages of a batch usually share their topic: compare before looking it up.
      if (rkt == nullptr || !topic.StrictEquals(lastTopic)) {
        if (!topic.IsString()) FieldError(env, i, "topic must be a non-empty string");
        std::string name = topic.As<Napi::String>();
        if (name.empty()) FieldError(env, i, "topic must be a non-empty string");
        rkt = Topic(name);
        if (!rkt) {
          err = rd_kafka_last_error();
          break;
        }
        lastTopic = topic;
      }
      err = ProduceOne(rkt, m.Get(kPartition), m.Get(kKey), m.Get(kValue), m.Get(kHeaders), m.Get(kTimestamp),
                       firstId + (i - from), i);
      if (err) break;
    }
  } catch (Napi::Error& e) {
    e.Set("enqueuedBeforeError", Napi::Number::New(env, i - from));
    throw;
  }
  result.Set(0u, i - from);
  result.Set(1u, err);
  return result;
}

Napi::Value Producer::Flush(const Napi::CallbackInfo& info) {
  int timeout = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  ProducerContext* c = &ctx_;
  return ctx_.pump->RunTask(
      info.Env(),
      [c, timeout]() -> TaskOutcome {
        int left = FlushUntil(c, DeadlineIn(timeout));
        return {ErrorInfo::None(), [left](Napi::Env env) -> Napi::Value {
                  Napi::Object o = Napi::Object::New(env);
                  o.Set("remaining", left);
                  o.Set("timedOut", left > 0);
                  return o;
                }};
      },
      TaskKind::kLong);
}

Napi::Value Producer::TxnTask(Napi::Env env, std::function<rd_kafka_error_t*(rd_kafka_t*)> call, bool flushFirst,
                              int timeoutMs) {
  ProducerContext* c = &ctx_;
  return ctx_.pump->RunTask(
      env,
      [c, call, flushFirst, timeoutMs]() -> TaskOutcome {
        // Outstanding messages are delivered here first, with their reports handed over as
        // they come; the commit's own flush then finds nothing left to wait for.
        if (flushFirst) FlushUntil(c, DeadlineIn(timeoutMs));
        return {ErrorInfo::Take(call(c->rk)), {}};
      },
      TaskKind::kLong);
}

namespace {
int TimeoutArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : 30000;
}
}  // namespace

Napi::Value Producer::InitTransactions(const Napi::CallbackInfo& info) {
  int timeout = TimeoutArg(info, 0);
  return TxnTask(info.Env(), [timeout](rd_kafka_t* rk) { return rd_kafka_init_transactions(rk, timeout); });
}

Napi::Value Producer::BeginTransaction(const Napi::CallbackInfo& info) {
  return TxnTask(info.Env(), [](rd_kafka_t* rk) { return rd_kafka_begin_transaction(rk); });
}

// sendOffsetsToTransaction(offsets, nativeConsumer, timeoutMs): the consumer's offsets
// commit with the transaction (consume-transform-produce exactly once).
Napi::Value Producer::SendOffsetsToTransaction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() >= 2 && info[0].IsArray() && info[1].IsObject(),
             "sendOffsetsToTransaction(offsets, consumer, timeoutMs)");
  auto list = std::shared_ptr<rd_kafka_topic_partition_list_t>(PartitionsFromJs(env, info[0]),
                                                                rd_kafka_topic_partition_list_destroy);
  RequireArg(env, Consumer::Is(env, info[1]), "sendOffsetsToTransaction: consumer must be a KafkaConsumer");
  Consumer* consumer = Consumer::Unwrap(info[1].As<Napi::Object>());
  rd_kafka_t* crk = consumer ? consumer->HandleForTransactions() : nullptr;
  if (!crk) ErrorInfo::From(RD_KAFKA_RESP_ERR__STATE, "the consumer is closed").Throw(env);
  // The group metadata is a copy taken now: the consumer may close afterwards.
  auto meta = std::shared_ptr<rd_kafka_consumer_group_metadata_t>(rd_kafka_consumer_group_metadata(crk),
                                                                  rd_kafka_consumer_group_metadata_destroy);
  int timeout = TimeoutArg(info, 2);
  return TxnTask(env, [list, meta, timeout](rd_kafka_t* rk) {
    return rd_kafka_send_offsets_to_transaction(rk, list.get(), meta.get(), timeout);
  });
}

Napi::Value Producer::CommitTransaction(const Napi::CallbackInfo& info) {
  int timeout = TimeoutArg(info, 0);
  return TxnTask(info.Env(), [timeout](rd_kafka_t* rk) { return rd_kafka_commit_transaction(rk, timeout); }, true,
                 timeout);
}

Napi::Value Producer::AbortTransaction(const Napi::CallbackInfo& info) {
  int timeout = TimeoutArg(info, 0);
  return TxnTask(info.Env(), [timeout](rd_kafka_t* rk) { return rd_kafka_abort_transaction(rk, timeout); });
}

Napi::Value Producer::OutQueueLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), !ctx_.pump->stopping() ? rd_kafka_outq_len(ctx_.rk) : 0);
}

// purgeQueued(): fails every message still waiting in librdkafka's queues (never sent to a
// broker) with _PURGE_QUEUE, through the usual delivery reports. Messages in flight are left
// alone: their outcome is the broker's. Non-blocking: the broker threads drop their queues on
// their own time. For a client every broker refuses (authentication, TLS): nothing of it can be
// sent, and each send must end now with one outcome rather than at message.timeout.ms.
Napi::Value Producer::PurgeQueued(const Napi::CallbackInfo& info) {
  if (ctx_.pump->stopping()) return Napi::Boolean::New(info.Env(), false);
  rd_kafka_resp_err_t err = rd_kafka_purge(ctx_.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_NON_BLOCKING);
  return Napi::Boolean::New(info.Env(), err == RD_KAFKA_RESP_ERR_NO_ERROR);
}

// close(flushTimeoutMs): flush up to the timeout, fail whatever is left, destroy.
Napi::Value Producer::Close(const Napi::CallbackInfo& info) {
  if (!ctx_.pump->stopping()) {
    ctx_.closeFlushMs = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  }
  return ctx_.pump->Stop(info.Env());
}

}  // namespace octokafka
