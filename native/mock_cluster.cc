#include "mock_cluster.h"

#include <vector>

namespace octokafka {

Napi::Function MockCluster::Init(Napi::Env env) {
  return DefineClient(env,
                      {
                          JsMethod<&MockCluster::Bootstraps>("bootstraps"),
                          JsMethod<&MockCluster::CreateTopic>("createTopic"),
                          JsMethod<&MockCluster::BrokerDown>("brokerDown"),
                          JsMethod<&MockCluster::BrokerUp>("brokerUp"),
                          JsMethod<&MockCluster::BrokerRtt>("brokerRtt"),
                          JsMethod<&MockCluster::PushRequestErrors>("pushRequestErrors"),
                          JsMethod<&MockCluster::PartitionLeader>("partitionLeader"),
                          JsMethod<&MockCluster::Coordinator>("coordinator"),
                          JsMethod<&MockCluster::TopicError>("topicError"),
                          JsMethod<&MockCluster::Close>("close"),
                      },
                      false);
}

// new NativeMockCluster(brokers, onBatch, partitionMaxBytes?)
MockCluster::MockCluster(const Napi::CallbackInfo& info) : ClientWrap(info) {
  Construct(info, [&] {
    Napi::Env env = info.Env();
    CreatePump(info, info[0].IsNumber());
    int brokers = info[0].As<Napi::Number>().Int32Value();
    RequireArg(env, brokers >= 1 && brokers <= 64, "brokers must be between 1 and 64");
    int64_t partitionMaxBytes = 0;  // 0: librdkafka's default (5 MiB)
    if (info.Length() > 2 && info[2].IsNumber()) {
      partitionMaxBytes = info[2].As<Napi::Number>().Int64Value();
      RequireArg(env, partitionMaxBytes >= 1, "partitionMaxBytes must be positive");
    }
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    InstallCommonCallbacks(conf, &ctx_);
    // The mock cluster needs a handle to live in; a producer with no brokers is the lightest.
    OpenHandle(info, RD_KAFKA_PRODUCER, conf);
    ctx_.mcluster = rd_kafka_mock_cluster_new(ctx_.rk, brokers);
    if (!ctx_.mcluster) {
      rd_kafka_destroy(ctx_.rk);
      ctx_.rk = nullptr;
      ErrorInfo::From(RD_KAFKA_RESP_ERR__FAIL, "could not start the mock cluster").Throw(env);
    }
    // Before any topic exists: the limit applies to partitions created from now on
    // (rd_kafka_mock_partition_max_bytes is added by scripts/librdkafka.sh's patch).
    if (partitionMaxBytes > 0) rd_kafka_mock_partition_max_bytes(ctx_.mcluster, partitionMaxBytes);
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(ctx_.mcluster);
    MockClusterContext* c = &ctx_;
    ctx_.pump->Start(PollMainQueue(ctx_.rk), [c] { Shutdown(c); });
    WakePumpFromMainQueue(&ctx_, true);
  });
}

void MockCluster::Shutdown(MockClusterContext* c) {
  c->pump->FinishTasks();
  WakePumpFromMainQueue(c, false);
  rd_kafka_mock_cluster_destroy(c->mcluster);
  c->mcluster = nullptr;
  rd_kafka_destroy(c->rk);
}

Napi::Value MockCluster::Bootstraps(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), bootstraps_);
}

Napi::Value MockCluster::ErrTask(Napi::Env env, std::function<rd_kafka_resp_err_t(rd_kafka_mock_cluster_t*)> fn) {
  rd_kafka_mock_cluster_t* mc = ctx_.mcluster;
  return ctx_.pump->RunTask(env, [mc, fn]() -> TaskOutcome { return {ErrorInfo::From(fn(mc)), {}}; });
}

