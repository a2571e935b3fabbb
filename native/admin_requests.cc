// The admin operations: each turns its JS arguments into librdkafka request objects on the
// JS thread (bad arguments throw TypeErrors there) and hands the request to Admin::Run.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "admin.h"
#include "admin_results.h"

namespace octokafka {

namespace {

// librdkafka objects that one request owns until it is done (freed on any thread).
template <typename T, void (*Destroy)(T*)>
struct Owned {
  Owned() = default;
  ~Owned() {
    for (T* p : items) Destroy(p);
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  std::vector<T*> items;
};

// What each request is and how it is served (see Admin::Op), one row per request, so that
// the differences (which fail fast on the mock cluster, which go to a group coordinator)
// read side by side. Timeouts, validateOnly and request options come from the call.
enum Serving : unsigned {
  kMockLacks = 1u << 0,          // Op::mockLacks
  kNeedsKnownCluster = 1u << 1,  // Op::needsKnownCluster
  kOperationTimeout = 1u << 2,   // Op::setOperationTimeout
  kViaCoordinator = 1u << 3,     // Op::viaCoordinator
};

struct Request {
  const char* name;
  rd_kafka_admin_op_t api;
  rd_kafka_event_type_t resultType;
  unsigned serving;
};

// k<Name>: the Kafka API's name, and librdkafka's operation and result event, which are
// spelled with the same upper-case name.
#define OCTOKAFKA_REQUEST(name, API, serving) \
  constexpr Request k##name { #name, RD_KAFKA_ADMIN_OP_##API, RD_KAFKA_EVENT_##API##_RESULT, serving }
OCTOKAFKA_REQUEST(CreateTopics, CREATETOPICS, kMockLacks | kOperationTimeout);
OCTOKAFKA_REQUEST(DeleteTopics, DELETETOPICS, kMockLacks | kOperationTimeout);
OCTOKAFKA_REQUEST(CreatePartitions, CREATEPARTITIONS, kMockLacks | kOperationTimeout);
OCTOKAFKA_REQUEST(DeleteRecords, DELETERECORDS, kMockLacks | kOperationTimeout);
OCTOKAFKA_REQUEST(DescribeConfigs, DESCRIBECONFIGS, kMockLacks);
OCTOKAFKA_REQUEST(IncrementalAlterConfigs, INCREMENTALALTERCONFIGS, kMockLacks);
OCTOKAFKA_REQUEST(AlterConfigs, ALTERCONFIGS, kMockLacks);
OCTOKAFKA_REQUEST(ListOffsets, LISTOFFSETS, 0);
// Group requests are never sent to the mock cluster (see admin.h).
OCTOKAFKA_REQUEST(ListConsumerGroups, LISTCONSUMERGROUPS, kMockLacks | kNeedsKnownCluster);
OCTOKAFKA_REQUEST(DescribeConsumerGroups, DESCRIBECONSUMERGROUPS, kMockLacks | kNeedsKnownCluster | kViaCoordinator);
OCTOKAFKA_REQUEST(DeleteGroups, DELETEGROUPS, kMockLacks | kNeedsKnownCluster | kViaCoordinator);
OCTOKAFKA_REQUEST(ListConsumerGroupOffsets, LISTCONSUMERGROUPOFFSETS, kViaCoordinator);
OCTOKAFKA_REQUEST(CreateAcls, CREATEACLS, kMockLacks);
OCTOKAFKA_REQUEST(DescribeAcls, DESCRIBEACLS, kMockLacks);
OCTOKAFKA_REQUEST(DeleteAcls, DELETEACLS, kMockLacks);
#undef OCTOKAFKA_REQUEST

// The Op of one call: the request's row, the caller's timeout and, for the requests that
// take it, validateOnly (-1: not applicable).
Admin::Op OpFor(const Request& request, int timeoutMs, int validateOnly = -1) {
  Admin::Op op;
  op.name = request.name;
  op.api = request.api;
  op.resultType = request.resultType;
  op.timeoutMs = timeoutMs;
  op.mockLacks = request.serving & kMockLacks;
  op.needsKnownCluster = request.serving & kNeedsKnownCluster;
  op.setOperationTimeout = request.serving & kOperationTimeout;
  op.viaCoordinator = request.serving & kViaCoordinator;
  op.validateOnly = validateOnly;
  return op;
}

int TimeoutArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) return 30000;
  return std::max(1, info[i].As<Napi::Number>().Int32Value());
}

bool BoolArg(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && info[i].ToBoolean(); }

// validateOnly as Op takes it.
int ValidateOnlyArg(const Napi::CallbackInfo& info, size_t i) { return BoolArg(info, i) ? 1 : 0; }

Napi::Array ArrayArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  RequireArg(info.Env(), info.Length() > i && info[i].IsArray(), what);
  return info[i].As<Napi::Array>();
}

