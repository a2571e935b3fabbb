// The native consumer: messages are taken from librdkafka's consumer queue in batches on
// the pump thread (bounded by the pump's limits and JS's flow control) and handed to JS
// in one call per batch. Rebalances wait for JS hooks (up to the rebalance timeout);
// group and offset operations run as quick tasks on the pump thread, or as long tasks on
// the task thread when they wait for a broker (synchronous commit, committed offsets,
// watermarks, offsets for times).
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "client.h"
#include "client_wrap.h"

namespace octokafka {

// What the consumer's threads use (see ClientContext). Pump thread only, unless noted.
struct ConsumerContext : ClientContext {
  rd_kafka_queue_t* queue = nullptr;
  std::vector<rd_kafka_message_t*> scratch;
  uint64_t rebalanceSeq = 0;
  bool flowPaused = false;
  // When JS turned the flow off, while fetching is not paused yet (keep-alive mode).
  std::optional<std::chrono::steady_clock::time_point> flowOffSince;
  std::set<std::pair<std::string, int32_t>> userPaused;
  // How long librdkafka waits for the application's rebalance hooks before it goes on
  // without them (the group's rebalance timeout: max.poll.interval.ms).
  int rebalanceTimeoutMs = 300000;
  // Serve the queue while the application is not taking messages (the keep-alive option).
  bool keepAlive = false;

  // The group gate (any thread, under groupMu). Once close() starts leaving the group, an
  // operation sent to the group (a commit) may reach librdkafka after the group ended:
  // then nothing ever answers it, or, in the moment the group ends, librdkafka aborts
  // (its teardown asserts that no commit is in flight). So from then on group operations
  // are refused, except while the close's revoke hooks run (the group waits for their
  // assign call and cannot end before it). A commit is sent while holding the lock, so the
  // leave, or the assign call that ends the hooks, comes after it in librdkafka's queue.
  std::mutex groupMu;
  bool leavingGroup = false;
  bool closeHooksRunning = false;
};

class Consumer : public ClientWrap<Consumer, ConsumerContext> {
 public:
  static constexpr const char* kClassName = "NativeConsumer";
  static constexpr const char* kThreadName = "octokafka.Consumer";
  static constexpr const char* kUsage = "NativeConsumer(config, onBatch)";
  static Napi::Function Init(Napi::Env env);
  explicit Consumer(const Napi::CallbackInfo& info);
  // True when `value` is a NativeConsumer (checked by type tag before unwrapping).
  static bool Is(Napi::Env env, Napi::Value value);
  // The handle, for a transactional producer's sendOffsetsToTransaction (JS thread only);
  // null once closing.
  rd_kafka_t* HandleForTransactions() const { return ctx_.pump->stopping() ? nullptr : ctx_.rk; }

 private:
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                          void* opaque) noexcept;
  static void OnCommit(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                       void* opaque) noexcept;
  static void Rebalance(ConsumerContext* c, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  static bool Serve(ConsumerContext* c, size_t room, bool flowing);
  // Flow control by pausing (keep-alive mode only): while JS wants no more messages for
  // longer than a moment, the assigned partitions are paused and the queue keeps being
  // served. Partitions the application paused itself stay paused when the flow resumes.
  static void PauseForFlow(ConsumerContext* c);
  static void ResumeForFlow(ConsumerContext* c);
  // The current assignment without the application's own paused partitions.
  static rd_kafka_topic_partition_list_t* FlowPartitions(ConsumerContext* c);
  static void Shutdown(ConsumerContext* c);
  // Leaves the group, serving the queue (rebalance callbacks) until librdkafka says the
  // consumer is closed, or until the close's deadline. True if closed.
  static bool LeaveGroup(ConsumerContext* c);
  // Sends a commit through the group gate: `send()` runs with the gate's lock held;
  // refused with _STATE once the group is being left (see ConsumerContext::groupMu).
  static ErrorInfo SendToGroup(ConsumerContext* c, const char* what, const std::function<ErrorInfo()>& send);
  // rd_kafka_commit(async=0) with a deadline (see consumer.cc). Task thread.
  static ErrorInfo CommitAndWait(ConsumerContext* c, const rd_kafka_topic_partition_list_t* offsets, int timeoutMs);
  // Runs `fn(rk, list)` as a quick task with a partition list parsed from info[0].
  using ListFn = std::function<ErrorInfo(rd_kafka_t*, rd_kafka_topic_partition_list_t*)>;
  Napi::Value ListTask(const Napi::CallbackInfo& info, bool required, ListFn fn);

  Napi::Value Subscribe(const Napi::CallbackInfo& info);
  Napi::Value Unsubscribe(const Napi::CallbackInfo& info);
  Napi::Value Assign(const Napi::CallbackInfo& info);
  Napi::Value Unassign(const Napi::CallbackInfo& info);
  Napi::Value IncrementalAssign(const Napi::CallbackInfo& info);
  Napi::Value IncrementalUnassign(const Napi::CallbackInfo& info);
  Napi::Value Assignment(const Napi::CallbackInfo& info);
  Napi::Value Commit(const Napi::CallbackInfo& info);
  Napi::Value StoreOffsets(const Napi::CallbackInfo& info);
  Napi::Value Committed(const Napi::CallbackInfo& info);
  Napi::Value Position(const Napi::CallbackInfo& info);
  Napi::Value Seek(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value QueryWatermarks(const Napi::CallbackInfo& info);
  Napi::Value OffsetsForTimes(const Napi::CallbackInfo& info);
  Napi::Value RebalanceDone(const Napi::CallbackInfo& info);
  Napi::Value SetFlow(const Napi::CallbackInfo& info);
  Napi::Value WantMessages(const Napi::CallbackInfo& info);
  Napi::Value SetLimits(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value GroupMetadata(const Napi::CallbackInfo& info);
};

}  // namespace octokafka
