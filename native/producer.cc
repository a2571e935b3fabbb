#include "producer.h"

#include "config.h"

#include <atomic>
#include <vector>
#include "consumer.h"

#include <algorithm>
#include <climits>
#include <string>

namespace octokafka {

namespace {

// A message's opaque is either its JS id, tagged in the low bit ((id << 1) | 1), or a
// pointer to an ArenaSlot (aligned, low bit 0) for messages whose payload lives in a
// shared arena.
struct ArenaBatch;
struct ArenaSlot {
  double id;
  ArenaBatch* batch;
};
// The payloads of one produceArena call live in one JS Buffer that librdkafka reads
// without copying; a reference keeps it alive until the last delivery report.
struct ArenaBatch {
  napi_ref arena = nullptr;
  std::atomic<uint32_t> remaining{0};
  std::vector<ArenaSlot> slots;
};

void* TagId(double id) { return reinterpret_cast<void*>((static_cast<uintptr_t>(id) << 1) | 1); }

// Delivery reports are handed over in chunks of at most this many even in the middle
// of a long flush, so that promises settle while the flush is still waiting.
constexpr size_t kReportChunk = 4096;
}  // namespace

Napi::Function Producer::Init(Napi::Env env) {
  return DefineClass(env, "NativeProducer",
                     {
                         InstanceMethod<&Producer::Produce>("produce"),
                         InstanceMethod<&Producer::ProduceBatch>("produceBatch"),
                         InstanceMethod<&Producer::ProduceArena>("produceArena"),
                         InstanceMethod<&Producer::Flush>("flush"),
                         InstanceMethod<&Producer::InitTransactions>("initTransactions"),
                         InstanceMethod<&Producer::BeginTransaction>("beginTransaction"),
                         InstanceMethod<&Producer::SendOffsetsToTransaction>("sendOffsetsToTransaction"),
                         InstanceMethod<&Producer::CommitTransaction>("commitTransaction"),
                         InstanceMethod<&Producer::AbortTransaction>("abortTransaction"),
                         InstanceMethod<&Producer::OutQueueLength>("outQueueLength"),
                         InstanceMethod<&Producer::PurgeQueued>("purgeQueued"),
                         InstanceMethod<&Producer::Close>("close"),
                         InstanceMethod<&Producer::SetRef>("ref"),
                         InstanceMethod<&Producer::SetToken>("setOAuthBearerToken"),
                         InstanceMethod<&Producer::SetTokenFailure>("setOAuthBearerTokenFailure"),
                         InstanceMethod<&Producer::Name>("name"),
                     });
}

// new NativeProducer(config: Record<string,string>, onBatch)
Producer::Producer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Producer>(info) {
  ConstructGuarded(info.Env(), [&] {
    Napi::Env env = info.Env();
    RequireArg(env, info.Length() >= 2 && info[0].IsObject() && info[1].IsFunction(),
               "NativeProducer(config, onBatch)");
    ctx_.owner = this;
    ctx_.pump = std::make_unique<Pump>(env, info[1].As<Napi::Function>(), "octokafka.Producer");
    rd_kafka_conf_t* conf = ConfFromJs(env, info[0].As<Napi::Object>());
    InstallCommonCallbacks(conf, &ctx_);
    if (WantsOAuthBearer(info)) InstallOAuthBearer(conf);
    rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
    ctx_.rk = CreateHandle(env, RD_KAFKA_PRODUCER, conf);
    if (WantsOAuthBearer(info)) ServeTokenRefreshInBackground(ctx_.rk);
    WakePumpFromMainQueue(&ctx_, true);
    ProducerContext* c = &ctx_;
    ctx_.pump->Start([c](size_t, bool) { return Serve(c); }, [c] { Shutdown(c); });
  });
}

Producer::~Producer() {
  // The pump (and with it the handle) is stopped by close() or environment teardown.
  ReleaseContext(ctxOwned_);
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
    auto tagged = reinterpret_cast<uintptr_t>(msg->_private);
    if (tagged & 1) {
      d.id = static_cast<double>(tagged >> 1);
    } else {
      auto* slot = reinterpret_cast<ArenaSlot*>(tagged);
      d.id = slot->id;
      ArenaBatch* batch = slot->batch;
      if (batch->remaining.fetch_sub(1) == 1) {
        // The last message of the arena was delivered (or failed): release it on the JS thread.
        c->pump->PushRelease([batch](Napi::Env env) {
          napi_delete_reference(env, batch->arena);
          delete batch;
        });
      }
    }
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

namespace {

// A view of a Buffer / Uint8Array / string argument (null or undefined: no bytes).
struct Bytes {
  const void* data = nullptr;
  size_t size = 0;
  std::string holder;
  bool present = false;
};

bool ReadBytes(Napi::Value v, Bytes& out) {
  if (v.IsNull() || v.IsUndefined()) return true;
  out.present = true;
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    out.size = ta.ByteLength();
    // An empty buffer may have no backing store; it is still an empty value, not null.
    static const uint8_t kEmpty = 0;
    out.data = out.size == 0 ? &kEmpty : static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    return true;
  }
  if (v.IsString()) {
    out.holder = v.As<Napi::String>().Utf8Value();
    out.data = out.holder.data();
    out.size = out.holder.size();
    return true;
  }
  return false;
}

}  // namespace

namespace {

// Index of the single message of produce() (errors then say "message.", not "messages[i].").
constexpr uint32_t kSingle = UINT32_MAX;

[[noreturn]] void FieldError(Napi::Env env, uint32_t index, const char* what) {
  throw Napi::TypeError::New(env, (index == kSingle ? std::string("message.") : "messages[" + std::to_string(index) + "].") + what);
}

// Headers from [name, value] pairs or a { name: value } object (null/undefined: none).
// Throws a TypeError naming the message; the caller owns the result.
rd_kafka_headers_t* HeadersFromJs(Napi::Env env, Napi::Value headers, uint32_t index) {
  if (headers.IsUndefined() || headers.IsNull()) return nullptr;
  if (!headers.IsObject()) FieldError(env, index, "headers must be an array of [name, value] pairs or an object");
  bool pairs = headers.IsArray();
  Napi::Object obj = headers.As<Napi::Object>();
  // The { name: value } form: one header per own enumerable property.
  Napi::Array names = pairs ? Napi::Array() : obj.GetPropertyNames();
  uint32_t count = pairs ? headers.As<Napi::Array>().Length() : names.Length();
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(count);
  for (uint32_t i = 0; i < count; i++) {
    std::string name;
    Napi::Value value;
    bool ok;
    if (pairs) {
      Napi::Value pair = headers.As<Napi::Array>().Get(i);
      ok = pair.IsArray() && pair.As<Napi::Array>().Get(0u).IsString();
      if (ok) {
        name = pair.As<Napi::Array>().Get(0u).As<Napi::String>();
        value = pair.As<Napi::Array>().Get(1u);
      }
    } else {
      name = names.Get(i).ToString();
      value = obj.Get(name);
      ok = true;
    }
    Bytes hv;
    if (!ok || !ReadBytes(value, hv)) {
      rd_kafka_headers_destroy(hdrs);
      FieldError(env, index, pairs ? "headers must be [name, Buffer | Uint8Array | string | null] pairs"
                                   : "headers values must be Buffer, Uint8Array, string or null");
    }
    rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), hv.present ? hv.data : nullptr,
                        static_cast<ssize_t>(hv.size));
  }
  return hdrs;
}

}  // namespace

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

