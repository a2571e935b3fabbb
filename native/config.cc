#include "config.h"

#include <memory>
#include <string>

#include "errors.h"

namespace octokafka {

rd_kafka_conf_t* ConfFromJs(Napi::Env env, Napi::Object props) {
  // Owned until returned: a getter on `props` may throw half-way.
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(), rd_kafka_conf_destroy);
  Napi::Array keys = props.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string name = keys.Get(i).ToString();
    Napi::Value v = props.Get(name);
    if (!v.IsString()) {
      ErrorInfo::From(RD_KAFKA_RESP_ERR__INVALID_ARG, "invalid configuration \"" + name + "\": value must be a string")
          .Throw(env);
    }
    std::string value = v.As<Napi::String>();
    char errstr[512];
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      // The reason is passed on as librdkafka wrote it: the TypeScript layer (the one
      // secret-property matcher, lib/config/secrets.ts) replaces it for secret properties.
      std::string why = errstr;
      ErrorInfo::From(RD_KAFKA_RESP_ERR__INVALID_ARG, "invalid configuration \"" + name + "\": " + why).Throw(env);
    }
  }
  return conf.release();
}

}  // namespace octokafka
