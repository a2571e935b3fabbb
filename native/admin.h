// The native admin client: librdkafka's Admin API and metadata on a producer handle.
// admin.cc runs requests (this class's machinery); admin_requests.cc builds each kind of
// request from its JS arguments; admin_results.cc reads the results.
//
// Every operation runs as a long task on the pump's task thread: it submits the request with a
// private result queue and waits there for the result event (in short slices, so that
// close() does not wait for a slow broker). The result is read into plain data on the
// task thread and turned into JS on the JS thread. Nothing blocks the JS thread.
//
// librdkafka's mock cluster lacks most admin APIs (see rdkafka_mock_handlers.c): for
// those the task first identifies the cluster (the mock's cluster id starts with
// "mockCluster") and fails fast with _UNSUPPORTED_FEATURE instead of letting the request
// time out. Group listing/description are never sent to a mock cluster (see the project's
// librdkafka note), and requests to a group coordinator are guarded against librdkafka's
// coordinator-lookup use-after-free (kCoordinatorTimeoutMs in admin.cc).
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "admin_data.h"
#include "client.h"
#include "client_wrap.h"

namespace octokafka {

// What the admin client's threads use (see ClientContext).
struct AdminContext : ClientContext {
  // Set by close() on the JS thread: requests in flight stop waiting for their result.
  std::atomic<bool> closing{false};
  std::string clusterId;  // task thread only; empty until known
};

class Admin : public ClientWrap<Admin, AdminContext> {
 public:
  static constexpr const char* kClassName = "NativeAdmin";
  static constexpr const char* kThreadName = "octokafka.Admin";
  static constexpr const char* kUsage = "NativeAdmin(config, onBatch)";
  static Napi::Function Init(Napi::Env env);
  explicit Admin(const Napi::CallbackInfo& info);

  using Deadline = std::chrono::steady_clock::time_point;

  // What one admin request needs besides its arguments.
  struct Op {
    const char* name = "";  // Kafka API name, for messages
    rd_kafka_admin_op_t api = RD_KAFKA_ADMIN_OP_ANY;
    rd_kafka_event_type_t resultType = 0;
    int timeoutMs = 30000;
    bool mockLacks = false;         // the embedded cluster cannot serve it: fail fast there
    bool needsKnownCluster = false;  // refuse unless the cluster is known not to be the mock
    bool setOperationTimeout = false;  // broker-side wait (CreateTopics, DeleteTopics, ...)
    // Sent to the group coordinator: librdkafka's own timeout must not fire while it looks
    // the coordinator up (see kCoordinatorTimeoutMs in admin.cc).
    bool viaCoordinator = false;
    int validateOnly = -1;           // -1: not applicable
    // Sets request-specific options; returns an error to refuse the request.
    std::function<ErrorInfo(rd_kafka_AdminOptions_t*)> configure;
  };
  // Submits the request (non-blocking librdkafka call) with its result queue.
  using Submit = std::function<void(rd_kafka_t*, const rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>;
  // Reads a successful result event into plain data (pump thread).
  using Parse = std::function<ErrorInfo(rd_kafka_event_t*, Data&)>;

 private:
  static void Shutdown(AdminContext* c);
  // Runs `submit` on the task thread and resolves with what `parse` read.
  Napi::Value Run(Napi::Env env, Op op, Submit submit, Parse parse);
  static TaskOutcome Execute(AdminContext* c, const Op& op, const Submit& submit, const Parse& parse);
  // Identifies the cluster (once) and refuses the operation on the mock cluster.
  static ErrorInfo CheckNotMock(AdminContext* c, const Op& op, Deadline deadline);

  Napi::Value Metadata(const Napi::CallbackInfo& info);
  Napi::Value CreateTopics(const Napi::CallbackInfo& info);
  Napi::Value DeleteTopics(const Napi::CallbackInfo& info);
  Napi::Value CreatePartitions(const Napi::CallbackInfo& info);
  Napi::Value DescribeConfigs(const Napi::CallbackInfo& info);
  Napi::Value IncrementalAlterConfigs(const Napi::CallbackInfo& info);
  Napi::Value ListOffsets(const Napi::CallbackInfo& info);
  Napi::Value ListConsumerGroups(const Napi::CallbackInfo& info);
  Napi::Value DescribeConsumerGroups(const Napi::CallbackInfo& info);
  Napi::Value ListConsumerGroupOffsets(const Napi::CallbackInfo& info);
  Napi::Value AlterConfigs(const Napi::CallbackInfo& info);
  Napi::Value DeleteGroups(const Napi::CallbackInfo& info);
  Napi::Value DeleteRecords(const Napi::CallbackInfo& info);
  Napi::Value CreateAcls(const Napi::CallbackInfo& info);
  Napi::Value DescribeAcls(const Napi::CallbackInfo& info);
  Napi::Value DeleteAcls(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
};

}  // namespace octokafka