std::string StringField(Napi::Env env, Napi::Object o, const char* key, const char* what) {
  Napi::Value v = o.Get(key);
  RequireArg(env, v.IsString(), what);
  return v.As<Napi::String>().Utf8Value();
}

int32_t IntField(Napi::Env env, Napi::Object o, const char* key, const char* what) {
  Napi::Value v = o.Get(key);
  RequireArg(env, v.IsNumber(), what);
  return v.As<Napi::Number>().Int32Value();
}

Napi::Object ObjectAt(Napi::Env env, Napi::Array arr, uint32_t i, const char* what) {
  Napi::Value v = arr.Get(i);
  RequireArg(env, v.IsObject(), what);
  return v.As<Napi::Object>();
}

std::vector<std::string> Strings(Napi::Env env, Napi::Array arr, const char* what) {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    RequireArg(env, v.IsString(), what);
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return out;
}

// librdkafka refused an argument when building the request.
[[noreturn]] void ThrowArg(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

}  // namespace

// metadata(allTopics, timeoutMs) -> cluster id, controller, brokers and (all) topics.
// Served by every cluster, the mock included. Topics are never auto-created: either all
// of them are listed or none is asked for.
Napi::Value Admin::Metadata(const Napi::CallbackInfo& info) {
  bool allTopics = BoolArg(info, 0);
  int timeout = TimeoutArg(info, 1);
  rd_kafka_t* rk = ctx_.rk;
  AdminContext* c = &ctx_;
  return ctx_.pump->RunTask(info.Env(), [c, rk, allTopics, timeout]() -> TaskOutcome {
    // Asked in slices of at most 500 ms, so that close() and a terminating environment do
    // not wait for a cluster that does not answer.
    const rd_kafka_metadata_t* md = nullptr;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout, 1));
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    for (;;) {
      if (c->closing || c->pump->jsGone()) {
        return {ErrorInfo::From(RD_KAFKA_RESP_ERR__DESTROY, "Metadata aborted: the admin client was closed"), {}};
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      auto sliceStart = std::chrono::steady_clock::now();
      err = rd_kafka_metadata(rk, allTopics ? 1 : 0, nullptr, &md, static_cast<int>(std::min<long long>(left, 500)));
      // No answer in this slice (no broker reachable yet: _TRANSPORT, or none in time): ask
      // again until the caller's deadline, at most every 100 ms.
      if (err != RD_KAFKA_RESP_ERR__TIMED_OUT && err != RD_KAFKA_RESP_ERR__TRANSPORT) break;
      if (std::chrono::steady_clock::now() - sliceStart < std::chrono::milliseconds(100)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    if (err) return {ErrorInfo::From(err), {}};
    std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> owned(md, rd_kafka_metadata_destroy);
    // Both come from the metadata response just received (cached on the handle).
    char* clusterId = rd_kafka_clusterid(rk, 0);
    int32_t controller = rd_kafka_controllerid(rk, 0);
    auto data = std::make_shared<Data>(MetadataToData(md, clusterId, controller));
    if (clusterId) rd_kafka_mem_free(rk, clusterId);
    return {ErrorInfo::None(), [data](Napi::Env env) { return data->ToJs(env); }};
  }, TaskKind::kLong);
}

// createTopics([{ topic, numPartitions, replicationFactor, config: [[name, value]],
//                 replicaAssignment: number[][] | null }], timeoutMs, validateOnly)
Napi::Value Admin::CreateTopics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "createTopics(topics): each topic is { topic, numPartitions, replicationFactor, config?, replicaAssignment? }";
  Napi::Array arr = ArrayArg(info, 0, shape);
  auto topics = std::make_shared<Owned<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy>>();
  char errstr[512];
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Object o = ObjectAt(env, arr, i, shape);
    std::string name = StringField(env, o, "topic", shape);
    int partitions = IntField(env, o, "numPartitions", shape);
    int replication = IntField(env, o, "replicationFactor", shape);
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), partitions, replication, errstr, sizeof errstr);
    if (!nt) ThrowArg(env, "createTopics: topic \"" + name + "\": " + errstr);
    topics->items.push_back(nt);
    Napi::Value config = o.Get("config");
    if (config.IsArray()) {
      Napi::Array pairs = config.As<Napi::Array>();
      for (uint32_t j = 0; j < pairs.Length(); j++) {
        std::vector<std::string> kv = pairs.Get(j).IsArray() ? Strings(env, pairs.Get(j).As<Napi::Array>(), shape)
                                                             : std::vector<std::string>{};
        RequireArg(env, kv.size() == 2, "createTopics: config entries are [name, value] string pairs");
        if (rd_kafka_NewTopic_set_config(nt, kv[0].c_str(), kv[1].c_str())) {
          ThrowArg(env, "createTopics: topic \"" + name + "\": invalid config \"" + kv[0] + "\"");
        }
      }
    }
    Napi::Value assignment = o.Get("replicaAssignment");
    if (assignment.IsArray()) {
      Napi::Array parts = assignment.As<Napi::Array>();
      for (uint32_t p = 0; p < parts.Length(); p++) {
        RequireArg(env, parts.Get(p).IsArray(), "createTopics: replicaAssignment is an array of broker id arrays");
        Napi::Array ids = parts.Get(p).As<Napi::Array>();
        std::vector<int32_t> brokers;
        for (uint32_t b = 0; b < ids.Length(); b++) brokers.push_back(ids.Get(b).ToNumber().Int32Value());
        if (rd_kafka_NewTopic_set_replica_assignment(nt, static_cast<int32_t>(p), brokers.data(), brokers.size(), errstr,
                                                     sizeof errstr)) {
          ThrowArg(env, "createTopics: topic \"" + name + "\": " + errstr);
        }
      }
    }
  }
  return Run(
      env, OpFor(kCreateTopics, TimeoutArg(info, 1), ValidateOnlyArg(info, 2)),
      [topics](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_CreateTopics(rk, topics->items.data(), topics->items.size(), o, q);
      },
      ReadTopicResults);
}