// createTopic(name, partitions, replicationFactor)
Napi::Value MockCluster::CreateTopic(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() >= 3 && info[0].IsString() && info[1].IsNumber() && info[2].IsNumber(),
             "createTopic(name, partitions, replicationFactor)");
  std::string name = info[0].As<Napi::String>();
  int partitions = info[1].As<Napi::Number>().Int32Value();
  int replication = info[2].As<Napi::Number>().Int32Value();
  return ErrTask(env, [name, partitions, replication](rd_kafka_mock_cluster_t* mc) {
    return rd_kafka_mock_topic_create(mc, name.c_str(), partitions, replication);
  });
}

Napi::Value MockCluster::BrokerDown(const Napi::CallbackInfo& info) {
  int32_t id = info[0].As<Napi::Number>().Int32Value();
  return ErrTask(info.Env(), [id](rd_kafka_mock_cluster_t* mc) { return rd_kafka_mock_broker_set_down(mc, id); });
}

Napi::Value MockCluster::BrokerUp(const Napi::CallbackInfo& info) {
  int32_t id = info[0].As<Napi::Number>().Int32Value();
  return ErrTask(info.Env(), [id](rd_kafka_mock_cluster_t* mc) { return rd_kafka_mock_broker_set_up(mc, id); });
}

Napi::Value MockCluster::BrokerRtt(const Napi::CallbackInfo& info) {
  int32_t id = info[0].As<Napi::Number>().Int32Value();
  int rtt = info[1].As<Napi::Number>().Int32Value();
  return ErrTask(info.Env(),
                 [id, rtt](rd_kafka_mock_cluster_t* mc) { return rd_kafka_mock_broker_set_rtt(mc, id, rtt); });
}

// pushRequestErrors(apiKey, errorCodes[]): the next requests of that kind fail in order.
Napi::Value MockCluster::PushRequestErrors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() >= 2 && info[0].IsNumber() && info[1].IsArray(),
             "pushRequestErrors(apiKey, errorCodes)");
  int16_t apiKey = static_cast<int16_t>(info[0].As<Napi::Number>().Int32Value());
  Napi::Array arr = info[1].As<Napi::Array>();
  std::vector<rd_kafka_resp_err_t> errors;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    errors.push_back(static_cast<rd_kafka_resp_err_t>(arr.Get(i).As<Napi::Number>().Int32Value()));
  }
  return ErrTask(env, [apiKey, errors](rd_kafka_mock_cluster_t* mc) {
    rd_kafka_mock_push_request_errors_array(mc, apiKey, errors.size(), errors.data());
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  });
}

// partitionLeader(topic, partition, brokerId)
Napi::Value MockCluster::PartitionLeader(const Napi::CallbackInfo& info) {
  std::string topic = info[0].As<Napi::String>();
  int32_t partition = info[1].As<Napi::Number>().Int32Value();
  int32_t broker = info[2].As<Napi::Number>().Int32Value();
  return ErrTask(info.Env(), [topic, partition, broker](rd_kafka_mock_cluster_t* mc) {
    return rd_kafka_mock_partition_set_leader(mc, topic.c_str(), partition, broker);
  });
}

// coordinator(keyType "group"|"transaction", key, brokerId)
Napi::Value MockCluster::Coordinator(const Napi::CallbackInfo& info) {
  std::string type = info[0].As<Napi::String>();
  std::string key = info[1].As<Napi::String>();
  int32_t broker = info[2].As<Napi::Number>().Int32Value();
  return ErrTask(info.Env(), [type, key, broker](rd_kafka_mock_cluster_t* mc) {
    return rd_kafka_mock_coordinator_set(mc, type.c_str(), key.c_str(), broker);
  });
}

// topicError(topic, errorCode): metadata for the topic reports the error.
Napi::Value MockCluster::TopicError(const Napi::CallbackInfo& info) {
  std::string topic = info[0].As<Napi::String>();
  auto err = static_cast<rd_kafka_resp_err_t>(info[1].As<Napi::Number>().Int32Value());
  return ErrTask(info.Env(), [topic, err](rd_kafka_mock_cluster_t* mc) {
    rd_kafka_mock_topic_set_error(mc, topic.c_str(), err);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
  });
}

Napi::Value MockCluster::Close(const Napi::CallbackInfo& info) { return ctx_.pump->Stop(info.Env()); }

}  // namespace octokafka
