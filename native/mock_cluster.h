// librdkafka's mock cluster (rdkafka_mock.h) as a JS class: brokers on ephemeral
// loopback ports served by one librdkafka thread, with topic creation and fault
// injection. Operations run as tasks on the pump thread.
#pragma once
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <napi.h>

#include <string>

#include "client.h"
#include "client_wrap.h"

namespace octokafka {

// What the mock cluster's threads use (see ClientContext).
struct MockClusterContext : ClientContext {
  rd_kafka_mock_cluster_t* mcluster = nullptr;
};

class MockCluster : public ClientWrap<MockCluster, MockClusterContext> {
 public:
  static constexpr const char* kClassName = "NativeMockCluster";
  static constexpr const char* kThreadName = "octokafka.MockCluster";
  static constexpr const char* kUsage = "NativeMockCluster(brokers, onBatch, partitionMaxBytes?)";
  static Napi::Function Init(Napi::Env env);
  explicit MockCluster(const Napi::CallbackInfo& info);

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
  Napi::Value ErrTask(Napi::Env env, std::function<rd_kafka_resp_err_t(rd_kafka_mock_cluster_t*)> fn);
  static void Shutdown(MockClusterContext* c);

  std::string bootstraps_;
};

}  // namespace octokafka