// deleteTopics(names, timeoutMs)
Napi::Value Admin::DeleteTopics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "deleteTopics(topics): topics must be an array of topic names";
  std::vector<std::string> names = Strings(env, ArrayArg(info, 0, shape), shape);
  auto topics = std::make_shared<Owned<rd_kafka_DeleteTopic_t, rd_kafka_DeleteTopic_destroy>>();
  for (const std::string& name : names) topics->items.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
  return Run(
      env, OpFor(kDeleteTopics, TimeoutArg(info, 1)),
      [topics](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteTopics(rk, topics->items.data(), topics->items.size(), o, q);
      },
      ReadTopicResults);
}

// createPartitions([{ topic, totalCount }], timeoutMs, validateOnly)
Napi::Value Admin::CreatePartitions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "createPartitions(topics): each item is { topic, totalCount }";
  Napi::Array arr = ArrayArg(info, 0, shape);
  auto parts = std::make_shared<Owned<rd_kafka_NewPartitions_t, rd_kafka_NewPartitions_destroy>>();
  char errstr[512];
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Object o = ObjectAt(env, arr, i, shape);
    std::string name = StringField(env, o, "topic", shape);
    int total = IntField(env, o, "totalCount", shape);
    RequireArg(env, total > 0, "createPartitions: totalCount must be a positive integer");
    rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(name.c_str(), static_cast<size_t>(total), errstr, sizeof errstr);
    if (!np) ThrowArg(env, "createPartitions: topic \"" + name + "\": " + errstr);
    parts->items.push_back(np);
  }
  return Run(
      env, OpFor(kCreatePartitions, TimeoutArg(info, 1), ValidateOnlyArg(info, 2)),
      [parts](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_CreatePartitions(rk, parts->items.data(), parts->items.size(), o, q);
      },
      ReadTopicResults);
}

