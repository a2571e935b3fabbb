// Kafka errors as plain data that can cross threads, and their JS form.
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>

#include <optional>
#include <string>

namespace octokafka {

// A librdkafka error captured on any thread; converted to JS on the JS thread.
struct ErrorInfo {
  int code = 0;
  std::string name;
  std::string message;
  // librdkafka's verdict, when it gave one (rd_kafka_error_t); otherwise lib/util/errors.ts decides.
  std::optional<bool> retriable;
  bool fatal = false;
  bool txnRequiresAbort = false;

  bool ok() const { return code == 0; }
  static ErrorInfo None() { return {}; }
  static ErrorInfo From(rd_kafka_resp_err_t err, const std::string& message = "");
  // Takes the fields of an rd_kafka_error_t and destroys it (it may be null: no error).
  static ErrorInfo Take(rd_kafka_error_t* error);

  // A plain object { code, name, message, retriable, fatal, txnRequiresAbort } that the
  // TypeScript layer turns into a KafkaError.
  Napi::Object ToJs(Napi::Env env) const;
  // Throws a JS Error carrying the same fields.
  [[noreturn]] void Throw(Napi::Env env) const;
};

}  // namespace octokafka
