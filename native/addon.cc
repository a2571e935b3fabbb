// Module entry: a context-aware Node-API addon (one instance per main thread or worker).
#include <librdkafka/rdkafka.h>
#include <napi.h>

#include "admin.h"
#include "consumer.h"
#include "mock_cluster.h"
#include "producer.h"

namespace octokafka {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
                             InstanceValue("Producer", Producer::Init(env), napi_enumerable),
                             InstanceValue("Consumer", Consumer::Init(env), napi_enumerable),
                             InstanceValue("MockCluster", MockCluster::Init(env), napi_enumerable),
                             InstanceValue("Admin", Admin::Init(env), napi_enumerable),
                             InstanceValue("librdkafkaVersion", Napi::String::New(env, rd_kafka_version_str()),
                                           napi_enumerable),
                             InstanceValue("features", Napi::String::New(env, Features()), napi_enumerable),
                             InstanceMethod<&Addon::ErrorName>("errorName", napi_enumerable),
                             InstanceMethod<&Addon::ErrorString>("errorString", napi_enumerable),
                         });
  }

 private:
  static std::string Features() {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char buf[512];
    size_t size = sizeof buf;
    std::string out;
    if (rd_kafka_conf_get(conf, "builtin.features", buf, &size) == RD_KAFKA_CONF_OK) out = buf;
    rd_kafka_conf_destroy(conf);
    return out;
  }

  Napi::Value ErrorName(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(),
                             rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(info[0].As<Napi::Number>().Int32Value())));
  }

  Napi::Value ErrorString(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(),
                             rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(info[0].As<Napi::Number>().Int32Value())));
  }
};

}  // namespace octokafka

using octokafka::Addon;
NODE_API_ADDON(Addon)