namespace {

// [{ type, name }] -> config resources (type: rd_kafka_ResourceType_t).
// `read` (when given) receives the objects as read, so that a caller's second pass uses the
// same objects: reading the array again could meet a different length (a getter may change
// it) and index past the resources made here.
std::shared_ptr<Owned<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>> Resources(
    Napi::Env env, Napi::Array arr, const char* shape, std::vector<Napi::Object>* read = nullptr) {
  auto res = std::make_shared<Owned<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Object o = ObjectAt(env, arr, i, shape);
    if (read) read->push_back(o);
    int type = IntField(env, o, "type", shape);
    std::string name = StringField(env, o, "name", shape);
    RequireArg(env, type > RD_KAFKA_RESOURCE_ANY && type < RD_KAFKA_RESOURCE__CNT, "config resource type is invalid");
    rd_kafka_ConfigResource_t* r = rd_kafka_ConfigResource_new(static_cast<rd_kafka_ResourceType_t>(type), name.c_str());
    if (!r) ThrowArg(env, "invalid config resource \"" + name + "\"");
    res->items.push_back(r);
  }
  return res;
}

}  // namespace

// describeConfigs([{ type, name }], timeoutMs)
Napi::Value Admin::DescribeConfigs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "describeConfigs(resources): each resource is { type, name }";
  auto res = Resources(env, ArrayArg(info, 0, shape), shape);
  return Run(
      env, OpFor(kDescribeConfigs, TimeoutArg(info, 1)),
      [res](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DescribeConfigs(rk, res->items.data(), res->items.size(), o, q);
      },
      ReadDescribeConfigs);
}

// incrementalAlterConfigs([{ type, name, ops: [{ name, op, value }] }], timeoutMs, validateOnly)
// op: rd_kafka_AlterConfigOpType_t. Only the named entries change (unlike AlterConfigs,
// which resets every entry not given).
Napi::Value Admin::IncrementalAlterConfigs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "alterConfigs(resources): each resource is { type, name, ops: [{ name, op, value }] }";
  Napi::Array arr = ArrayArg(info, 0, shape);
  std::vector<Napi::Object> read;
  auto res = Resources(env, arr, shape, &read);
  for (size_t i = 0; i < read.size(); i++) {
    Napi::Value opsValue = read[i].Get("ops");
    RequireArg(env, opsValue.IsArray(), shape);
    Napi::Array ops = opsValue.As<Napi::Array>();
    for (uint32_t j = 0; j < ops.Length(); j++) {
      Napi::Object o = ObjectAt(env, ops, j, shape);
      std::string name = StringField(env, o, "name", shape);
      int type = IntField(env, o, "op", shape);
      Napi::Value v = o.Get("value");
      RequireArg(env, v.IsString() || v.IsNull() || v.IsUndefined(), "alterConfigs: a config value is a string");
      std::string value = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
      RequireArg(env, type >= 0 && type < RD_KAFKA_ALTER_CONFIG_OP_TYPE__CNT, "alterConfigs: invalid op");
      rd_kafka_error_t* error = rd_kafka_ConfigResource_add_incremental_config(
          res->items[i], name.c_str(), static_cast<rd_kafka_AlterConfigOpType_t>(type),
          v.IsString() ? value.c_str() : nullptr);
      if (error) {
        std::string why = rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        ThrowArg(env, "alterConfigs: \"" + name + "\": " + why);
      }
    }
  }
  return Run(
      env, OpFor(kIncrementalAlterConfigs, TimeoutArg(info, 1), ValidateOnlyArg(info, 2)),
      [res](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_IncrementalAlterConfigs(rk, res->items.data(), res->items.size(), o, q);
      },
      ReadAlterConfigs);
}

// listOffsets([{ topic, partition, offset: spec }], timeoutMs, readCommitted)
// spec: -1 latest, -2 earliest, -3 max timestamp, >= 0 a timestamp in ms.
Napi::Value Admin::ListOffsets(const Napi::CallbackInfo& info) {
  std::shared_ptr<rd_kafka_topic_partition_list_t> list(PartitionsFromJs(info.Env(), info[0]),
                                                        rd_kafka_topic_partition_list_destroy);
  bool readCommitted = BoolArg(info, 2);
  Op op = OpFor(kListOffsets, TimeoutArg(info, 1));
  op.configure = [readCommitted](rd_kafka_AdminOptions_t* o) {
    return ErrorInfo::Take(rd_kafka_AdminOptions_set_isolation_level(
        o, readCommitted ? RD_KAFKA_ISOLATION_LEVEL_READ_COMMITTED : RD_KAFKA_ISOLATION_LEVEL_READ_UNCOMMITTED));
  };
  return Run(
      info.Env(), std::move(op),
      [list](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_ListOffsets(rk, list.get(), o, q);
      },
      ReadListOffsets);
}

