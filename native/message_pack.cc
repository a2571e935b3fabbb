#include "message_pack.h"

#include <algorithm>
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

int32_t NameIndex(std::vector<std::string>& names, const char* name) {
  size_t len = std::strlen(name);
  size_t searched = std::min(names.size(), kInternedNamesMax);
  for (size_t i = 0; i < searched; i++) {
    if (names[i].size() == len && std::memcmp(names[i].data(), name, len) == 0) return static_cast<int32_t>(i);
  }
  names.emplace_back(name, len);
  return static_cast<int32_t>(names.size() - 1);
}

// The message's headers, or null for none (and for error rows, which carry none).
rd_kafka_headers_t* HeadersOf(rd_kafka_message_t* m) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR || rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return nullptr;
  return hdrs && rd_kafka_header_cnt(hdrs) > 0 ? hdrs : nullptr;
}

// Appends bytes without zero-filling them first, as resize() would.
void AppendBytes(std::vector<uint8_t>& data, const void* bytes, size_t size) {
  const auto* from = static_cast<const uint8_t*>(bytes);
  data.insert(data.end(), from, from + size);
}

}  // namespace

size_t PackedMessages::PackHeaders(rd_kafka_headers_t* hdrs, int32_t* row) {
  size_t first = headerRows.size() / kHeaderFields;
  size_t count = rd_kafka_header_cnt(hdrs);
  size_t bytes = 0;
  for (size_t i = 0; i < count; i++) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_all(hdrs, i, &name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) break;
    headerRows.push_back(NameIndex(headerNames, name));
    if (value) {
      headerRows.push_back(static_cast<int32_t>(data.size()));
      headerRows.push_back(static_cast<int32_t>(size));
      AppendBytes(data, value, size);
      bytes += size;
    } else {
      headerRows.push_back(0);
      headerRows.push_back(-1);
    }
    headerRows.push_back(0);  // the message's header count, set below
  }
  size_t packed = headerRows.size() / kHeaderFields - first;
  if (packed == 0) return 0;
  for (size_t i = first; i < first + packed; i++) headerRows[i * kHeaderFields + 3] = static_cast<int32_t>(packed);
  row[6] = static_cast<int32_t>(first);
  return bytes;
}

void PackedMessages::Append(rd_kafka_message_t* const* msgs, size_t n) {
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += msgs[i]->len + msgs[i]->key_len;
  // Room for the keys and values up front (header values grow it as they come); at least
  // doubling, so that a batch appended to many times is not copied each time.
  if (data.size() + bytes > data.capacity()) data.reserve(std::max(data.size() + bytes, 2 * data.capacity()));
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
      row[2] = static_cast<int32_t>(data.size());
      row[3] = static_cast<int32_t>(m->key_len);
      AppendBytes(data, m->key, m->key_len);
    } else {
      row[2] = 0;
      row[3] = -1;
    }
    if (m->payload) {
      row[4] = static_cast<int32_t>(data.size());
      row[5] = static_cast<int32_t>(m->len);
      AppendBytes(data, m->payload, m->len);
    } else {
      row[4] = 0;
      row[5] = -1;
    }
    row[6] = -1;
    if (rd_kafka_headers_t* hdrs = HeadersOf(m)) bytes += PackHeaders(hdrs, row);
    row[7] = m->err;
    offsets[count + i] = m->offset;
    rd_kafka_timestamp_type_t tstype;
    timestamps[count + i] = static_cast<double>(rd_kafka_message_timestamp(m, &tstype));
  }
  count += n;
  payloadBytes += bytes;
}

}  // namespace octokafka
