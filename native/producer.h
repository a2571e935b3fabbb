// The native producer: non-blocking produce of one message or a batch on the JS thread,
// delivery reports in batches through the pump, blocking work (flush, transactions) on the
// pump's task thread while the pump thread keeps handing delivery reports over.
#pragma once
#include <napi.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "client.h"
#include "client_wrap.h"

namespace octokafka {

// What the producer's threads use (see ClientContext).
struct ProducerContext : ClientContext {
  std::unordered_map<std::string, rd_kafka_topic_t*> topics;  // JS thread, then the shutdown
  // Whoever serves librdkafka's queue (the pump, a flush) holds serveMu, so that delivery
  // reports are gathered in order into `reports` and handed over in batches.
  std::mutex serveMu;
  std::vector<Delivery> reports;
  std::atomic<int> closeFlushMs{0};
};

class Producer : public ClientWrap<Producer, ProducerContext> {
 public:
  static constexpr const char* kClassName = "NativeProducer";
  static constexpr const char* kThreadName = "octokafka.Producer";
  static constexpr const char* kUsage = "NativeProducer(config, onBatch)";
  static Napi::Function Init(Napi::Env env);
  explicit Producer(const Napi::CallbackInfo& info);

 private:
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) noexcept;
  static bool Serve(ProducerContext* c);
  static void Shutdown(ProducerContext* c);
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
  // Runs a transaction call on the task thread; delivery reports keep going out meanwhile.
  // `flushFirst`: deliver what is outstanding first (commit), within `timeoutMs`.
  Napi::Value TxnTask(Napi::Env env, std::function<rd_kafka_error_t*(rd_kafka_t*)> call, bool flushFirst = false,
                      int timeoutMs = 0);
  Napi::Value OutQueueLength(const Napi::CallbackInfo& info);
  Napi::Value PurgeQueued(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
};

}  // namespace octokafka
