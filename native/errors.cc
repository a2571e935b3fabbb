#include "errors.h"

namespace octokafka {

ErrorInfo ErrorInfo::From(rd_kafka_resp_err_t err, const std::string& message) {
  ErrorInfo e;
  e.code = err;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return e;
  e.name = rd_kafka_err2name(err);
  e.message = message.empty() ? rd_kafka_err2str(err) : message;
  // librdkafka's own classification of local errors that are worth retrying.
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
      e.retriable = true;
      break;
    default:
      break;
  }
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
  o.Set("retriable", retriable);
  o.Set("fatal", fatal);
  o.Set("txnRequiresAbort", txnRequiresAbort);
  return o;
}

void ErrorInfo::Throw(Napi::Env env) const {
  Napi::Error err = Napi::Error::New(env, message);
  Napi::Env e = env;
  err.Set("code", Napi::Number::New(e, code));
  err.Set("kafkaName", Napi::String::New(e, name));
  err.Set("retriable", Napi::Boolean::New(e, retriable));
  err.Set("fatal", Napi::Boolean::New(e, fatal));
  err.Set("txnRequiresAbort", Napi::Boolean::New(e, txnRequiresAbort));
  throw err;
}

}  // namespace octokafka