// listConsumerGroups(timeoutMs)
Napi::Value Admin::ListConsumerGroups(const Napi::CallbackInfo& info) {
  return Run(
      info.Env(), OpFor(kListConsumerGroups, TimeoutArg(info, 0)),
      [](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) { rd_kafka_ListConsumerGroups(rk, o, q); },
      ReadListConsumerGroups);
}

// describeConsumerGroups(groupIds, timeoutMs, includeAuthorizedOperations)
Napi::Value Admin::DescribeConsumerGroups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "describeConsumerGroups(groupIds): groupIds must be an array of group ids";
  auto ids = std::make_shared<std::vector<std::string>>(Strings(env, ArrayArg(info, 0, shape), shape));
  // librdkafka refuses these cases itself, but only after queueing the request; refusing
  // them here keeps failing requests away from its group code.
  RequireArg(env, !ids->empty(), "describeConsumerGroups: give at least one group id");
  std::vector<std::string> sorted = *ids;
  std::sort(sorted.begin(), sorted.end());
  RequireArg(env, std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(),
             "describeConsumerGroups: group ids must not repeat");
  RequireArg(env, sorted.front().size() > 0, "describeConsumerGroups: group ids must be non-empty");
  bool includeOps = BoolArg(info, 2);
  Op op = OpFor(kDescribeConsumerGroups, TimeoutArg(info, 1));
  op.configure = [includeOps](rd_kafka_AdminOptions_t* o) {
    return ErrorInfo::Take(rd_kafka_AdminOptions_set_include_authorized_operations(o, includeOps ? 1 : 0));
  };
  return Run(
      env, std::move(op),
      [ids](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        std::vector<const char*> names;
        for (const std::string& id : *ids) names.push_back(id.c_str());
        rd_kafka_DescribeConsumerGroups(rk, names.data(), names.size(), o, q);
      },
      ReadDescribeConsumerGroups);
}

// listConsumerGroupOffsets(groupId, partitions | null, timeoutMs, requireStable)
// partitions null: every partition the group committed to (needs a real broker: the mock
// answers such a request with nothing, so the TS layer lists partitions there).
Napi::Value Admin::ListConsumerGroupOffsets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireArg(env, info.Length() > 0 && info[0].IsString() && info[0].As<Napi::String>().Utf8Value().size() > 0,
             "listConsumerGroupOffsets(groupId): groupId must be a non-empty string");
  std::string group = info[0].As<Napi::String>();
  std::shared_ptr<rd_kafka_topic_partition_list_t> partitions;
  if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
    partitions.reset(PartitionsFromJs(env, info[1]), rd_kafka_topic_partition_list_destroy);
  }
  bool requireStable = BoolArg(info, 3);
  Op op = OpFor(kListConsumerGroupOffsets, TimeoutArg(info, 2));
  op.configure = [requireStable](rd_kafka_AdminOptions_t* o) {
    return ErrorInfo::Take(rd_kafka_AdminOptions_set_require_stable_offsets(o, requireStable ? 1 : 0));
  };
  return Run(
      env, std::move(op),
      [group, partitions](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_ListConsumerGroupOffsets_t* request = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions.get());
        rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, o, q);
        rd_kafka_ListConsumerGroupOffsets_destroy(request);
      },
      ReadListConsumerGroupOffsets);
}

