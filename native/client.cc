#include "client.h"

#include <climits>
#include <memory>
#include <vector>

namespace octokafka {

namespace {

// librdkafka calls these from C frames on the pump thread: nothing may be thrown out of
// them (an allocation failure loses the event, never the process).
void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept try {
  auto* ctx = static_cast<ClientContext*>(opaque);
  ErrorInfo e = ErrorInfo::From(static_cast<rd_kafka_resp_err_t>(err), reason ? reason : "");
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof buf);
    e = ErrorInfo::From(orig, buf);
    e.fatal = true;
  }
  ctx->pump->PushEvent([e](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", "error");
    o.Set("error", e.ToJs(env));
    return o;
  });
} catch (...) {
}

void OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) noexcept try {
  auto* ctx = static_cast<ClientContext*>(rd_kafka_opaque(rk));
  if (!ctx || !ctx->pump) return;
  std::string facility = fac ? fac : "", message = buf ? buf : "";
  ctx->pump->PushEvent([level, facility, message](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", "log");
    o.Set("level", level);
    o.Set("facility", facility);
    o.Set("message", message);
    return o;
  });
} catch (...) {
}

int OnStats(rd_kafka_t*, char* json, size_t len, void* opaque) noexcept try {
  auto* ctx = static_cast<ClientContext*>(opaque);
  std::string text(json, len);
  ctx->pump->PushEvent([text](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", "stats");
    o.Set("json", text);
    return o;
  });
  return 0;  // librdkafka frees the JSON
} catch (...) {
  return 0;
}

void OnTokenRefresh(rd_kafka_t*, const char* config, void* opaque) noexcept try {
  auto* ctx = static_cast<ClientContext*>(opaque);
  std::string text = config ? config : "";
  ctx->pump->PushEvent([text](Napi::Env env) -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", "oauthbearer-refresh");
    o.Set("config", text);
    return o;
  });
} catch (...) {
}

}  // namespace

void InstallOAuthBearer(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, OnTokenRefresh);
  // A queue of its own for the refresh requests, forwarded to the background thread once the
  // handle exists (ServeTokenRefreshInBackground).
  rd_kafka_conf_enable_sasl_queue(conf, 1);
}

void ServeTokenRefreshInBackground(rd_kafka_t* rk) {
  // Fails only when the handle has no SASL callback queue (no OAUTHBEARER configured): the
  // refresh requests, if any, then stay on the main queue.
  if (rd_kafka_error_t* error = rd_kafka_sasl_background_callbacks_enable(rk)) rd_kafka_error_destroy(error);
}

bool WantsOAuthBearer(const Napi::CallbackInfo& info) {
  return info.Length() > 2 && info[2].IsObject() && info[2].As<Napi::Object>().Get("oauthbearer").ToBoolean();
}

Napi::Value SetOAuthBearerToken(const Napi::CallbackInfo& info, rd_kafka_t* rk) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() >= 4 && info[0].IsString() && info[1].IsNumber() && info[2].IsString() && info[3].IsArray(),
             "setOAuthBearerToken(token, expiresAtMs, principal, extensions)");
  std::string token = info[0].As<Napi::String>();
  int64_t expires = info[1].As<Napi::Number>().Int64Value();
  std::string principal = info[2].As<Napi::String>();
  Napi::Array ext = info[3].As<Napi::Array>();
  std::vector<std::string> extensions;
  for (uint32_t i = 0; i < ext.Length(); i++) extensions.push_back(ext.Get(i).ToString());
  std::vector<const char*> ptrs;
  for (auto& e : extensions) ptrs.push_back(e.c_str());
  char errstr[512] = "";
  rd_kafka_resp_err_t err = rd_kafka_oauthbearer_set_token(rk, token.c_str(), expires, principal.c_str(),
                                                            ptrs.empty() ? nullptr : ptrs.data(), ptrs.size(), errstr,
                                                            sizeof errstr);
  // librdkafka's message may quote the token: never pass it on.
  std::string why = errstr;
  for (size_t at = why.find(token); !token.empty() && at != std::string::npos; at = why.find(token)) {
    why.replace(at, token.size(), "[redacted]");
  }
  if (err) ErrorInfo::From(err, "the OAUTHBEARER token was refused: " + why).Throw(env);
  return env.Undefined();
}

Napi::Value SetOAuthBearerTokenFailure(const Napi::CallbackInfo& info, rd_kafka_t* rk) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() >= 1 && info[0].IsString(), "setOAuthBearerTokenFailure(message)");
  std::string message = info[0].As<Napi::String>();
  rd_kafka_oauthbearer_set_token_failure(rk, message.c_str());
  return env.Undefined();
}

