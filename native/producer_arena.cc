#include <napi.h>

#include <atomic>
#include <climits>
#include <memory>
#include <vector>

#include "producer.h"
#include "producer_arena.h"

namespace octokafka {

namespace {

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

// After an arena was handed to librdkafka: `notEnqueued` of its `count` messages will never
// report through librdkafka. Keeps the arena alive for the others, or frees the batch when
// none is left. Delivery reports may already be running on the pump thread, hence the
// atomic count.
void SettleArena(Napi::Env env, ArenaBatch* batch, Napi::Buffer<uint8_t> arena, uint32_t notEnqueued, uint32_t count) {
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

Napi::Value ProduceArenaBatch(Napi::Env env, Pump* pump, rd_kafka_topic_t* rkt, std::unique_ptr<ArenaBatch> owned,
                              Napi::Buffer<uint8_t> arena, const uint8_t* base, const int32_t* layout, uint32_t count,
                              double firstId) {
  static uint8_t empty = 0;
  std::vector<rd_kafka_message_t> msgs(count);
  // librdkafka gets pointers into the batch from here on: SettleArena or the last delivery
  // report frees it.
  ArenaBatch* batch = owned.release();
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

// A message's headers from their rows (checked against the arena); librdkafka copies them.
rd_kafka_headers_t* HeadersFromArena(const uint8_t* base, const int32_t* rows, int32_t count) {
  static const char kEmpty = 0;  // an empty name or value has no arena memory to point at
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(static_cast<size_t>(count));
  for (int32_t h = 0; h < count; h++) {
    const int32_t* r = rows + static_cast<size_t>(h) * 4;
    const char* name = r[1] == 0 ? &kEmpty : reinterpret_cast<const char*>(base + r[0]);
    const void* value = r[3] < 0 ? nullptr : r[3] == 0 ? &kEmpty : static_cast<const void*>(base + r[2]);
    rd_kafka_header_add(hdrs, name, r[1], value, r[3] < 0 ? 0 : r[3]);
  }
  return hdrs;
}

}  // namespace

void* TagId(double id) { return reinterpret_cast<void*>((static_cast<uintptr_t>(id) << 1) | 1); }

double DeliveredId(void* opaque, Pump& pump) {
  auto tagged = reinterpret_cast<uintptr_t>(opaque);
  if (tagged & 1) return static_cast<double>(tagged >> 1);
  auto* slot = reinterpret_cast<ArenaSlot*>(tagged);
  // Read before the count goes down: the JS thread may free the slot from then on.
  double id = slot->id;
  ArenaBatch* batch = slot->batch;
  if (batch->remaining.fetch_sub(1) == 1) {
    // The last message of the arena was delivered (or failed): release it on the JS thread.
    pump.PushRelease([batch](Napi::Env env) {
      napi_delete_reference(env, batch->arena);
      delete batch;
    });
  }
  return id;
}

// produceArena(topic, arena: Buffer, layout: Int32Array, count, firstId, timestamps|null,
//              headerRows|null, headerSpans|null) -> [enqueued, error code or 0]
// The batch fast path: keys and values of `count` messages packed in one Buffer (the one
// copy of the payloads); layout holds 5 int32 per message: partition (-1: partitioner),
// key offset, key length (-1: null), value offset, value length (-1: null). librdkafka
// points into the arena instead of copying; the arena is kept alive until the last
// delivery report. Stops at the first error (e.g. QUEUE_FULL). Headers are packed in the
// arena too: headerRows holds 4 int32 per header (name offset, name length, value offset,
// value length or -1 for null), headerSpans 2 per message (first row, number of headers);
// librdkafka copies them when the message is made.
// The common arena run (no timestamps, no headers) goes through rd_kafka_produce_batch:
// one call, one clock read and one topic lock for the whole run instead of per message.
// librdkafka enqueues until the queue is full (that message and all after it fail with
// _QUEUE_FULL); a message that fails otherwise (unknown partition, too large) gets its
// own failed delivery report, so that it settles like any other.
Napi::Value Producer::ProduceArena(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env,
             info.Length() >= 5 && info[0].IsString() && info[1].IsBuffer() && info[2].IsTypedArray() &&
                 info[3].IsNumber() && info[4].IsNumber(),
             "produceArena(topic, arena, layout, count, firstId, timestamps, headerRows, headerSpans)");
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
  const int32_t* headerRows = nullptr;
  const int32_t* headerSpans = nullptr;
  size_t headerRowCount = 0;
  bool rowsGiven = info.Length() > 6 && info[6].IsTypedArray();
  bool spansGiven = info.Length() > 7 && info[7].IsTypedArray();
  RequireArg(env, rowsGiven == spansGiven, "headerRows and headerSpans go together");
  if (rowsGiven) {
    Napi::TypedArray rows = info[6].As<Napi::TypedArray>();
    Napi::TypedArray spans = info[7].As<Napi::TypedArray>();
    RequireArg(env, rows.TypedArrayType() == napi_int32_array && spans.TypedArrayType() == napi_int32_array,
               "headerRows and headerSpans must be Int32Arrays");
    RequireArg(env, spans.ElementLength() >= static_cast<size_t>(count) * 2, "headerSpans is too short for count");
    headerRows = info[6].As<Napi::Int32Array>().Data();
    headerSpans = info[7].As<Napi::Int32Array>().Data();
    headerRowCount = rows.ElementLength() / 4;
  }
  const uint8_t* base = arena.Data();
  size_t size = arena.Length();
  // Layout offsets are int32: an arena past 2 GiB cannot be addressed (JS splits before).
  if (size > static_cast<size_t>(INT32_MAX)) throw Napi::RangeError::New(env, "produceArena: the arena is larger than 2 GiB");
  auto inArena = [size](int32_t start, int32_t len) { return start >= 0 && len >= 0 && static_cast<size_t>(start) + len <= size; };
  for (uint32_t i = 0; i < count; i++) {
    const int32_t* row = layout + i * 5;
    // -1 means null; any other negative length is a broken layout.
    bool keyOk = row[2] == -1 || inArena(row[1], row[2]);
    bool valueOk = row[4] == -1 || inArena(row[3], row[4]);
    bool partitionOk = row[0] >= -1;
    if (!keyOk || !valueOk || !partitionOk) throw Napi::RangeError::New(env, "produceArena: layout points outside the arena");
    if (!headerSpans) continue;
    int32_t first = headerSpans[2 * i], n = headerSpans[2 * i + 1];
    if (first < 0 || n < 0 || static_cast<size_t>(first) + n > headerRowCount) {
      throw Napi::RangeError::New(env, "produceArena: headerSpans points outside headerRows");
    }
    for (int32_t h = first; h < first + n; h++) {
      const int32_t* hr = headerRows + static_cast<size_t>(h) * 4;
      if (!inArena(hr[0], hr[1]) || !(hr[3] == -1 || inArena(hr[2], hr[3]))) {
        throw Napi::RangeError::New(env, "produceArena: headerRows points outside the arena");
      }
    }
  }
  rd_kafka_topic_t* rkt = Topic(info[0].As<Napi::String>());
  if (!rkt) {
    result.Set(0u, 0);
    result.Set(1u, static_cast<int>(rd_kafka_last_error()));
    return result;
  }

  // Owned here while allocating (an allocation failure frees it), until librdkafka gets
  // pointers into it.
  auto owned = std::make_unique<ArenaBatch>();
  owned->slots.resize(count);
  owned->remaining = count;  // lowered below if not all get enqueued
  if (!timestamps && !headerSpans) {
    return ProduceArenaBatch(env, ctx_.pump.get(), rkt, std::move(owned), arena, base, layout, count, firstId);
  }
  ArenaBatch* batch = owned.release();
  uint32_t i = 0;
  int err = 0;
  for (; i < count; i++) {
    const int32_t* row = layout + i * 5;
    ArenaSlot& slot = batch->slots[i];
    slot.id = firstId + i;
    slot.batch = batch;
    rd_kafka_headers_t* hdrs = nullptr;
    if (headerSpans && headerSpans[2 * i + 1] > 0) {
      hdrs = HeadersFromArena(base, headerRows + static_cast<size_t>(headerSpans[2 * i]) * 4, headerSpans[2 * i + 1]);
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

}  // namespace octokafka