// produceArena(topic, arena: Buffer, layout: Int32Array, count, firstId, timestamps|null,
//              headers|null) -> [enqueued, error code or 0]
// The batch fast path: keys and values of `count` messages packed in one Buffer (the one
// copy of the payloads); layout holds 5 int32 per message: partition (-1: partitioner),
// key offset, key length (-1: null), value offset, value length (-1: null). librdkafka
// points into the arena instead of copying; the arena is kept alive until the last
// delivery report. Stops at the first error (e.g. QUEUE_FULL).
// The common arena run (no timestamps, no headers) goes through rd_kafka_produce_batch:
// one call, one clock read and one topic lock for the whole run instead of per message.
// librdkafka enqueues until the queue is full (that message and all after it fail with
// _QUEUE_FULL); a message that fails otherwise (unknown partition, too large) gets its
// own failed delivery report, so that it settles like any other.
// After an arena was handed to librdkafka: `notEnqueued` of its `count` messages will never
// report through librdkafka. Keeps the arena alive for the others, or frees the batch when
// none is left. Delivery reports may already be running on the pump thread, hence the
// atomic count.
static void SettleArena(Napi::Env env, ArenaBatch* batch, Napi::Buffer<uint8_t> arena, uint32_t notEnqueued,
                        uint32_t count) {
  if (notEnqueued == count) {
    delete batch;
    return;
  }
  napi_create_reference(env, arena, 1, &batch->arena);
  if (notEnqueued > 0 && batch->remaining.fetch_sub(notEnqueued) == notEnqueued) {
    napi_delete_reference(env, batch->arena);
    delete batch;
  }
}