// alterConfigs([{ type, name, entries: [[name, value]] }], timeoutMs, validateOnly): Kafka's
// legacy AlterConfigs, for brokers without IncrementalAlterConfigs (< 2.3). It REPLACES the
// resource's whole dynamic configuration with `entries`: the TS layer merges first.
Napi::Value Admin::AlterConfigs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "alterConfigs(resources): each resource is { type, name, entries: [[name, value]] }";
  Napi::Array arr = ArrayArg(info, 0, shape);
  std::vector<Napi::Object> read;
  auto res = Resources(env, arr, shape, &read);
  for (size_t i = 0; i < read.size(); i++) {
    Napi::Value entriesValue = read[i].Get("entries");
    RequireArg(env, entriesValue.IsArray(), shape);
    Napi::Array entries = entriesValue.As<Napi::Array>();
    for (uint32_t j = 0; j < entries.Length(); j++) {
      std::vector<std::string> kv = entries.Get(j).IsArray() ? Strings(env, entries.Get(j).As<Napi::Array>(), shape)
                                                               : std::vector<std::string>{};
      RequireArg(env, kv.size() == 2, "alterConfigs: entries are [name, value] string pairs");
      if (rd_kafka_ConfigResource_set_config(res->items[i], kv[0].c_str(), kv[1].c_str())) {
        ThrowArg(env, "alterConfigs: invalid config \"" + kv[0] + "\"");
      }
    }
  }
  return Run(
      env, OpFor(kAlterConfigs, TimeoutArg(info, 1), ValidateOnlyArg(info, 2)),
      [res](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_AlterConfigs(rk, res->items.data(), res->items.size(), o, q);
      },
      ReadAlterConfigs);
}

// deleteGroups(groupIds, timeoutMs)
Napi::Value Admin::DeleteGroups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* shape = "deleteConsumerGroups(groupIds): groupIds must be an array of group ids";
  std::vector<std::string> ids = Strings(env, ArrayArg(info, 0, shape), shape);
  RequireArg(env, !ids.empty(), "deleteConsumerGroups: give at least one group id");
  auto groups = std::make_shared<Owned<rd_kafka_DeleteGroup_t, rd_kafka_DeleteGroup_destroy>>();
  for (const std::string& id : ids) {
    RequireArg(env, !id.empty(), "deleteConsumerGroups: group ids must be non-empty");
    groups->items.push_back(rd_kafka_DeleteGroup_new(id.c_str()));
  }
  return Run(
      env, OpFor(kDeleteGroups, TimeoutArg(info, 1)),
      [groups](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteGroups(rk, groups->items.data(), groups->items.size(), o, q);
      },
      ReadDeleteGroups);
}

// deleteRecords([{ topic, partition, offset }], timeoutMs): deletes each partition's records
// below `offset` (-1: below the high watermark).
Napi::Value Admin::DeleteRecords(const Napi::CallbackInfo& info) {
  std::shared_ptr<rd_kafka_topic_partition_list_t> list(PartitionsFromJs(info.Env(), info[0]),
                                                        rd_kafka_topic_partition_list_destroy);
  return Run(
      info.Env(), OpFor(kDeleteRecords, TimeoutArg(info, 1)),
      [list](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(list.get());
        rd_kafka_DeleteRecords(rk, &request, 1, o, q);
        rd_kafka_DeleteRecords_destroy(request);
      },
      ReadDeleteRecords);
}

// --- ACLs -------------------------------------------------------------------------------
// A binding or filter crosses as { resourceType, resourceName, patternType, principal, host,
// operation, permission } with librdkafka's enum values (which are Kafka's protocol codes);
// in a filter the three strings may be null (any). The TS layer checks and names everything
// first; these checks keep bad values from ever reaching librdkafka (or an enum cast).

namespace {

using AclList = Owned<rd_kafka_AclBinding_t, rd_kafka_AclBinding_destroy>;

// An integer enum value in [0, count); anything else is refused before it is cast.
int AclEnumField(Napi::Env env, Napi::Object o, const char* key, int count, const std::string& at) {
  Napi::Value v = o.Get(key);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d < count && d == static_cast<double>(static_cast<int>(d)))) {
    ThrowArg(env, at + "." + key + " must be an integer from 0 to " + std::to_string(count - 1));
  }
  return static_cast<int>(d);
}

// A string field (null/undefined allowed when `nullable`: any). librdkafka takes C strings,
// so an embedded NUL (which would silently shorten the name) is refused.
bool AclStringField(Napi::Env env, Napi::Object o, const char* key, bool nullable, const std::string& at, std::string& out) {
  Napi::Value v = o.Get(key);
  if (nullable && (v.IsNull() || v.IsUndefined())) return false;
  if (!v.IsString()) ThrowArg(env, at + "." + key + (nullable ? " must be a string or null" : " must be a string"));
  out = v.As<Napi::String>().Utf8Value();
  if (out.find('\0') != std::string::npos) ThrowArg(env, at + "." + key + " must not contain NUL characters");
  return true;
}

