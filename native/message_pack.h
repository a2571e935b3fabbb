// What the pump hands to JS in bulk. Consumed messages are packed on the pump thread: keys and values copied into one byte
// vector, the fixed-size fields into flat arrays, and the librdkafka messages destroyed
// right there. The JS thread then turns a whole batch into JS with a few block copies
// instead of a librdkafka call (and a message destroy) per message.
#pragma once
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace octokafka {

// Fields per message in `layout` (and in the JS batch's Int32Array).
constexpr int kLayoutFields = 8;  // topic, partition, keyStart, keyLen, valueStart, valueLen, headers, err

struct PackedHeader {
  std::string name;
  std::string value;
  bool null = false;
};

struct PackedMessages {
  size_t count = 0;
  size_t payloadBytes = 0;  // keys + values, for the hand-off's byte bound
  std::vector<uint8_t> data;
  std::vector<int32_t> layout;  // keyLen / valueLen -1 for null; headers -1 or an index
  std::vector<int64_t> offsets;
  std::vector<double> timestamps;
  std::vector<std::string> topics;  // layout's topic field indexes this
  std::vector<std::vector<PackedHeader>> headers;

  // Copies the messages in (they stay owned by the caller).
  void Append(rd_kafka_message_t* const* msgs, size_t n);
  bool empty() const { return count == 0; }
};

// A delivery report, reduced to what JS needs to settle its send promise.
struct Delivery {
  double id;
  int32_t partition;
  int32_t err;
  int64_t offset;
  int64_t timestamp;
  // rd_kafka_message_status(): 0 not persisted, 1 possibly persisted, 2 persisted.
  int32_t status = RD_KAFKA_MSG_STATUS_NOT_PERSISTED;
};

}  // namespace octokafka