static Napi::Value ProduceArenaBatch(Napi::Env env, Pump* pump, rd_kafka_topic_t* rkt, ArenaBatch* batch,
                                     Napi::Buffer<uint8_t> arena, const uint8_t* base, const int32_t* layout,
                                     uint32_t count, double firstId) {
  static uint8_t empty = 0;
  std::vector<rd_kafka_message_t> msgs(count);
  for (uint32_t i = 0; i < count; i++) {
    const int32_t* row = layout + i * 5;
    ArenaSlot& slot = batch->slots[i];
    slot.id = firstId + i;
    slot.batch = batch;
    rd_kafka_message_t& m = msgs[i];
    m.partition = row[0] < 0 ? RD_KAFKA_PARTITION_UA : row[0];
    m.key = row[2] < 0 ? nullptr : row[2] == 0 ? &empty : const_cast<uint8_t*>(base + row[1]);
    m.key_len = row[2] < 0 ? 0 : static_cast<size_t>(row[2]);
    m.payload = row[4] < 0 ? nullptr : row[4] == 0 ? &empty : const_cast<uint8_t*>(base + row[3]);
    m.len = row[4] < 0 ? 0 : static_cast<size_t>(row[4]);
    m._private = &slot;
  }
  uint32_t handed = count;  // messages before the first _QUEUE_FULL: JS counts them as sent
  uint32_t failedBefore = 0;
  // One call per run of messages to the same partition (or to the partitioner). Not one
  // call with RD_KAFKA_MSG_F_PARTITION: in librdkafka 2.14 that path leaks a message whose
  // partition does not exist, and flush() then waits for it forever.
  for (uint32_t start = 0; start < count && handed == count;) {
    int32_t partition = msgs[start].partition;
    uint32_t end = start + 1;
    while (end < count && msgs[end].partition == partition) end++;
    // No RD_KAFKA_MSG_F_COPY: librdkafka reads the payloads from the arena.
    rd_kafka_produce_batch(rkt, partition, 0, msgs.data() + start, static_cast<int>(end - start));
    for (uint32_t i = start; i < end; i++) {
      rd_kafka_resp_err_t err = msgs[i].err;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        handed = i;
        break;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failedBefore++;
        pump->PushDeliveryAndWake(Delivery{firstId + i, partition, err, RD_KAFKA_OFFSET_INVALID, -1});
      }
    }
    start = end;
  }
  // Only librdkafka's messages report through it (and release the arena when the last did).
  SettleArena(env, batch, arena, (count - handed) + failedBefore, count);
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, handed);
  result.Set(1u, static_cast<int>(handed < count ? RD_KAFKA_RESP_ERR__QUEUE_FULL : RD_KAFKA_RESP_ERR_NO_ERROR));
  return result;
}

