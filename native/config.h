// librdkafka configuration from a JS object (already validated by the TS layer).
#pragma once
#include <librdkafka/rdkafka.h>
#include <napi.h>

namespace octokafka {

// Builds a configuration from an object whose values are strings. Throws a JS error that
// names the property librdkafka refused (never echoing a sensitive value).
rd_kafka_conf_t* ConfFromJs(Napi::Env env, Napi::Object props);

}  // namespace octokafka
