#include "admin.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "config.h"

namespace octokafka {

namespace {

using Clock = std::chrono::steady_clock;

// How long a request waits for its result between checks for close().
constexpr int kSliceMs = 100;
// librdkafka fails a request itself when its timeout passes; this margin only guards
// against a result that never comes.
constexpr auto kGrace = std::chrono::seconds(5);
// While a request waits this long without a result, the metadata is refreshed (see Execute).
constexpr auto kControllerRefresh = std::chrono::seconds(1);
constexpr char kMockPrefix[] = "mockCluster";
// librdkafka 2.14.2 has a use-after-free in requests sent to a group coordinator: when the
// request's timeout fires before the coordinator is found and connected, the coordinator
// lookup (which has no timeout of its own) later frees the request's enqueue-once handle
// and then uses it (rd_kafka_admin_coord_request -> rd_kafka_coord_req_fail ->
// rd_kafka_admin_coord_response_parse). So such requests get librdkafka's longest timeout
// and this client enforces the caller's deadline itself, by abandoning the result queue;
// a result that comes later is discarded with the queue.
constexpr int kCoordinatorTimeoutMs = 3600 * 1000;

int RemainingMs(Admin::Deadline deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms > 0 ? static_cast<int>(std::min<int64_t>(ms, INT32_MAX)) : 0;
}

std::string MockMessage(const std::string& api) {
  std::string m = "the embedded cluster (librdkafka's mock cluster) does not support " + api;
  if (api == "CreateTopics") {
    m += ": create topics with MockCluster.createTopic() in the process that runs the cluster, or with "
         "`--topic name:partitions` when starting the mock cluster process";
  }
  return m;
}

}  // namespace

Napi::Function Admin::Init(Napi::Env env) {
  return DefineClient(env,
                      {
                          JsMethod<&Admin::Metadata>("metadata"),
                          JsMethod<&Admin::CreateTopics>("createTopics"),
                          JsMethod<&Admin::DeleteTopics>("deleteTopics"),
                          JsMethod<&Admin::CreatePartitions>("createPartitions"),
                          JsMethod<&Admin::DescribeConfigs>("describeConfigs"),
                          JsMethod<&Admin::IncrementalAlterConfigs>("incrementalAlterConfigs"),
                          JsMethod<&Admin::ListOffsets>("listOffsets"),
                          JsMethod<&Admin::ListConsumerGroups>("listConsumerGroups"),
                          JsMethod<&Admin::DescribeConsumerGroups>("describeConsumerGroups"),
                          JsMethod<&Admin::ListConsumerGroupOffsets>("listConsumerGroupOffsets"),
                          JsMethod<&Admin::AlterConfigs>("alterConfigs"),
                          JsMethod<&Admin::DeleteGroups>("deleteGroups"),
                          JsMethod<&Admin::DeleteRecords>("deleteRecords"),
                          JsMethod<&Admin::CreateAcls>("createAcls"),
                          JsMethod<&Admin::DescribeAcls>("describeAcls"),
                          JsMethod<&Admin::DeleteAcls>("deleteAcls"),
                          JsMethod<&Admin::Close>("close"),
                      },
                      true);
}

// new NativeAdmin(config: Record<string,string>, onBatch, { oauthbearer? })
Admin::Admin(const Napi::CallbackInfo& info) : ClientWrap(info) {
  Construct(info, [&] {
    CreatePump(info, info[0].IsObject());
    // A producer handle is the lightest that speaks the Admin API; it never produces.
    OpenHandle(info, RD_KAFKA_PRODUCER, NewConf(info));
    // Logs and errors arrive on the main queue, which the pump serves.
    WakePumpFromMainQueue(&ctx_, true);
    AdminContext* c = &ctx_;
    ctx_.pump->Start(PollMainQueue(ctx_.rk), [c] { Shutdown(c); });
  });
}

void Admin::Shutdown(AdminContext* c) {
  c->closing = true;
  // Requests in flight stop waiting (close() or the environment going away) and fail.
  c->pump->FinishTasks();
  WakePumpFromMainQueue(c, false);
  rd_kafka_poll(c->rk, 0);  // the last logs and errors
  // Requests abandoned by close() fail inside librdkafka; their queues are already gone.
  rd_kafka_destroy(c->rk);  // rk is left as is: JS-thread code reads it unsynchronized until it sees the close
}

ErrorInfo Admin::CheckNotMock(AdminContext* c, const Op& op, Deadline deadline) {
  if (c->clusterId.empty()) {
    // A brokers-only metadata request: its response carries the cluster id. Asked in short
    // slices, so that close() and a terminating environment do not wait for it.
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    char* id = nullptr;
    while (!id && !c->closing && !c->pump->jsGone() && RemainingMs(deadline) > 0) {
      const rd_kafka_metadata_t* md = nullptr;
      err = rd_kafka_metadata(c->rk, 0, nullptr, &md, std::max(1, std::min(kSliceMs * 5, RemainingMs(deadline))));
      if (md) rd_kafka_metadata_destroy(md);
      id = rd_kafka_clusterid(c->rk, 0);
    }
    if (c->closing || c->pump->jsGone()) {
      if (id) rd_kafka_mem_free(c->rk, id);
      return ErrorInfo::From(RD_KAFKA_RESP_ERR__DESTROY, std::string(op.name) + " aborted: the admin client was closed");
    }
    if (id) {
      c->clusterId = id;
      rd_kafka_mem_free(c->rk, id);
    } else if (op.needsKnownCluster) {
      return ErrorInfo::From(err ? err : RD_KAFKA_RESP_ERR__TIMED_OUT,
                             std::string(op.name) + " needs to identify the cluster first, and no broker told its " +
                                 "cluster id in time (" + rd_kafka_err2str(err ? err : RD_KAFKA_RESP_ERR__TIMED_OUT) +
                                 ")");
    }
  }
  if (c->clusterId.compare(0, sizeof kMockPrefix - 1, kMockPrefix) == 0) {
    return ErrorInfo::From(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, MockMessage(op.name));
  }
  return ErrorInfo::None();
}

TaskOutcome Admin::Execute(AdminContext* c, const Op& op, const Submit& submit, const Parse& parse) {
  if (c->closing) return {ErrorInfo::From(RD_KAFKA_RESP_ERR__DESTROY, "admin client is closed"), {}};
  Deadline deadline = Clock::now() + std::chrono::milliseconds(op.timeoutMs);
  if (op.mockLacks) {
    ErrorInfo e = CheckNotMock(c, op, deadline);
    if (!e.ok()) return {e, {}};
  }
  int remaining = RemainingMs(deadline);
  if (remaining <= 0) return {ErrorInfo::From(RD_KAFKA_RESP_ERR__TIMED_OUT, std::string(op.name) + " timed out"), {}};

  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(c->rk, op.api), rd_kafka_AdminOptions_destroy);
  char errstr[512];
  rd_kafka_resp_err_t err = rd_kafka_AdminOptions_set_request_timeout(
      options.get(), op.viaCoordinator ? kCoordinatorTimeoutMs : remaining, errstr, sizeof errstr);
  // The broker-side wait ends a little earlier, so that its own timeout error comes back.
  if (!err && op.setOperationTimeout) {
    err = rd_kafka_AdminOptions_set_operation_timeout(options.get(), std::max(0, remaining - 500), errstr, sizeof errstr);
  }
  if (!err && op.validateOnly >= 0) {
    err = rd_kafka_AdminOptions_set_validate_only(options.get(), op.validateOnly, errstr, sizeof errstr);
  }
  if (err) return {ErrorInfo::From(err, errstr), {}};
  if (op.configure) {
    ErrorInfo e = op.configure(options.get());
    if (!e.ok()) return {e, {}};
  }

  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(rd_kafka_queue_new(c->rk),
                                                                             rd_kafka_queue_destroy);
  submit(c->rk, options.get(), queue.get());
  // Waits in slices so that close() does not wait for a slow broker; a result that comes
  // after its queue is destroyed is discarded by librdkafka.
  rd_kafka_event_t* ev = nullptr;
  Deadline giveUp = op.viaCoordinator ? deadline : deadline + kGrace;
  // librdkafka sends most requests to the controller its cached metadata names and waits for
  // that broker to be up, without asking the cluster again. When that node died (a killed
  // controller; under KRaft, the live broker a Metadata answer named in its stead) the request
  // would wait out its whole timeout while the others already have a new controller. So while
  // no result comes, the metadata is refreshed every second (brokers only, on this task
  // thread: tasks run one at a time, so the JS side could not do it meanwhile): a changed
  // controller id wakes librdkafka's waiting request, which then goes to the new one.
  Deadline nextRefresh = Clock::now() + kControllerRefresh;
  while (!ev) {
    if (c->closing || c->pump->jsGone()) {
      return {ErrorInfo::From(RD_KAFKA_RESP_ERR__DESTROY, std::string(op.name) + " aborted: the admin client was closed"),
              {}};
    }
    int wait = std::min(kSliceMs, RemainingMs(giveUp));
    if (wait <= 0) return {ErrorInfo::From(RD_KAFKA_RESP_ERR__TIMED_OUT, std::string(op.name) + " timed out"), {}};
    ev = rd_kafka_queue_poll(queue.get(), wait);
    if (!ev && !op.viaCoordinator && Clock::now() >= nextRefresh) {
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_metadata(c->rk, 0, nullptr, &md, std::max(1, std::min(kSliceMs * 5, RemainingMs(giveUp))));
      if (md) rd_kafka_metadata_destroy(md);
      nextRefresh = Clock::now() + kControllerRefresh;
    }
  }
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event(ev, rd_kafka_event_destroy);
  if (rd_kafka_event_type(ev) != op.resultType) {
    return {ErrorInfo::From(RD_KAFKA_RESP_ERR__BAD_MSG,
                            std::string(op.name) + ": unexpected event " + rd_kafka_event_name(ev)),
            {}};
  }
  if ((err = rd_kafka_event_error(ev))) {
    const char* why = rd_kafka_event_error_string(ev);
    return {ErrorInfo::From(err, why ? why : ""), {}};
  }
  auto data = std::make_shared<Data>(Data::Null());
  ErrorInfo e = parse(ev, *data);
  if (!e.ok()) return {e, {}};
  return {ErrorInfo::None(), [data](Napi::Env env) { return data->ToJs(env); }};
}

Napi::Value Admin::Run(Napi::Env env, Op op, Submit submit, Parse parse) {
  AdminContext* c = &ctx_;
  return ctx_.pump->RunTask(
      env, [c, op = std::move(op), submit = std::move(submit), parse = std::move(parse)] { return Execute(c, op, submit, parse); },
      TaskKind::kLong);
}

Napi::Value Admin::Close(const Napi::CallbackInfo& info) {
  ctx_.closing = true;
  return ctx_.pump->Stop(info.Env());
}

}  // namespace octokafka