Napi::Value Producer::ProduceArena(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env,
             info.Length() >= 5 && info[0].IsString() && info[1].IsBuffer() && info[2].IsTypedArray() &&
                 info[3].IsNumber() && info[4].IsNumber(),
             "produceArena(topic, arena, layout, count, firstId, timestamps, headers)");
  Napi::Array result = Napi::Array::New(env, 2);
  if (ctx_.pump->stopping()) {
    result.Set(0u, 0);
    result.Set(1u, static_cast<int>(RD_KAFKA_RESP_ERR__STATE));
    return result;
  }
  auto arena = info[1].As<Napi::Buffer<uint8_t>>();
  Napi::TypedArray layoutArr = info[2].As<Napi::TypedArray>();
  RequireArg(env, layoutArr.TypedArrayType() == napi_int32_array, "layout must be an Int32Array");
  const int32_t* layout = info[2].As<Napi::Int32Array>().Data();
  uint32_t count = info[3].As<Napi::Number>().Uint32Value();
  RequireArg(env, layoutArr.ElementLength() >= static_cast<size_t>(count) * 5, "layout is too short for count");
  double firstId = info[4].As<Napi::Number>().DoubleValue();
  const double* timestamps = nullptr;
  if (info.Length() > 5 && info[5].IsTypedArray()) {
    RequireArg(env, info[5].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array,
               "timestamps must be a Float64Array");
    RequireArg(env, info[5].As<Napi::TypedArray>().ElementLength() >= count, "timestamps is too short for count");
    timestamps = info[5].As<Napi::Float64Array>().Data();
  }
  Napi::Value headers = info.Length() > 6 ? info[6] : env.Null();
  if (headers.IsArray()) RequireArg(env, headers.As<Napi::Array>().Length() >= count, "headers is too short for count");
  const uint8_t* base = arena.Data();
  size_t size = arena.Length();
  // Layout offsets are int32: an arena past 2 GiB cannot be addressed (JS splits before).
  if (size > static_cast<size_t>(INT32_MAX)) throw Napi::RangeError::New(env, "produceArena: the arena is larger than 2 GiB");
  for (uint32_t i = 0; i < count; i++) {
    const int32_t* row = layout + i * 5;
    // -1 means null; any other negative length is a broken layout.
    bool keyOk = row[2] == -1 || (row[2] >= 0 && row[1] >= 0 && static_cast<size_t>(row[1]) + row[2] <= size);
    bool valueOk = row[4] == -1 || (row[4] >= 0 && row[3] >= 0 && static_cast<size_t>(row[3]) + row[4] <= size);
    bool partitionOk = row[0] >= -1;
    if (!keyOk || !valueOk || !partitionOk) throw Napi::RangeError::New(env, "produceArena: layout points outside the arena");
  }
  rd_kafka_topic_t* rkt = Topic(info[0].As<Napi::String>());
  if (!rkt) {
    result.Set(0u, 0);
    result.Set(1u, static_cast<int>(rd_kafka_last_error()));
    return result;
  }

  auto* batch = new ArenaBatch;
  batch->slots.resize(count);
  batch->remaining = count;  // lowered below if not all get enqueued
  if (!timestamps && !headers.IsArray()) {
    return ProduceArenaBatch(env, ctx_.pump.get(), rkt, batch, arena, base, layout, count, firstId);
  }
  uint32_t i = 0;
  int err = 0;
  for (; i < count; i++) {
    const int32_t* row = layout + i * 5;
    ArenaSlot& slot = batch->slots[i];
    slot.id = firstId + i;
    slot.batch = batch;
    rd_kafka_headers_t* hdrs = nullptr;
    if (headers.IsArray()) {
      // JS checked them already; a failure here must not throw past the arena bookkeeping below.
      try {
        hdrs = HeadersFromJs(env, headers.As<Napi::Array>().Get(i), i);
      } catch (const Napi::Error&) {
        err = RD_KAFKA_RESP_ERR__INVALID_ARG;
        break;
      }
    }
    int64_t ts = timestamps ? static_cast<int64_t>(timestamps[i]) : 0;
    int32_t partition = row[0] < 0 ? RD_KAFKA_PARTITION_UA : row[0];
    // An empty key or value is not null: point at a byte (an empty arena has no memory).
    static uint8_t empty = 0;
    const void* key = row[2] < 0 ? nullptr : row[2] == 0 ? &empty : base + row[1];
    size_t keyLen = row[2] < 0 ? 0 : static_cast<size_t>(row[2]);
    void* value = row[4] < 0 ? nullptr : row[4] == 0 ? &empty : const_cast<uint8_t*>(base + row[3]);
    size_t valueLen = row[4] < 0 ? 0 : static_cast<size_t>(row[4]);
    // No RD_KAFKA_MSG_F_COPY: librdkafka reads the payload from the arena.
    err = rd_kafka_producev(ctx_.rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(0),
                            RD_KAFKA_V_KEY(key, keyLen), RD_KAFKA_V_VALUE(value, valueLen), RD_KAFKA_V_TIMESTAMP(ts),
                            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(&slot), RD_KAFKA_V_END);
    if (err) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);
      break;
    }
  }
  SettleArena(env, batch, arena, count - i, count);
  result.Set(0u, i);
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

Napi::Value Producer::SetToken(const Napi::CallbackInfo& info) {
  if (ctx_.pump->stopping()) return info.Env().Undefined();
  return SetOAuthBearerToken(info, ctx_.rk);
}

Napi::Value Producer::SetTokenFailure(const Napi::CallbackInfo& info) {
  if (ctx_.pump->stopping()) return info.Env().Undefined();
  return SetOAuthBearerTokenFailure(info, ctx_.rk);
}

Napi::Value Producer::SetRef(const Napi::CallbackInfo& info) {
  ctx_.pump->Ref(info.Length() == 0 || info[0].ToBoolean());
  return info.Env().Undefined();
}

Napi::Value Producer::Name(const Napi::CallbackInfo& info) {
  if (ctx_.pump->stopping()) return info.Env().Undefined();
  return Napi::String::New(info.Env(), rd_kafka_name(ctx_.rk));
}

}  // namespace octokafka
