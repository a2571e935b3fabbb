#include "produce_args.h"

#include <string>

namespace octokafka {

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

[[noreturn]] void FieldError(Napi::Env env, uint32_t index, const char* what) {
  throw Napi::TypeError::New(env, (index == kSingle ? std::string("message.") : "messages[" + std::to_string(index) + "].") + what);
}

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

}  // namespace octokafka
