// What the pump hands to JS in bulk. Consumed messages are packed on the pump thread: keys,
// values and header values copied into one byte vector, the fixed-size fields into flat
// arrays, header names interned, and the librdkafka messages destroyed right there. The JS thread then turns a whole batch into JS with a few block copies
// instead of a librdkafka call (and a message destroy) per message.
#pragma once
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace octokafka {

// Fields per message in `layout` (and in the JS batch's Int32Array).
constexpr int kLayoutFields = 8;  // topic, partition, keyStart, keyLen, valueStart, valueLen, firstHeader, err
// Fields per header in `headerRows`: name index, value start, value length (-1: null), and
// the number of headers of its message (the same in each of that message's rows).
constexpr int kHeaderFields = 4;
// Header names are interned per batch (a name array made once, not a string per header);
// past this many distinct names, new ones are appended without a search.
constexpr size_t kInternedNamesMax = 256;

struct PackedMessages {
  size_t count = 0;
  size_t payloadBytes = 0;  // keys, values and header values, for the hand-off's byte bound
  std::vector<uint8_t> data;
  std::vector<int32_t> layout;  // keyLen / valueLen -1 for null; firstHeader -1 or a headerRows row
  std::vector<int64_t> offsets;
  std::vector<double> timestamps;
  std::vector<std::string> topics;  // layout's topic field indexes this
  std::vector<int32_t> headerRows;
  std::vector<std::string> headerNames;  // headerRows' name field indexes this

  // Copies the messages in (they stay owned by the caller).
  void Append(rd_kafka_message_t* const* msgs, size_t n);
  bool empty() const { return count == 0; }

 private:
  // Appends the header values to `data` and their rows to headerRows; points the message's
  // layout row at them. Returns the bytes of the values.
  size_t PackHeaders(rd_kafka_headers_t* hdrs, int32_t* row);
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
