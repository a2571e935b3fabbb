/// <reference types="node" preserve="true" />
// The declarations use Node.js types (Buffer, NodeJS.ProcessEnv, node:events): a user project
// that does not list "node" in its tsconfig types (TypeScript 6 and later include no @types
// by default) gets them through this reference.
/**
 * octokafka: Kafka for Node.js and TypeScript over librdkafka.
 *
 * Raw layer: {@link KafkaProducer}, {@link KafkaConsumer}, {@link KafkaAdmin}, {@link MockCluster},
 * {@link KafkaError}.
 *
 * @module octokafka
 */
export { KafkaError, ConfigError, ClosedError, BrokersDownError, DecodeError, ValidationError, HandlerError, ErrorCode, RETRIABLE_CODES, isRetriableCode, type KafkaErrorInit, type MessagePersistence } from './util/errors';
export { KafkaProducer, PRODUCER_DEFAULTS, type ProducerOptions, type SendOptions, type BatchSendOptions, type CloseReport } from './client/producer';
export { BatchDelivery } from './core/batch-delivery';
export {
  KafkaConsumer,
  CONSUMER_DEFAULTS,
  type ConsumerOptions,
  type ConsumeOptions,
  type CommitOptions,
  type RunOptions,
  type RebalanceHook,
  type ConsumerCloseReport,
  type ConsumerGroupMetadata,
  type WatermarkOffsets,
  type PartitionLag,
} from './client/consumer';
export type { TimeoutOptions, BaseCloseReport } from './core/call-options';
export * from './testing/index';
export { KafkaAdmin, ADMIN_DEFAULTS } from './admin/admin';
export {
  AdminError,
  type AdminOptions,
  type AdminCallOptions,
  type ValidateOptions,
  type AdminFailure,
  type NewTopic,
  type NewPartitions,
  type BrokerInfo,
  type ClusterDescription,
  type TopicDescription,
  type PartitionDescription,
  type ListTopicsOptions,
  type OffsetSpec,
  type ListOffsetsRequest,
  type ListOffsetsOptions,
  type ListedOffset,
  type ConsumerGroupListing,
  type ConsumerGroupList,
  type ConsumerGroupDescription,
  type DescribeGroupsOptions,
  type GroupMember,
  type GroupOffset,
  type GroupOffsetsOptions,
  type ConfigResourceType,
  type ConfigResource,
  type ConfigEntry,
  type ConfigDescription,
  type ConfigChange,
  type ConfigUpdate,
  type DeleteRecordsRequest,
  type DeletedRecords,
  type AclResourceType,
  type AclPatternType,
  type AclOperation,
  type AclPermission,
  type AclBinding,
  type AclBindingFilter,
  type AclDescription,
  type AclDeletion,
} from './admin/admin-types';
export { Offset, type Message, type OutgoingMessage, type DeliveryReport, type Header, type TopicPartition, type TopicPartitionOffset } from './core/message';
export type { KafkaConfig } from './config/client-config';
export {
  uncheckedConfig,
  type ProducerConfig,
  type ConsumerConfig,
  type AdminConfig,
  type ClientConfig,
  type HiddenProperties,
  type UncheckedProperties,
} from './config/typed-config';
export type {
  CommonProperties,
  ProducerProperties,
  ConsumerProperties,
  SpelledName,
  IntegerValue,
  FloatValue,
  BooleanValue,
  FlagItem,
  FlagsValue,
  ListValue,
  ChoiceListValue,
} from './config/config-property-types';
export type { ClientOptions, ConnectOptions, LogEntry, Logger } from './core/client-base';
export { librdkafkaVersion, librdkafkaFeatures } from './native/version';
export * from './topic/index';
export { configFromEnv } from './config/env-config';
export { Secret, SecretString, redactConfig, redactText, isSecretProperty } from './config/secrets';
export { createMskIamTokenProvider, mskIamConfig, type MskIamOptions, type MskIamToken } from './auth/msk-iam';
export type { OAuthBearerToken, OAuthBearerTokenProvider, StaticOAuthBearerToken } from './auth/oauthbearer';
export { validateConfig, describeProperty } from './config/config';
export {
  parseConnectionsFile,
  readConnectionsFile,
  resolveConnection,
  parsePropertyPairs,
  type ConnectionsFile,
  type ConnectionSpec,
  type ConnectionRole,
  type ResolvedConnection,
  type ResolveConnectionOptions,
} from './app/connection-config';
export { closeOnSignals, type Closable, type CloseOnSignalsOptions, type ShutdownReport, type SignalShutdown } from './app/shutdown';
export { Connection, Connections, configureConnections, connect, closeAll, type ConnectionsOptions, type ConnectionsCloseReport } from './app/connections';
export * from './app/worker/index';
export * from './observability/metrics/index';
export {
  produceChannel,
  consumeChannel,
  setTracePropagator,
  getTracePropagator,
  w3cPropagator,
  openTelemetryPropagator,
  parseTraceparent,
  formatTraceparent,
  type TracePropagator,
  type TraceParent,
  type ProduceTraceContext,
  type ConsumeTraceContext,
} from './observability/tracing';
export { clientErrorChannel } from './core/client-base';

// Types that appear in the signatures above, exported so that users can name them.
export type { DeliveryCallback } from './client/types';
export type { ClientBase, ClientEvents } from './core/client-base';
export type { ConfigRole, ConfigWarning, ValidateConfigOptions, PropertyDescription, PropertyInfo, PropertyType } from './config/config';
export type { AwsCredentials, AwsCredentialsProvider } from './auth/aws-credentials';
export type { MskIamProperties } from './auth/msk-iam';
