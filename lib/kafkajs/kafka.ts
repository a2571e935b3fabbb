/** `new Kafka(config)`: the factory of KafkaJS producers, consumers and admin clients. */
import { KafkaJSAdmin } from './admin';
import { mapKafkaConfig, type ClientBase } from './config-mapping';
import { KafkaJSConsumer } from './consumer';
import { KafkaJSProducer } from './producer';
import type { AdminConfig, ConsumerConfig, KafkaConfig, Logger, ProducerConfig } from './types';

/**
 * The entry point of the KafkaJS API, over octokafka's librdkafka clients.
 *
 * @example
 * ```ts
 * import { Kafka } from 'octokafka/kafkajs';
 * const kafka = new Kafka({ clientId: 'my-app', brokers: ['kafka1:9092'] });
 * const producer = kafka.producer();
 * await producer.connect();
 * await producer.send({ topic: 'test-topic', messages: [{ value: 'Hello' }] });
 * ```
 */
export class Kafka {
  private readonly base: ClientBase;
  private readonly consumers = new Set<KafkaJSConsumer>();

  constructor(config: KafkaConfig) {
    this.base = mapKafkaConfig(config);
  }

  /** A new producer. */
  producer(config: ProducerConfig = {}): KafkaJSProducer {
    return new KafkaJSProducer(this.base, config, {
      rawConsumerOf: (groupId) => [...this.consumers].find((c) => c.group === groupId && c.rawConsumer())?.rawConsumer(),
    });
  }

  /** A new consumer of group `config.groupId`. */
  consumer(config: ConsumerConfig): KafkaJSConsumer {
    return new KafkaJSConsumer(this.base, config, this.consumers);
  }

  /** A new admin client. */
  admin(config: AdminConfig = {}): KafkaJSAdmin {
    return new KafkaJSAdmin(this.base, config);
  }

  /** The root logger (configured by `logLevel` / `logCreator`). */
  logger(): Logger {
    return this.base.logger;
  }
}
