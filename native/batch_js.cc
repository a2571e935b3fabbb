#include "batch_js.h"

#include <cstring>
#include <string>
#include <unordered_map>

namespace octokafka {

Napi::Value DeliveriesToJs(Napi::Env env, const std::vector<Delivery>& deliveries) {
  size_t n = deliveries.size();
  auto ids = Napi::Float64Array::New(env, n);
  auto partitions = Napi::Int32Array::New(env, n);
  auto errors = Napi::Int32Array::New(env, n);
  auto offsets = Napi::BigInt64Array::New(env, n);
  auto timestamps = Napi::Float64Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    const Delivery& d = deliveries[i];
    ids[i] = d.id;
    partitions[i] = d.partition;
    errors[i] = d.err;
    offsets[i] = d.offset;
    timestamps[i] = static_cast<double>(d.timestamp);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("ids", ids);
  o.Set("partitions", partitions);
  o.Set("errors", errors);
  o.Set("offsets", offsets);
  o.Set("timestamps", timestamps);
  return o;
}

namespace {

Napi::Value HeadersToJs(Napi::Env env, rd_kafka_headers_t* hdrs) {
  size_t count = rd_kafka_header_cnt(hdrs);
  Napi::Array arr = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; i++) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_all(hdrs, i, &name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, name));
    pair.Set(1u, value ? Napi::Buffer<char>::Copy(env, static_cast<const char*>(value), size).As<Napi::Value>()
                       : env.Null());
    arr.Set(static_cast<uint32_t>(i), pair);
  }
  return arr;
}

}  // namespace

Napi::Value MessagesToJs(Napi::Env env, const std::vector<rd_kafka_message_t*>& messages) {
  size_t n = messages.size();
  size_t total = 0;
  for (auto* m : messages) total += m->len + m->key_len;

  auto buffer = Napi::Buffer<uint8_t>::New(env, total);
  auto layout = Napi::Int32Array::New(env, n * kLayoutFields);
  auto offsets = Napi::BigInt64Array::New(env, n);
  auto timestamps = Napi::Float64Array::New(env, n);
  Napi::Array topics = Napi::Array::New(env);
  Napi::Array headers = Napi::Array::New(env);
  std::unordered_map<rd_kafka_topic_t*, int32_t> topicIndex;

  uint8_t* out = buffer.Data();
  size_t pos = 0;
  uint32_t headerCount = 0;
  for (size_t i = 0; i < n; i++) {
    rd_kafka_message_t* m = messages[i];
    int32_t* row = layout.Data() + i * kLayoutFields;
    int32_t topic = -1;
    if (m->rkt) {
      auto it = topicIndex.find(m->rkt);
      if (it == topicIndex.end()) {
        topic = static_cast<int32_t>(topicIndex.size());
        topicIndex.emplace(m->rkt, topic);
        topics.Set(static_cast<uint32_t>(topic), Napi::String::New(env, rd_kafka_topic_name(m->rkt)));
      } else {
        topic = it->second;
      }
    }
    row[0] = topic;
    row[1] = m->partition;
    if (m->key) {
      row[2] = static_cast<int32_t>(pos);
      row[3] = static_cast<int32_t>(m->key_len);
      std::memcpy(out + pos, m->key, m->key_len);
      pos += m->key_len;
    } else {
      row[2] = 0;
      row[3] = -1;
    }
    if (m->payload) {
      row[4] = static_cast<int32_t>(pos);
      row[5] = static_cast<int32_t>(m->len);
      std::memcpy(out + pos, m->payload, m->len);
      pos += m->len;
    } else {
      row[4] = 0;
      row[5] = -1;
    }
    row[6] = -1;
    rd_kafka_headers_t* hdrs = nullptr;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        hdrs && rd_kafka_header_cnt(hdrs) > 0) {
      row[6] = static_cast<int32_t>(headerCount);
      headers.Set(headerCount++, HeadersToJs(env, hdrs));
    }
    row[7] = m->err;
    offsets[i] = m->offset;
    rd_kafka_timestamp_type_t tstype;
    timestamps[i] = static_cast<double>(rd_kafka_message_timestamp(m, &tstype));
  }

  Napi::Object o = Napi::Object::New(env);
  o.Set("count", static_cast<double>(n));
  o.Set("topics", topics);
  o.Set("layout", layout);
  o.Set("offsets", offsets);
  o.Set("timestamps", timestamps);
  o.Set("buffer", buffer);
  o.Set("headers", headers);
  return o;
}

}  // namespace octokafka
