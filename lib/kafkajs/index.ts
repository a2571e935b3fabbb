/**
 * `octokafka/kafkajs`: KafkaJS's public API over octokafka's librdkafka clients. Existing
 * KafkaJS applications switch by changing their import; see docs/migrating-from-kafkajs.md
 * for every difference.
 *
 * @module kafkajs
 */
// Loads the mock cluster module for its registration (lib/core/mock-registry.ts): the admin
// client creates topics on a MockCluster or an `octokafka mock` process through it, as it does
// when the package root is loaded.
import '../testing/mock-cluster';

export { Kafka } from './kafka';
export { KafkaJSProducer, KafkaJSTransaction } from './producer';
export { KafkaJSConsumer, PartitionAssigners } from './consumer';
export { KafkaJSAdmin } from './admin';
export { Partitioners } from './partitioners';
export {
  logLevel,
  CompressionTypes,
  CompressionCodecs,
  ConfigResourceTypes,
  ConfigSource,
  AclResourceTypes,
  AclOperationTypes,
  AclPermissionTypes,
  ResourcePatternTypes,
} from './enums';
export {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSOffsetOutOfRange,
  KafkaJSMemberIdRequired,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSConnectionClosedError,
  KafkaJSRequestTimeoutError,
  KafkaJSMetadataNotLoaded,
  KafkaJSTopicMetadataNotLoaded,
  KafkaJSStaleTopicMetadataAssignment,
  KafkaJSDeleteGroupsError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSBrokerNotFound,
  KafkaJSPartialMessageError,
  KafkaJSSASLAuthenticationError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNotImplemented,
  KafkaJSTimeout,
  KafkaJSLockTimeout,
  KafkaJSUnsupportedMagicByteInMessageSet,
  KafkaJSDeleteTopicRecordsError,
  KafkaJSInvariantViolation,
  KafkaJSInvalidVarIntError,
  KafkaJSInvalidLongError,
  KafkaJSCreateTopicError,
  KafkaJSAlterPartitionReassignmentsError,
  KafkaJSAggregateError,
  KafkaJSFetcherRebalanceError,
  KafkaJSNoBrokerAvailableError,
} from './errors';
export type * from './types';
export type { Admin } from './types-admin';
