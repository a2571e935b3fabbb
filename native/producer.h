// The native producer: non-blocking produce of one message or a batch on the JS thread,
// delivery reports in batches through the pump, blocking work (flush, close) on the pump
// thread.
#pragma once
#include <napi.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "client.h"

namespace octokafka {

class Producer : public Napi::ObjectWrap<Producer> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Producer(const Napi::CallbackInfo& info);
  ~Producer() override;

 private:
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  bool Serve();
  void Shutdown();
  rd_kafka_topic_t* Topic(const std::string& name);
  int ProduceOne(rd_kafka_topic_t* rkt, Napi::Value partition, Napi::Value key, Napi::Value value,
                 Napi::Value headers, Napi::Value timestamp, double id, uint32_t index);

  Napi::Value Produce(const Napi::CallbackInfo& info);
  Napi::Value ProduceBatch(const Napi::CallbackInfo& info);
  Napi::Value ProduceArena(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value InitTransactions(const Napi::CallbackInfo& info);
  Napi::Value BeginTransaction(const Napi::CallbackInfo& info);
  Napi::Value SendOffsetsToTransaction(const Napi::CallbackInfo& info);
  Napi::Value CommitTransaction(const Napi::CallbackInfo& info);
  Napi::Value AbortTransaction(const Napi::CallbackInfo& info);
  // Runs a transaction call on the pump thread; delivery reports served meanwhile go out.
  Napi::Value TxnTask(Napi::Env env, std::function<rd_kafka_error_t*(rd_kafka_t*)> call);
  Napi::Value OutQueueLength(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value SetRef(const Napi::CallbackInfo& info);
  Napi::Value SetToken(const Napi::CallbackInfo& info);
  Napi::Value SetTokenFailure(const Napi::CallbackInfo& info);
  Napi::Value Name(const Napi::CallbackInfo& info);

  ClientContext ctx_;
  std::unordered_map<std::string, rd_kafka_topic_t*> topics_;  // JS thread only
  std::vector<Delivery> reports_;  // pump thread only
  int closeFlushMs_ = 0;
};

}  // namespace octokafka