void InstallCommonCallbacks(rd_kafka_conf_t* conf, ClientContext* ctx) {
  char errstr[256];
  rd_kafka_conf_set(conf, "log.queue", "true", errstr, sizeof errstr);
  rd_kafka_conf_set_opaque(conf, ctx);
  rd_kafka_conf_set_error_cb(conf, OnError);
  rd_kafka_conf_set_log_cb(conf, OnLog);
  rd_kafka_conf_set_stats_cb(conf, OnStats);
}

void WakePumpFromMainQueue(ClientContext* ctx, bool on) {
  rd_kafka_queue_t* main = rd_kafka_queue_get_main(ctx->rk);
  if (on) {
    rd_kafka_queue_cb_event_enable(main, Pump::OnQueueEvent, ctx->pump.get());
  } else {
    rd_kafka_queue_cb_event_enable(main, nullptr, nullptr);
  }
  rd_kafka_queue_destroy(main);
}

rd_kafka_t* CreateHandle(Napi::Env env, rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    ErrorInfo::From(RD_KAFKA_RESP_ERR__INVALID_ARG, errstr).Throw(env);
  }
  // Logs go to the main queue, served by the pump thread (never a librdkafka thread).
  rd_kafka_set_log_queue(rk, nullptr);
  return rk;
}

Partitions CopyPartitions(const rd_kafka_topic_partition_list_t* list) {
  if (!list) return {};
  auto out = std::make_shared<std::vector<PartitionEntry>>();
  out->reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; i++) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    out->push_back({p.topic, p.partition, static_cast<int64_t>(p.offset), p.err});
  }
  return out;
}

Napi::Value PartitionsToJs(Napi::Env env, const Partitions& list) {
  Napi::Array arr = Napi::Array::New(env, list ? list->size() : 0);
  for (size_t i = 0; list && i < list->size(); i++) {
    const PartitionEntry& p = (*list)[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("topic", p.topic);
    o.Set("partition", p.partition);
    o.Set("offset", Napi::BigInt::New(env, p.offset));
    if (p.err) o.Set("error", ErrorInfo::From(p.err).ToJs(env));
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

bool EnvCanRunJs(napi_env env) {
  // A property set is a call that may run JS: try one on a fresh object, without
  // node-addon-api (which would throw).
  napi_value probe = nullptr;
  napi_value undefined = nullptr;
  if (napi_create_object(env, &probe) != napi_ok || napi_get_undefined(env, &undefined) != napi_ok) return false;
  return napi_set_named_property(env, probe, "probe", undefined) == napi_ok;
}

void RequireArg(Napi::Env env, bool ok, const char* what) {
  if (!ok) throw Napi::TypeError::New(env, what);
}

rd_kafka_topic_partition_list_t* PartitionsFromJs(Napi::Env env, Napi::Value value) {
  RequireArg(env, value.IsArray(), "partitions must be an array of { topic, partition, offset? }");
  Napi::Array arr = value.As<Napi::Array>();
  // Owned until returned: a getter on an element may throw half-way.
  std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)> list(
      rd_kafka_topic_partition_list_new(static_cast<int>(arr.Length())), rd_kafka_topic_partition_list_destroy);
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value item = arr.Get(i);
    if (!item.IsObject()) throw Napi::TypeError::New(env, "partitions must be an array of { topic, partition, offset? }");
    Napi::Object o = item.As<Napi::Object>();
    Napi::Value topic = o.Get("topic"), partition = o.Get("partition"), offset = o.Get("offset");
    if (!topic.IsString() || !partition.IsNumber()) {
      throw Napi::TypeError::New(env, "each partition needs a string topic and a number partition");
    }
    double p = partition.As<Napi::Number>().DoubleValue();
    if (!(p >= -1 && p <= INT32_MAX && p == static_cast<double>(static_cast<int32_t>(p)))) {
      throw Napi::RangeError::New(env, "partition must be an integer between 0 and 2147483647");
    }
    int64_t at = RD_KAFKA_OFFSET_INVALID;
    if (offset.IsBigInt()) {
      bool lossless = true;
      at = offset.As<Napi::BigInt>().Int64Value(&lossless);
      if (!lossless) throw Napi::RangeError::New(env, "offset must fit in a signed 64-bit integer");
    } else if (offset.IsNumber()) {
      double d = offset.As<Napi::Number>().DoubleValue();
      if (!(d == static_cast<double>(static_cast<int64_t>(d)) && d >= -9007199254740991.0 && d <= 9007199254740991.0)) {
        throw Napi::RangeError::New(env, "offset must be an integer (a bigint beyond 2^53)");
      }
      at = static_cast<int64_t>(d);
    } else if (!offset.IsUndefined() && !offset.IsNull()) {
      throw Napi::TypeError::New(env, "offset must be a bigint or an integer");
    }
    rd_kafka_topic_partition_t* entry =
        rd_kafka_topic_partition_list_add(list.get(), topic.As<Napi::String>().Utf8Value().c_str(), static_cast<int32_t>(p));
    entry->offset = at;
  }
  return list.release();
}

}  // namespace octokafka
