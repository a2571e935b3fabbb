/**
 * The types the topic handle shares with the topic producer and consumer it makes. They live
 * here, not in topic-handle.ts, so that producer.ts and consumer.ts, which the handle imports,
 * need not import the handle back.
 */
import type { KafkaProducer } from '../client/producer';
import type { KafkaConfig } from '../config/client-config';
import type { ClientOptions } from '../core/client-base';
import type { PartitionSelector, Serializer, Validator } from './components';
import type { TopicNotes } from './notes';

/** What a topic needs from its driver (package-internal). */
export interface DriverContext {
  readonly kafka: KafkaConfig;
  /** Options for the raw clients (authentication). */
  readonly clientOptions: ClientOptions;
  /** Put in front of consumer group names (see `namespace_consumer_groups`). */
  readonly groupPrefix: string;
  /** The driver's shared raw producer. */
  producer(): KafkaProducer;
  /** Registers a client the driver closes with itself; returns the deregistration. */
  track(client: { close(options?: { timeoutMs?: number }): Promise<unknown> }): () => void;
  /** Where warnings go (a background commit that failed). */
  readonly notes: TopicNotes;
}

/** The parts of an opened topic. */
export interface TopicParts {
  /** The name as the user gave it (without namespace). */
  readonly name: string;
  /** The Kafka topic name (`<namespace>.<name>`). */
  readonly kafkaTopic: string;
  readonly partitions: number;
  readonly validator: Validator;
  readonly selector: PartitionSelector;
  readonly serializer: Serializer;
}
