#include "message_pack.h"

#include <cstring>

namespace octokafka {

namespace {

int32_t TopicIndex(std::vector<std::string>& topics, const char* name) {
  for (size_t i = 0; i < topics.size(); i++) {
    if (topics[i] == name) return static_cast<int32_t>(i);
  }
  topics.emplace_back(name);
  return static_cast<int32_t>(topics.size() - 1);
}

std::vector<PackedHeader> CopyHeaders(rd_kafka_headers_t* hdrs) {
  std::vector<PackedHeader> out;
  size_t count = rd_kafka_header_cnt(hdrs);
  out.reserve(count);
  for (size_t i = 0; i < count; i++) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_all(hdrs, i, &name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
    PackedHeader h;
    h.name = name;
    if (value) {
      h.value.assign(static_cast<const char*>(value), size);
    } else {
      h.null = true;
    }
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace

void PackedMessages::Append(rd_kafka_message_t* const* msgs, size_t n) {
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += msgs[i]->len + msgs[i]->key_len;
  size_t pos = data.size();
  data.resize(pos + bytes);
  layout.resize((count + n) * kLayoutFields);
  offsets.resize(count + n);
  timestamps.resize(count + n);
  // One topic lookup per run of messages of the same topic handle.
  rd_kafka_topic_t* lastRkt = nullptr;
  int32_t lastTopic = -1;
  for (size_t i = 0; i < n; i++) {
    rd_kafka_message_t* m = msgs[i];
    int32_t* row = layout.data() + (count + i) * kLayoutFields;
    if (!m->rkt) {
      row[0] = -1;
    } else {
      if (m->rkt != lastRkt) {
        lastRkt = m->rkt;
        lastTopic = TopicIndex(topics, rd_kafka_topic_name(m->rkt));
      }
      row[0] = lastTopic;
    }
    row[1] = m->partition;
    if (m->key) {
      row[2] = static_cast<int32_t>(pos);
      row[3] = static_cast<int32_t>(m->key_len);
      if (m->key_len) std::memcpy(data.data() + pos, m->key, m->key_len);
      pos += m->key_len;
    } else {
      row[2] = 0;
      row[3] = -1;
    }
    if (m->payload) {
      row[4] = static_cast<int32_t>(pos);
      row[5] = static_cast<int32_t>(m->len);
      if (m->len) std::memcpy(data.data() + pos, m->payload, m->len);
      pos += m->len;
    } else {
      row[4] = 0;
      row[5] = -1;
    }
    row[6] = -1;
    rd_kafka_headers_t* hdrs = nullptr;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        hdrs && rd_kafka_header_cnt(hdrs) > 0) {
      row[6] = static_cast<int32_t>(headers.size());
      headers.push_back(CopyHeaders(hdrs));
    }
    row[7] = m->err;
    offsets[count + i] = m->offset;
    rd_kafka_timestamp_type_t tstype;
    timestamps[count + i] = static_cast<double>(rd_kafka_message_timestamp(m, &tstype));
  }
  count += n;
  payloadBytes += bytes;
}

}  // namespace octokafka
