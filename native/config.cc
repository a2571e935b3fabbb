#include "config.h"

#include <memory>
#include <string>

#include "errors.h"

namespace octokafka {

namespace {

// Property names whose values are secrets: they must never appear in an error message.
bool IsSensitive(const std::string& name) {
  for (const char* word : {"password", "secret", ".pem", "ssl_key", "oauthbearer.config", "sasl.username"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return false;
}

void ReplaceAll(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

}  // namespace

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
      std::string why = errstr;
      if (IsSensitive(name)) ReplaceAll(why, value, "[redacted]");
      ErrorInfo::From(RD_KAFKA_RESP_ERR__INVALID_ARG, "invalid configuration \"" + name + "\": " + why).Throw(env);
    }
  }
  return conf.release();
}

}  // namespace octokafka
