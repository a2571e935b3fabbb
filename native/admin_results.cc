#include "admin_results.h"

namespace octokafka {

ErrorInfo ErrorFrom(const rd_kafka_error_t* error) {
  if (!error) return ErrorInfo::None();
  ErrorInfo e = ErrorInfo::From(rd_kafka_error_code(error), rd_kafka_error_string(error));
  e.retriable = rd_kafka_error_is_retriable(error);
  e.fatal = rd_kafka_error_is_fatal(error);
  e.txnRequiresAbort = rd_kafka_error_txn_requires_abort(error);
  return e;
}

namespace {

// Adds `error` to an item only when there is one, so that JS can test `item.error`.
void SetError(Data& item, const ErrorInfo& e) {
  if (!e.ok()) item.Set("error", Data::Error(e));
}

ErrorInfo Missing(const char* what) {
  return ErrorInfo::From(RD_KAFKA_RESP_ERR__BAD_MSG, std::string("unexpected admin result: no ") + what);
}

Data NodeToData(const rd_kafka_Node_t* node) {
  if (!node) return Data::Null();
  Data o = Data::Object();
  o.Set("id", Data::Number(rd_kafka_Node_id(node)));
  o.Set("host", Data::String(rd_kafka_Node_host(node)));
  o.Set("port", Data::Number(rd_kafka_Node_port(node)));
  return o;
}

// [{ topic, partition }] (offsets, if any, are not part of an assignment).
Data AssignmentToData(const rd_kafka_MemberAssignment_t* assignment) {
  Data arr = Data::Array();
  const rd_kafka_topic_partition_list_t* list = assignment ? rd_kafka_MemberAssignment_partitions(assignment) : nullptr;
  for (int i = 0; list && i < list->cnt; i++) {
    Data p = Data::Object();
    p.Set("topic", Data::String(list->elems[i].topic));
    p.Set("partition", Data::Number(list->elems[i].partition));
    arr.Push(std::move(p));
  }
  return arr;
}

Data ConfigResourceHead(const rd_kafka_ConfigResource_t* res) {
  Data o = Data::Object();
  o.Set("type", Data::Number(rd_kafka_ConfigResource_type(res)));
  o.Set("name", Data::String(rd_kafka_ConfigResource_name(res)));
  rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(res);
  const char* why = rd_kafka_ConfigResource_error_string(res);
  SetError(o, ErrorInfo::From(err, why ? why : ""));
  return o;
}

}  // namespace

ErrorInfo ReadTopicResults(rd_kafka_event_t* ev, Data& out) {
  size_t n = 0;
  const rd_kafka_topic_result_t** results = nullptr;
  switch (rd_kafka_event_type(ev)) {
    case RD_KAFKA_EVENT_CREATETOPICS_RESULT:
      results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      break;
    case RD_KAFKA_EVENT_DELETETOPICS_RESULT:
      results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
      break;
    case RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT:
      results = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
      break;
    default:
      return Missing("topic results");
  }
  out = Data::Array();
  for (size_t i = 0; i < n; i++) {
    Data item = Data::Object();
    item.Set("name", Data::String(rd_kafka_topic_result_name(results[i])));
    const char* why = rd_kafka_topic_result_error_string(results[i]);
    SetError(item, ErrorInfo::From(rd_kafka_topic_result_error(results[i]), why ? why : ""));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

ErrorInfo ReadDescribeConfigs(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(ev);
  if (!result) return Missing("DescribeConfigs result");
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = rd_kafka_DescribeConfigs_result_resources(result, &n);
  out = Data::Array();
  for (size_t i = 0; i < n; i++) {
    Data item = ConfigResourceHead(resources[i]);
    Data entries = Data::Array();
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[i], &m);
    for (size_t j = 0; j < m; j++) {
      const rd_kafka_ConfigEntry_t* c = configs[j];
      Data e = Data::Object();
      e.Set("name", Data::String(rd_kafka_ConfigEntry_name(c)));
      e.Set("value", Data::String(rd_kafka_ConfigEntry_value(c)));  // null when sensitive or unset
      e.Set("source", Data::String(rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(c))));
      e.Set("isReadOnly", Data::Bool(rd_kafka_ConfigEntry_is_read_only(c)));
      e.Set("isDefault", Data::Bool(rd_kafka_ConfigEntry_is_default(c)));
      e.Set("isSensitive", Data::Bool(rd_kafka_ConfigEntry_is_sensitive(c)));
      e.Set("isSynonym", Data::Bool(rd_kafka_ConfigEntry_is_synonym(c)));
      entries.Push(std::move(e));
    }
    item.Set("entries", std::move(entries));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

ErrorInfo ReadAlterConfigs(rd_kafka_event_t* ev, Data& out) {
  size_t n = 0;
  const rd_kafka_ConfigResource_t** resources = nullptr;
  if (const rd_kafka_IncrementalAlterConfigs_result_t* inc = rd_kafka_event_IncrementalAlterConfigs_result(ev)) {
    resources = rd_kafka_IncrementalAlterConfigs_result_resources(inc, &n);
  } else if (const rd_kafka_AlterConfigs_result_t* legacy = rd_kafka_event_AlterConfigs_result(ev)) {
    resources = rd_kafka_AlterConfigs_result_resources(legacy, &n);
  } else {
    return Missing("AlterConfigs result");
  }
  out = Data::Array();
  for (size_t i = 0; i < n; i++) out.Push(ConfigResourceHead(resources[i]));
  return ErrorInfo::None();
}

ErrorInfo ReadDeleteGroups(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_DeleteGroups_result_t* result = rd_kafka_event_DeleteGroups_result(ev);
  if (!result) return Missing("DeleteGroups result");
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_DeleteGroups_result_groups(result, &n);
  out = Data::Array();
  for (size_t i = 0; i < n; i++) {
    Data item = Data::Object();
    item.Set("name", Data::String(rd_kafka_group_result_name(groups[i])));
    SetError(item, ErrorFrom(rd_kafka_group_result_error(groups[i])));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

ErrorInfo ReadDeleteRecords(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_DeleteRecords_result_t* result = rd_kafka_event_DeleteRecords_result(ev);
  if (!result) return Missing("DeleteRecords result");
  const rd_kafka_topic_partition_list_t* list = rd_kafka_DeleteRecords_result_offsets(result);
  out = Data::Array();
  for (int i = 0; list && i < list->cnt; i++) {
    const rd_kafka_topic_partition_t* p = &list->elems[i];
    Data item = Data::Object();
    item.Set("topic", Data::String(p->topic));
    item.Set("partition", Data::Number(p->partition));
    item.Set("offset", Data::BigInt(p->offset));
    SetError(item, ErrorInfo::From(p->err));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

namespace {

// One ACL binding as librdkafka reports it (enum values as numbers: the TS layer names them;
// a type librdkafka does not know arrives as its UNKNOWN, 0).
Data AclToData(const rd_kafka_AclBinding_t* acl) {
  Data o = Data::Object();
  o.Set("resourceType", Data::Number(rd_kafka_AclBinding_restype(acl)));
  o.Set("resourceName", Data::String(rd_kafka_AclBinding_name(acl)));
  o.Set("patternType", Data::Number(rd_kafka_AclBinding_resource_pattern_type(acl)));
  o.Set("principal", Data::String(rd_kafka_AclBinding_principal(acl)));
  o.Set("host", Data::String(rd_kafka_AclBinding_host(acl)));
  o.Set("operation", Data::Number(rd_kafka_AclBinding_operation(acl)));
  o.Set("permission", Data::Number(rd_kafka_AclBinding_permission_type(acl)));
  SetError(o, ErrorFrom(rd_kafka_AclBinding_error(acl)));
  return o;
}

}  // namespace

ErrorInfo ReadCreateAcls(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_CreateAcls_result_t* result = rd_kafka_event_CreateAcls_result(ev);
  if (!result) return Missing("CreateAcls result");
  size_t n = 0;
  const rd_kafka_acl_result_t** results = rd_kafka_CreateAcls_result_acls(result, &n);
  out = Data::Array();
  for (size_t i = 0; i < n; i++) {
    Data item = Data::Object();
    SetError(item, ErrorFrom(rd_kafka_acl_result_error(results[i])));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

ErrorInfo ReadDescribeAcls(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_DescribeAcls_result_t* result = rd_kafka_event_DescribeAcls_result(ev);
  if (!result) return Missing("DescribeAcls result");
  size_t n = 0;
  const rd_kafka_AclBinding_t** acls = rd_kafka_DescribeAcls_result_acls(result, &n);
  out = Data::Array();
  for (size_t i = 0; i < n; i++) out.Push(AclToData(acls[i]));
  return ErrorInfo::None();
}

ErrorInfo ReadDeleteAcls(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_DeleteAcls_result_t* result = rd_kafka_event_DeleteAcls_result(ev);
  if (!result) return Missing("DeleteAcls result");
  size_t n = 0;
  const rd_kafka_DeleteAcls_result_response_t** responses = rd_kafka_DeleteAcls_result_responses(result, &n);
  out = Data::Array();
  for (size_t i = 0; i < n; i++) {
    Data item = Data::Object();
    SetError(item, ErrorFrom(rd_kafka_DeleteAcls_result_response_error(responses[i])));
    Data matching = Data::Array();
    size_t m = 0;
    const rd_kafka_AclBinding_t** acls = rd_kafka_DeleteAcls_result_response_matching_acls(responses[i], &m);
    for (size_t j = 0; j < m; j++) matching.Push(AclToData(acls[j]));
    item.Set("matching", std::move(matching));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

ErrorInfo ReadListOffsets(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_ListOffsets_result_t* result = rd_kafka_event_ListOffsets_result(ev);
  if (!result) return Missing("ListOffsets result");
  size_t n = 0;
  const rd_kafka_ListOffsetsResultInfo_t** infos = rd_kafka_ListOffsets_result_infos(result, &n);
  out = Data::Array();
  for (size_t i = 0; i < n; i++) {
    const rd_kafka_topic_partition_t* p = rd_kafka_ListOffsetsResultInfo_topic_partition(infos[i]);
    Data item = Data::Object();
    item.Set("topic", Data::String(p->topic));
    item.Set("partition", Data::Number(p->partition));
    item.Set("offset", Data::BigInt(p->offset));
    item.Set("timestamp", Data::Number(static_cast<double>(rd_kafka_ListOffsetsResultInfo_timestamp(infos[i]))));
    item.Set("leaderEpoch", Data::Number(rd_kafka_topic_partition_get_leader_epoch(p)));
    SetError(item, ErrorInfo::From(p->err));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

ErrorInfo ReadListConsumerGroups(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(ev);
  if (!result) return Missing("ListConsumerGroups result");
  size_t n = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(result, &n);
  Data groups = Data::Array();
  for (size_t i = 0; i < n; i++) {
    Data g = Data::Object();
    g.Set("groupId", Data::String(rd_kafka_ConsumerGroupListing_group_id(valid[i])));
    g.Set("isSimple", Data::Bool(rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i])));
    g.Set("state", Data::String(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(valid[i]))));
    g.Set("type", Data::String(rd_kafka_consumer_group_type_name(rd_kafka_ConsumerGroupListing_type(valid[i]))));
    groups.Push(std::move(g));
  }
  size_t m = 0;
  const rd_kafka_error_t** errs = rd_kafka_ListConsumerGroups_result_errors(result, &m);
  Data errors = Data::Array();
  for (size_t i = 0; i < m; i++) errors.Push(Data::Error(ErrorFrom(errs[i])));
  out = Data::Object();
  out.Set("groups", std::move(groups));
  out.Set("errors", std::move(errors));
  return ErrorInfo::None();
}

ErrorInfo ReadDescribeConsumerGroups(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_DescribeConsumerGroups_result_t* result = rd_kafka_event_DescribeConsumerGroups_result(ev);
  if (!result) return Missing("DescribeConsumerGroups result");
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &n);
  out = Data::Array();
  for (size_t i = 0; i < n; i++) {
    const rd_kafka_ConsumerGroupDescription_t* g = groups[i];
    Data item = Data::Object();
    item.Set("groupId", Data::String(rd_kafka_ConsumerGroupDescription_group_id(g)));
    SetError(item, ErrorFrom(rd_kafka_ConsumerGroupDescription_error(g)));
    item.Set("isSimple", Data::Bool(rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(g)));
    item.Set("partitionAssignor", Data::String(rd_kafka_ConsumerGroupDescription_partition_assignor(g)));
    item.Set("state", Data::String(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g))));
    item.Set("type", Data::String(rd_kafka_consumer_group_type_name(rd_kafka_ConsumerGroupDescription_type(g))));
    item.Set("coordinator", NodeToData(rd_kafka_ConsumerGroupDescription_coordinator(g)));
    Data members = Data::Array();
    size_t count = rd_kafka_ConsumerGroupDescription_member_count(g);
    for (size_t j = 0; j < count; j++) {
      const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(g, j);
      Data member = Data::Object();
      member.Set("memberId", Data::String(rd_kafka_MemberDescription_consumer_id(m)));
      member.Set("clientId", Data::String(rd_kafka_MemberDescription_client_id(m)));
      member.Set("host", Data::String(rd_kafka_MemberDescription_host(m)));
      member.Set("groupInstanceId", Data::String(rd_kafka_MemberDescription_group_instance_id(m)));
      member.Set("assignment", AssignmentToData(rd_kafka_MemberDescription_assignment(m)));
      const rd_kafka_MemberAssignment_t* target = rd_kafka_MemberDescription_target_assignment(m);
      member.Set("targetAssignment", target ? AssignmentToData(target) : Data::Null());
      members.Push(std::move(member));
    }
    item.Set("members", std::move(members));
    size_t opCount = 0;
    const rd_kafka_AclOperation_t* ops = rd_kafka_ConsumerGroupDescription_authorized_operations(g, &opCount);
    if (ops) {
      Data names = Data::Array();
      for (size_t j = 0; j < opCount; j++) names.Push(Data::String(rd_kafka_AclOperation_name(ops[j])));
      item.Set("authorizedOperations", std::move(names));
    } else {
      item.Set("authorizedOperations", Data::Null());
    }
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

ErrorInfo ReadListConsumerGroupOffsets(rd_kafka_event_t* ev, Data& out) {
  const rd_kafka_ListConsumerGroupOffsets_result_t* result = rd_kafka_event_ListConsumerGroupOffsets_result(ev);
  if (!result) return Missing("ListConsumerGroupOffsets result");
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &n);
  if (n != 1) return Missing("group in the ListConsumerGroupOffsets result");
  ErrorInfo groupError = ErrorFrom(rd_kafka_group_result_error(groups[0]));
  if (!groupError.ok()) return groupError;
  const rd_kafka_topic_partition_list_t* list = rd_kafka_group_result_partitions(groups[0]);
  out = Data::Array();
  for (int i = 0; list && i < list->cnt; i++) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    Data item = Data::Object();
    item.Set("topic", Data::String(p.topic));
    item.Set("partition", Data::Number(p.partition));
    item.Set("offset", Data::BigInt(p.offset));
    item.Set("metadata", p.metadata ? Data::String(std::string(static_cast<const char*>(p.metadata), p.metadata_size))
                                    : Data::Null());
    item.Set("leaderEpoch", Data::Number(rd_kafka_topic_partition_get_leader_epoch(&p)));
    SetError(item, ErrorInfo::From(p.err));
    out.Push(std::move(item));
  }
  return ErrorInfo::None();
}

Data MetadataToData(const rd_kafka_metadata_t* md, const char* clusterId, int32_t controllerId) {
  Data out = Data::Object();
  out.Set("clusterId", Data::String(clusterId));
  out.Set("controllerId", Data::Number(controllerId));
  out.Set("origBrokerId", Data::Number(md->orig_broker_id));
  Data brokers = Data::Array();
  for (int i = 0; i < md->broker_cnt; i++) {
    Data b = Data::Object();
    b.Set("id", Data::Number(md->brokers[i].id));
    b.Set("host", Data::String(md->brokers[i].host));
    b.Set("port", Data::Number(md->brokers[i].port));
    brokers.Push(std::move(b));
  }
  out.Set("brokers", std::move(brokers));
  Data topics = Data::Array();
  for (int i = 0; i < md->topic_cnt; i++) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    Data topic = Data::Object();
    topic.Set("topic", Data::String(t.topic));
    SetError(topic, ErrorInfo::From(t.err));
    Data partitions = Data::Array();
    for (int j = 0; j < t.partition_cnt; j++) {
      const rd_kafka_metadata_partition_t& p = t.partitions[j];
      Data part = Data::Object();
      part.Set("partition", Data::Number(p.id));
      part.Set("leader", Data::Number(p.leader));
      Data replicas = Data::Array(), isr = Data::Array();
      for (int k = 0; k < p.replica_cnt; k++) replicas.Push(Data::Number(p.replicas[k]));
      for (int k = 0; k < p.isr_cnt; k++) isr.Push(Data::Number(p.isrs[k]));
      part.Set("replicas", std::move(replicas));
      part.Set("isr", std::move(isr));
      SetError(part, ErrorInfo::From(p.err));
      partitions.Push(std::move(part));
    }
    topic.Set("partitions", std::move(partitions));
    topics.Push(std::move(topic));
  }
  out.Set("topics", std::move(topics));
  return out;
}

}  // namespace octokafka
