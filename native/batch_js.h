// Converts a batch of delivery reports or consumed messages into JS in one go: typed
// arrays for the fixed-size fields and one Buffer for all keys and values, so that a
// batch costs a handful of allocations however many messages it holds.
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>

#include <vector>

#include "message_pack.h"

namespace octokafka {

// { ids: Float64Array, partitions: Int32Array, errors: Int32Array, offsets: BigInt64Array,
//   timestamps: Float64Array }
Napi::Value DeliveriesToJs(Napi::Env env, const std::vector<Delivery>& deliveries);

// { count, topics: string[], layout: Int32Array, offsets: BigInt64Array,
//   timestamps: Float64Array, buffer: Buffer, headers: Array<[name, Buffer|null][]> }
// keyLen / valueLen are -1 for null; headers is -1 or an index into `headers`.
// Takes the keys and values (messages.data) over as the Buffer's memory.
Napi::Value MessagesToJs(Napi::Env env, PackedMessages& messages);

}  // namespace octokafka
