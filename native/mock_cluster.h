// librdkafka's mock cluster (rdkafka_mock.h) as a JS class: brokers on ephemeral
// loopback ports served by one librdkafka thread, with topic creation and fault
// injection. Operations run as tasks on the pump thread.
#pragma once
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <napi.h>

#include <string>

#include "client.h"

namespace octokafka {

class MockCluster : public Napi::ObjectWrap<MockCluster> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit MockCluster(const Napi::CallbackInfo& info);
  ~MockCluster() override;

 private:
  Napi::Value Bootstraps(const Napi::CallbackInfo& info);
  Napi::Value CreateTopic(const Napi::CallbackInfo& info);
  Napi::Value BrokerDown(const Napi::CallbackInfo& info);
  Napi::Value BrokerUp(const Napi::CallbackInfo& info);
  Napi::Value BrokerRtt(const Napi::CallbackInfo& info);
  Napi::Value PushRequestErrors(const Napi::CallbackInfo& info);
  Napi::Value PartitionLeader(const Napi::CallbackInfo& info);
  Napi::Value Coordinator(const Napi::CallbackInfo& info);
  Napi::Value TopicError(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value SetRef(const Napi::CallbackInfo& info);
  Napi::Value ErrTask(Napi::Env env, std::function<rd_kafka_resp_err_t(rd_kafka_mock_cluster_t*)> fn);
  void Shutdown();

  std::unique_ptr<ClientContext> ctxOwned_{new ClientContext};
  ClientContext& ctx_{*ctxOwned_};
  rd_kafka_mock_cluster_t* mcluster_ = nullptr;
  std::string bootstraps_;
};

}  // namespace octokafka