rd_kafka_AclBinding_t* AclFromJs(Napi::Env env, Napi::Value value, bool filter, const std::string& at) {
  if (!value.IsObject()) ThrowArg(env, at + " must be an object");
  Napi::Object o = value.As<Napi::Object>();
  int restype = AclEnumField(env, o, "resourceType", RD_KAFKA_RESOURCE__CNT, at);
  int pattern = AclEnumField(env, o, "patternType", RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT, at);
  int operation = AclEnumField(env, o, "operation", RD_KAFKA_ACL_OPERATION__CNT, at);
  int permission = AclEnumField(env, o, "permission", RD_KAFKA_ACL_PERMISSION_TYPE__CNT, at);
  std::string name, principal, host;
  bool hasName = AclStringField(env, o, "resourceName", filter, at, name);
  bool hasPrincipal = AclStringField(env, o, "principal", filter, at, principal);
  bool hasHost = AclStringField(env, o, "host", filter, at, host);
  char errstr[512] = "";
  auto make = filter ? rd_kafka_AclBindingFilter_new : rd_kafka_AclBinding_new;
  rd_kafka_AclBinding_t* acl =
      make(static_cast<rd_kafka_ResourceType_t>(restype), hasName ? name.c_str() : nullptr,
           static_cast<rd_kafka_ResourcePatternType_t>(pattern), hasPrincipal ? principal.c_str() : nullptr,
           hasHost ? host.c_str() : nullptr, static_cast<rd_kafka_AclOperation_t>(operation),
           static_cast<rd_kafka_AclPermissionType_t>(permission), errstr, sizeof errstr);
  if (!acl) ThrowArg(env, at + ": " + errstr);
  return acl;
}

// Bindings or filters from a non-empty array; `what` names it in errors.
std::shared_ptr<AclList> AclsFromJs(const Napi::CallbackInfo& info, bool filter, const char* what) {
  Napi::Env env = info.Env();
  std::string shape = std::string(what) + " must be a non-empty array";
  RequireArg(env, info.Length() > 0 && info[0].IsArray() && info[0].As<Napi::Array>().Length() > 0, shape.c_str());
  Napi::Array arr = info[0].As<Napi::Array>();
  auto acls = std::make_shared<AclList>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    acls->items.push_back(AclFromJs(env, arr.Get(i), filter, std::string(what) + "[" + std::to_string(i) + "]"));
  }
  return acls;
}

}  // namespace

// createAcls([binding], timeoutMs) -> [{ error? }] in request order.
Napi::Value Admin::CreateAcls(const Napi::CallbackInfo& info) {
  auto acls = AclsFromJs(info, false, "createAcls(bindings): bindings");
  return Run(
      info.Env(), OpFor(kCreateAcls, TimeoutArg(info, 1)),
      [acls](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_CreateAcls(rk, acls->items.data(), acls->items.size(), o, q);
      },
      ReadCreateAcls);
}

// describeAcls(filter, timeoutMs) -> [binding] the filter matches.
Napi::Value Admin::DescribeAcls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<rd_kafka_AclBindingFilter_t> filter(
      AclFromJs(env, info.Length() > 0 ? info[0] : env.Undefined(), true, "describeAcls(filter): filter"),
      rd_kafka_AclBinding_destroy);
  return Run(
      env, OpFor(kDescribeAcls, TimeoutArg(info, 1)),
      [filter](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DescribeAcls(rk, filter.get(), o, q);
      },
      ReadDescribeAcls);
}

// deleteAcls([filter], timeoutMs) -> [{ error?, matching: [binding] }] in request order.
Napi::Value Admin::DeleteAcls(const Napi::CallbackInfo& info) {
  auto filters = AclsFromJs(info, true, "deleteAcls(filters): filters");
  return Run(
      info.Env(), OpFor(kDeleteAcls, TimeoutArg(info, 1)),
      [filters](rd_kafka_t* rk, const rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteAcls(rk, filters->items.data(), filters->items.size(), o, q);
      },
      ReadDeleteAcls);
}

}  // namespace octokafka
