// Readers of librdkafka's admin result events (pump thread): each copies what JS needs
// into a Data tree, so that the event can be destroyed before anything reaches JS.
#pragma once
#include <librdkafka/rdkafka.h>

#include "admin_data.h"

namespace octokafka {

// The fields of an rd_kafka_error_t that librdkafka keeps (the error is not destroyed).
ErrorInfo ErrorFrom(const rd_kafka_error_t* error);

// [{ name, error? }] for CreateTopics, DeleteTopics and CreatePartitions.
ErrorInfo ReadTopicResults(rd_kafka_event_t* ev, Data& out);
// [{ type, name, error?, entries: [{ name, value, source, isReadOnly, isDefault, isSensitive, isSynonym }] }]
ErrorInfo ReadDescribeConfigs(rd_kafka_event_t* ev, Data& out);
// [{ type, name, error? }] for IncrementalAlterConfigs and (legacy) AlterConfigs.
ErrorInfo ReadAlterConfigs(rd_kafka_event_t* ev, Data& out);
// [{ topic, partition, offset, timestamp, leaderEpoch, error? }]
ErrorInfo ReadListOffsets(rd_kafka_event_t* ev, Data& out);
// { groups: [{ groupId, isSimple, state, type }], errors: [error] }
ErrorInfo ReadListConsumerGroups(rd_kafka_event_t* ev, Data& out);
// [{ groupId, error?, isSimple, partitionAssignor, state, type, coordinator, members, authorizedOperations }]
ErrorInfo ReadDescribeConsumerGroups(rd_kafka_event_t* ev, Data& out);
// [{ topic, partition, offset, metadata, leaderEpoch, error? }] of the one group asked for.
ErrorInfo ReadListConsumerGroupOffsets(rd_kafka_event_t* ev, Data& out);

// [{ name, error? }] for DeleteGroups.
ErrorInfo ReadDeleteGroups(rd_kafka_event_t* ev, Data& out);
// [{ topic, partition, offset (the new low watermark), error? }] for DeleteRecords.
ErrorInfo ReadDeleteRecords(rd_kafka_event_t* ev, Data& out);

// [{ error? }] for CreateAcls, one per binding in request order.
ErrorInfo ReadCreateAcls(rd_kafka_event_t* ev, Data& out);
// [{ resourceType, resourceName, patternType, principal, host, operation, permission }]
// (librdkafka's enum values) for DescribeAcls.
ErrorInfo ReadDescribeAcls(rd_kafka_event_t* ev, Data& out);
// [{ error?, matching: [{ resourceType, ..., permission, error? }] }] for DeleteAcls, one per
// filter in request order.
ErrorInfo ReadDeleteAcls(rd_kafka_event_t* ev, Data& out);

// { clusterId, controllerId, origBrokerId, brokers: [{ id, host, port }],
//   topics: [{ topic, error?, partitions: [{ partition, leader, replicas, isr, error? }] }] }
Data MetadataToData(const rd_kafka_metadata_t* md, const char* clusterId, int32_t controllerId);

}  // namespace octokafka
