// A message's fields as produce() and produceBatch() receive them from JS, read into what
// librdkafka takes. Malformed fields throw a TypeError naming the message and the field.
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>

#include <climits>
#include <cstdint>
#include <string>

namespace octokafka {

// A view of a Buffer / Uint8Array / string argument (null or undefined: no bytes).
struct Bytes {
  const void* data = nullptr;
  size_t size = 0;
  std::string holder;
  bool present = false;
};

// False when `v` is none of those.
bool ReadBytes(Napi::Value v, Bytes& out);

// Index of the single message of produce() (errors then say "message.", not "messages[i].").
constexpr uint32_t kSingle = UINT32_MAX;

[[noreturn]] void FieldError(Napi::Env env, uint32_t index, const char* what);

// Headers from [name, value] pairs or a { name: value } object (null/undefined: none).
// Throws a TypeError naming the message; the caller owns the result.
rd_kafka_headers_t* HeadersFromJs(Napi::Env env, Napi::Value headers, uint32_t index);

}  // namespace octokafka
