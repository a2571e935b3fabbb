#include "errors.h"

namespace octokafka {

ErrorInfo ErrorInfo::From(rd_kafka_resp_err_t err, const std::string& message) {
  ErrorInfo e;
  e.code = err;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return e;
  e.name = rd_kafka_err2name(err);
  e.message = message.empty() ? rd_kafka_err2str(err) : message;
  // Whether it is worth retrying is the TypeScript layer's table (lib/util/errors.ts), the only
  // one: librdkafka gives its own verdict only with an rd_kafka_error_t (Take).
  return e;
}

ErrorInfo ErrorInfo::Take(rd_kafka_error_t* error) {
  ErrorInfo e;
  if (!error) return e;
  e.code = rd_kafka_error_code(error);
  e.name = rd_kafka_error_name(error);
  e.message = rd_kafka_error_string(error);
  e.retriable = rd_kafka_error_is_retriable(error);
  e.fatal = rd_kafka_error_is_fatal(error);
  e.txnRequiresAbort = rd_kafka_error_txn_requires_abort(error);
  rd_kafka_error_destroy(error);
  return e;
}

Napi::Object ErrorInfo::ToJs(Napi::Env env) const {
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", code);
  o.Set("name", name);
  o.Set("message", message);
  if (retriable) o.Set("retriable", *retriable);
  o.Set("fatal", fatal);
  o.Set("txnRequiresAbort", txnRequiresAbort);
  return o;
}

void ErrorInfo::Throw(Napi::Env env) const {
  Napi::Error err = Napi::Error::New(env, message);
  Napi::Env e = env;
  err.Set("code", Napi::Number::New(e, code));
  err.Set("kafkaName", Napi::String::New(e, name));
  if (retriable) err.Set("retriable", Napi::Boolean::New(e, *retriable));
  err.Set("fatal", Napi::Boolean::New(e, fatal));
  err.Set("txnRequiresAbort", Napi::Boolean::New(e, txnRequiresAbort));
  throw err;
}

}  // namespace octokafka
