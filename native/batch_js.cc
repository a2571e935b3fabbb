#include "batch_js.h"

#include <cstring>

namespace octokafka {

Napi::Value DeliveriesToJs(Napi::Env env, const std::vector<Delivery>& deliveries) {
  size_t n = deliveries.size();
  auto ids = Napi::Float64Array::New(env, n);
  auto partitions = Napi::Int32Array::New(env, n);
  auto errors = Napi::Int32Array::New(env, n);
  auto offsets = Napi::BigInt64Array::New(env, n);
  auto timestamps = Napi::Float64Array::New(env, n);
  auto statuses = Napi::Uint8Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    const Delivery& d = deliveries[i];
    ids[i] = d.id;
    partitions[i] = d.partition;
    errors[i] = d.err;
    offsets[i] = d.offset;
    timestamps[i] = static_cast<double>(d.timestamp);
    statuses[i] = static_cast<uint8_t>(d.status);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("ids", ids);
  o.Set("partitions", partitions);
  o.Set("errors", errors);
  o.Set("offsets", offsets);
  o.Set("timestamps", timestamps);
  o.Set("statuses", statuses);
  return o;
}

Napi::Value MessagesToJs(Napi::Env env, PackedMessages& messages) {
  size_t n = messages.count;
  // The keys and values packed on the pump thread become the Buffer's memory as they are
  // (no copy, no fresh allocation to fault in); the Buffer's finalizer frees them.
  Napi::Buffer<uint8_t> buffer;
  if (messages.data.empty()) {
    buffer = Napi::Buffer<uint8_t>::New(env, 0);
  } else {
    auto* owned = new std::vector<uint8_t>(std::move(messages.data));
    try {
      // NewOrCopy: runtimes that refuse external buffers get a copy (and the finalizer at once).
      buffer = Napi::Buffer<uint8_t>::NewOrCopy(
          env, owned->data(), owned->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, owned);
    } catch (...) {
      delete owned;  // not handed over: the finalizer will never run
      throw;
    }
  }
  auto layout = Napi::Int32Array::New(env, n * kLayoutFields);
  std::memcpy(layout.Data(), messages.layout.data(), n * kLayoutFields * sizeof(int32_t));
  auto offsets = Napi::BigInt64Array::New(env, n);
  std::memcpy(offsets.Data(), messages.offsets.data(), n * sizeof(int64_t));
  auto timestamps = Napi::Float64Array::New(env, n);
  std::memcpy(timestamps.Data(), messages.timestamps.data(), n * sizeof(double));
  Napi::Array topics = Napi::Array::New(env, messages.topics.size());
  for (size_t i = 0; i < messages.topics.size(); i++) topics.Set(static_cast<uint32_t>(i), Napi::String::New(env, messages.topics[i]));
  size_t headerInts = messages.headerRows.size();
  auto headerRows = Napi::Int32Array::New(env, headerInts);
  if (headerInts) std::memcpy(headerRows.Data(), messages.headerRows.data(), headerInts * sizeof(int32_t));
  Napi::Array headerNames = Napi::Array::New(env, messages.headerNames.size());
  for (size_t i = 0; i < messages.headerNames.size(); i++) {
    headerNames.Set(static_cast<uint32_t>(i), Napi::String::New(env, messages.headerNames[i]));
  }

  Napi::Object o = Napi::Object::New(env);
  o.Set("count", static_cast<double>(n));
  o.Set("topics", topics);
  o.Set("layout", layout);
  o.Set("offsets", offsets);
  o.Set("timestamps", timestamps);
  o.Set("buffer", buffer);
  o.Set("headerRows", headerRows);
  o.Set("headerNames", headerNames);
  return o;
}

}  // namespace octokafka
